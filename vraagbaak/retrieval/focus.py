"""The question inside a Kamervraag-style query: preamble sentences first, the asking sentences last.

"Een gezonken vrachtschip blokkeerde ... Wat kan de minister toezeggen ...?
Welke afspraken zijn ... gemaakt?" The preamble sets the scene and pulls the
query vector towards the unit that discusses the news item (often question 1
of the set: "Heeft u kennisgenomen van het bericht ...?"), while the gold is
the unit that asks what the sentences with a question mark ask. The query
vector is therefore a mix of the whole text and of its asking sentences
(`FusionConfig.focus_weight`, chosen on the dev split). One-sentence queries,
and queries that are all questions, have no focus and cost nothing extra.
"""

from __future__ import annotations

import re

import numpy as np

_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def asking_part(question: str) -> str | None:
    """The sentences ending in "?", when other sentences precede or surround them; else None."""
    sentences = [s for s in _SENTENCES.split(question.strip()) if s]
    asking = [s for s in sentences if s.endswith("?")]
    if not asking or len(asking) == len(sentences):
        return None
    return " ".join(asking)


def mix(whole: np.ndarray, focus: np.ndarray, weight: float) -> np.ndarray:
    """Unit vector along (1 - weight) x whole + weight x focus: its cosines are the mixed cosines, rescaled."""
    mixed = (1.0 - weight) * whole + weight * focus
    norm = float(np.linalg.norm(mixed))
    return (mixed / norm).astype(whole.dtype) if norm > 0 else whole
