"""Issue 31's learned document score: features from hand-made candidates, and a fit that finds the obvious."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vraagbaak.eval.experiments.document_ranker import (
    FEATURES,
    Candidates,
    answer_overlap,
    cross_validate,
    document_features,
    first_document_hits,
    pair_differences,
    shipped_order,
    train,
)
from vraagbaak.eval.experiments.document_score import Query
from vraagbaak.retrieval.fusion import Signal
from vraagbaak.retrieval.retriever import Candidate
from vraagbaak.units import Unit


def _candidate(unit_id: str, score: float, signals: dict[Signal, float], question: str = "") -> Candidate:
    return Candidate(Unit(unit_id=unit_id, doc_id=unit_id.split(":")[0], question=question, answer="x"), score, signals)


def _query() -> Query:
    """Three documents: a (Q&A, two units), b (prose, one unit) and c (Q&A, one unit, no BM25 match)."""
    candidates = [
        _candidate("a:1", 2.0, {Signal.QUESTION: 0.9, Signal.ANSWER: 0.5, Signal.LEXICAL: 4.0}, "Vraag 1?"),
        _candidate("b:p1", 1.5, {Signal.QUESTION: 0.1, Signal.ANSWER: 0.8, Signal.LEXICAL: 8.0}),
        _candidate("a:2", 1.0, {Signal.QUESTION: 0.5, Signal.ANSWER: 0.6}, "Vraag 2?"),
        _candidate("c:1", 0.5, {Signal.QUESTION: 0.5, Signal.ANSWER: 0.5}, "Vraag 3?"),
    ]
    standing = {"a:1": 2.0, "b:p1": 1.5, "a:2": 1.0, "c:1": 1.5}  # c:1 a bare "Ja." read with a better unit
    without = {"a:1": 1.2, "b:p1": 1.5, "a:2": 1.0, "c:1": 1.5}  # a:1 stood high on its sibling bonus
    return Query("Vraag?", candidates, standing, without)


def _z(values: list[float]) -> list[float]:
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return [(v - mean) / spread for v in values]


def test_document_features_by_hand() -> None:
    query = _query()
    assert shipped_order(query) == ["a", "b", "c"]  # b and c tie at 1.5: first appearance decides
    docs, features = document_features(query, first=2)
    assert docs == ["a", "b", "c"]
    question, answer = _z([0.9, 0.1, 0.5, 0.5]), _z([0.5, 0.8, 0.6, 0.5])
    lexical = [-1.0, 1.0, -1.0]  # z over the present scores (4, 8); an absent one counts as the lowest
    expected = [
        # best, without siblings, second, among first 2, dense z, lexical z, Q&A
        [2.0, 1.2, 1.0, 1.0, max(question[0], answer[0], question[2], answer[2]), lexical[0], 1.0],
        [1.5, 1.5, 0.5, 1.0, max(question[1], answer[1]), lexical[1], 0.0],  # one unit: the floor is second
        [1.5, 1.5, 0.5, 0.0, max(question[3], answer[3]), lexical[2], 1.0],
    ]
    assert features.shape == (3, len(FEATURES))
    assert np.allclose(features, expected)


def _synthetic(count: int, seed: int = 7) -> list[Candidates]:
    """The gold document is the only Q&A one among five; the anchor (best unit) is noise that misleads."""
    generator = np.random.default_rng(seed)
    questions = []
    for _ in range(count):
        features = generator.normal(size=(5, len(FEATURES)))
        gold = int(generator.integers(5))
        qa = FEATURES.index("qa")
        features[:, qa] = 0.0
        features[gold, qa] = 1.0
        features[gold, 0] -= 1.0
        questions.append(Candidates(tuple("abcde"), features, np.arange(5) == gold))
    return questions


def test_training_recovers_the_separating_feature() -> None:
    questions = _synthetic(40)
    ranker = train(questions, ("best", "qa"), penalty=0.01)
    assert ranker.weights[1] > 5 * abs(ranker.weights[0])
    assert first_document_hits(ranker, questions) == (1.0, 1.0)
    shipped = train(questions, ("best", "qa"), penalty=math.inf)
    assert shipped.weights.tolist() == [1.0, 0.0]
    assert first_document_hits(shipped, questions)[0] < 0.5
    ids = [f"q{i}" for i in range(len(questions))]
    assert cross_validate(ids, questions, ("best", "qa"), 0.01)[0] == 1.0


def test_pairs_weigh_each_question_once() -> None:
    questions = _synthetic(3)
    differences, weights = pair_differences(questions, depth=3)
    assert len(differences) == len(weights)
    # gold among the first 3: 2 pairs of 1/2; beyond them: 3 pairs of 1/3; each question sums to 1
    assert weights.sum() == pytest.approx(3.0)


def test_answer_overlap_after_normalising() -> None:
    assert answer_overlap("Ja, dat klopt.", "ja dat KLOPT") == 1.0
    assert answer_overlap("Het kabinet zegt nee.", "Het kabinet zegt ja.") == pytest.approx(3 / 5)
