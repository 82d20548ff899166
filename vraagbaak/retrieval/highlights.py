"""The answer sentences that speak to the new question.

Chosen by the question's analysed terms (the same Dutch stems BM25 uses),
weighted by how rare each term is in the answer's document set. Encoding
every answer sentence with the model would be more precise but costs a
model call per result, which the query-time budget does not allow; the
dense signal has already picked the unit, this only points into it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from vraagbaak.text.analysis import analyze

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9ÀÁÂÄÈÉÊËÍÏÓÖÚÜ“‘(])|\n+")
_MAX_SENTENCE_CHARS = 400


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


@dataclass(frozen=True)
class AnalysedAnswer:
    """An answer's sentences and the analysed terms of each: the per-unit part of highlighting, cacheable."""

    sentences: tuple[str, ...]
    terms: tuple[frozenset[str], ...]


def analyse_answer(answer: str) -> AnalysedAnswer:
    sentences = tuple(split_sentences(answer))
    return AnalysedAnswer(sentences, tuple(frozenset(analyze(sentence)) for sentence in sentences))


def choose_highlights(
    answer: AnalysedAnswer, question_terms: frozenset[str], document_frequency: Mapping[str, float], limit: int = 2
) -> list[str]:
    """Up to `limit` sentences of an analysed answer, in reading order, that share the most weight with
    the question's terms; without any shared term, the first sentence.

    `document_frequency` maps a term to the share of units that contain it; unknown terms count as rare.
    The answer comes analysed because the retriever caches answers, which recur across searches.
    """
    if not answer.sentences:
        return []
    scored: list[tuple[float, int]] = []
    for position, terms in enumerate(answer.terms):
        shared = question_terms & terms
        weight = sum(-math.log(max(document_frequency.get(term, 0.0), 1e-3)) for term in shared)
        if weight > 0:
            scored.append((weight, position))
    chosen = sorted(position for _, position in sorted(scored, reverse=True)[:limit]) or [0]
    return [_clip(answer.sentences[position]) for position in chosen]


def _clip(sentence: str) -> str:
    if len(sentence) <= _MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:_MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + " …"
