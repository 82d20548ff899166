"""Turning the three signal rankings into one order: score-keeping convex fusion, or weighted RRF.

Each signal (question cosine, answer cosine, BM25) hands over its best units
with their raw scores. Reciprocal rank fusion keeps only the ranks: a unit
that wins the answer signal by a wide margin and one that wins by a hair score
the same. Convex fusion keeps the margins:

1. one dense score per unit, the higher of its answer cosine and its question
   cosine less `question_offset` (question-to-question cosines run about that
   much higher than question-to-answer ones), so a Q&A unit does not get two
   dense votes where a prose passage, which has no stored question, gets one;
2. the dense score and BM25 each z-scored (or min-max scaled) over the
   candidates, so their scales meet;
3. score = dense + lexical_share x lexical + sibling_weight x sibling agreement
   (vraagbaak/retrieval/siblings.py).

A candidate missing from a signal's list scores that list's lowest value (it
lies below the list's cut), BM25 0. The choice between the methods and every
weight was made on the dev split of the evaluation (docs/retrieval.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Literal

import numpy as np


class Signal(StrEnum):
    QUESTION = "question"
    ANSWER = "answer"
    LEXICAL = "lexical"


Ranking = tuple[np.ndarray, np.ndarray]  # unit rows best first, raw scores
Normalisation = Literal["zscore", "minmax"]
SiblingScores = Callable[[np.ndarray], np.ndarray]


def candidates(rankings: Mapping[Signal, Ranking]) -> tuple[np.ndarray, dict[Signal, np.ndarray]]:
    """Union of the rows of all rankings (ascending) and each signal's raw score there (NaN when absent)."""
    lists = [rows for rows, _ in rankings.values()]
    rows = np.unique(np.concatenate(lists)) if lists else np.zeros(0, np.int64)
    values: dict[Signal, np.ndarray] = {}
    for signal, (signal_rows, scores) in rankings.items():
        column = np.full(len(rows), np.nan)
        column[np.searchsorted(rows, signal_rows)] = scores
        values[signal] = column
    return rows, values


def rrf(rankings: Mapping[Signal, Ranking], weights: Mapping[Signal, float], rrf_k: int) -> dict[int, float]:
    """Weighted reciprocal rank fusion: sum over signals of weight / (rrf_k + rank)."""
    fused: dict[int, float] = {}
    for signal, (rows, _) in rankings.items():
        weight = weights[signal]
        for rank, row in enumerate(rows.tolist(), 1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return fused


def normalise(values: np.ndarray, how: Normalisation, missing: float | None = None) -> np.ndarray:
    """Scale over the candidates; NaN becomes `missing`, or the lowest present value when None."""
    present = values[~np.isnan(values)]
    if not len(present):
        return np.zeros(len(values))
    filled = np.where(np.isnan(values), present.min() if missing is None else missing, values)
    if how == "zscore":
        spread = filled.std()
        return (filled - filled.mean()) / spread if spread > 0 else np.zeros(len(values))
    span = filled.max() - filled.min()
    return (filled - filled.min()) / span if span > 0 else np.ones(len(values))


def dense_score(values: Mapping[Signal, np.ndarray], question_offset: float) -> np.ndarray | None:
    """max(answer, question - offset) per candidate, NaN where neither signal listed it; None without dense."""
    question = values.get(Signal.QUESTION)
    answer = values.get(Signal.ANSWER)
    if question is None:
        return answer
    if answer is None:
        return question - question_offset
    return np.fmax(question - question_offset, answer)


def convex(
    rankings: Mapping[Signal, Ranking],
    *,
    lexical_share: float,
    question_offset: float,
    how: Normalisation = "zscore",
    sibling_weight: float = 0.0,
    siblings: SiblingScores | None = None,
) -> dict[int, float]:
    """Normalised dense score + lexical_share x normalised BM25 (+ sibling agreement) per candidate row."""
    rows, values = candidates(rankings)
    if not len(rows):
        return {}
    score = np.zeros(len(rows))
    dense = dense_score(values, question_offset)
    if dense is not None:
        score += normalise(dense, how)
    if Signal.LEXICAL in values and lexical_share:
        score += lexical_share * normalise(values[Signal.LEXICAL], how, missing=0.0)
    if sibling_weight and siblings is not None:
        score += sibling_weight * siblings(rows)
    return dict(zip(rows.tolist(), score.tolist(), strict=True))
