"""Whether a hit is a close earlier answer, or only the best of a poor lot.

Fused scores are relative to the other candidates and say nothing absolute;
the cosine of the question to the unit's stored question or answer does. A
first result below the threshold makes the page say "geen vergelijkbaar
eerder antwoord". The threshold was chosen on the evaluation's dev split
against questions about topics the corpus never treats
(`python -m vraagbaak.eval.close_match_threshold`; docs/retrieval.md has the
false-alarm and miss rates it gives on test).
"""

from __future__ import annotations

from collections.abc import Sequence

from vraagbaak.retrieval.request import SearchMode
from vraagbaak.retrieval.retriever import SearchHit, Signal

CLOSE_MATCH_COSINE = 0.875
"""Chosen on the dev split for the bundled multilingual-e5-small; another model needs its own."""


def best_cosine(hit: SearchHit) -> float | None:
    """The higher of the question and answer cosines; None when the search had no dense signal."""
    cosines = [hit.signals[signal] for signal in (Signal.QUESTION, Signal.ANSWER) if signal in hit.signals]
    return max(cosines) if cosines else None


def is_close_match(hit: SearchHit, threshold: float = CLOSE_MATCH_COSINE) -> bool | None:
    """True or False by the threshold; None when it cannot be told (a lexical-only search)."""
    cosine = best_cosine(hit)
    return None if cosine is None else cosine >= threshold


def first_close_match(hits: Sequence[SearchHit], mode: SearchMode) -> bool | None:
    """For a whole response, by its most relevant hit: False when nothing was found, None for lexical."""
    if mode is SearchMode.LEXICAL:
        return None
    return is_close_match(hits[0]) if hits else False
