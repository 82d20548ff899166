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

from indexer.lexical import analyze

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9ÀÁÂÄÈÉÊËÍÏÓÖÚÜ“‘(])|\n+")
_MAX_SENTENCE_CHARS = 400


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def highlight(answer: str, question: str, document_frequency: Mapping[str, float], limit: int = 2) -> list[str]:
    """Up to `limit` sentences of `answer`, in reading order, that share the most weight with `question`.

    `document_frequency` maps a term to the share of units that contain it;
    unknown terms count as rare. Without any shared term, the first sentence.
    """
    sentences = split_sentences(answer)
    if not sentences:
        return []
    terms = set(analyze(question))
    scored: list[tuple[float, int]] = []
    for position, sentence in enumerate(sentences):
        shared = terms & set(analyze(sentence))
        weight = sum(-math.log(max(document_frequency.get(term, 0.0), 1e-3)) for term in shared)
        if weight > 0:
            scored.append((weight, position))
    chosen = sorted(position for _, position in sorted(scored, reverse=True)[:limit]) or [0]
    return [_clip(sentences[position]) for position in chosen]


def _clip(sentence: str) -> str:
    if len(sentence) <= _MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:_MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + " …"
