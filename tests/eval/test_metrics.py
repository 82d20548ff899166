"""Metric functions against values computed by hand."""

from __future__ import annotations

import math

import pytest

from vraagbaak.eval.metrics import (
    compute_metrics,
    first_hit_rank,
    mrr_at_k,
    ndcg_at,
    ndcg_at_k,
    percentile,
    recall_at_k,
)

# Three questions: A is answered at rank 2; B has two relevant units, found at ranks 1 and 3; C is never answered.
RANKED = {
    "A": ["x", "a", "y"],
    "B": ["b1", "x", "b2"],
    "C": ["x", "y"],
}
RELEVANT = {"A": {"a"}, "B": {"b1", "b2"}, "C": {"c"}}

# By hand:
#   A: first hit 2 -> RR 1/2; nDCG = (1/log2 3) / 1 = 0.630930
#   B: first hit 1 -> RR 1;   DCG = 1 + 1/log2 4 = 1.5, ideal = 1 + 1/log2 3 = 1.630930 -> nDCG 0.919721
#   C: 0 everywhere
NDCG_A = 0.630930  # 1 / log2(3)
NDCG_B = 0.919721  # 1.5 / (1 + 1 / log2(3))


def test_first_hit_rank_is_one_based_or_none() -> None:
    assert first_hit_rank(RANKED["A"], RELEVANT["A"]) == 2
    assert first_hit_rank(RANKED["B"], RELEVANT["B"]) == 1
    assert first_hit_rank(RANKED["C"], RELEVANT["C"]) is None


def test_recall_counts_a_question_answered_when_any_relevant_unit_is_in_the_top_k() -> None:
    assert recall_at_k(RANKED, RELEVANT, 1) == pytest.approx(1 / 3)  # only B
    assert recall_at_k(RANKED, RELEVANT, 3) == pytest.approx(2 / 3)  # A and B
    assert recall_at_k(RANKED, RELEVANT, 10) == pytest.approx(2 / 3)


def test_mrr_uses_the_first_hit_and_the_cutoff() -> None:
    assert mrr_at_k(RANKED, RELEVANT, 10) == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert mrr_at_k(RANKED, RELEVANT, 1) == pytest.approx(1 / 3)  # A's hit at rank 2 is cut off


def test_ndcg_with_two_relevant_units_counts_both() -> None:
    assert ndcg_at(RANKED["A"], RELEVANT["A"], 10) == pytest.approx(NDCG_A, abs=1e-6)
    assert ndcg_at(RANKED["B"], RELEVANT["B"], 10) == pytest.approx(NDCG_B, abs=1e-6)
    assert ndcg_at_k(RANKED, RELEVANT, 10) == pytest.approx((NDCG_A + NDCG_B + 0.0) / 3, abs=1e-6)


def test_ndcg_ideal_is_over_min_of_relevant_and_k() -> None:
    # k=2: B keeps only its rank-1 hit; ideal DCG has 2 hits (1 + 1/log2 3).
    assert ndcg_at(["b1", "x", "b2"], {"b1", "b2"}, 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # k=1 with three relevant units: ideal is a single hit, so a hit at rank 1 is perfect.
    assert ndcg_at(["r1"], {"r1", "r2", "r3"}, 1) == pytest.approx(1.0)
    # A relevant id listed twice counts once.
    assert ndcg_at(["a", "a"], {"a"}, 10) == pytest.approx(1.0)


def test_questions_missing_from_the_rankings_count_as_unanswered() -> None:
    assert recall_at_k({"A": ["a"]}, {"A": {"a"}, "B": {"b"}}, 10) == pytest.approx(0.5)


def test_compute_metrics_names_and_values() -> None:
    metrics = compute_metrics(RANKED, RELEVANT, k=10)
    assert list(metrics) == ["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
    assert metrics["recall@5"] == pytest.approx(2 / 3)
    assert metrics["mrr@10"] == pytest.approx(0.5)
    assert list(compute_metrics(RANKED, RELEVANT, k=5)) == ["recall@1", "recall@3", "recall@5", "mrr@5", "ndcg@5"]


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 0.5) == pytest.approx(25.0)
    assert percentile(values, 0.95) == pytest.approx(38.5)
    assert percentile([], 0.5) == 0.0


def test_document_metrics_by_hand() -> None:
    from vraagbaak.eval.metrics import document_metrics

    ranked = {"a": ["d1", "d2"], "b": ["d2", "d1"], "c": ["d3"]}
    relevant = {"a": {"d1"}, "b": {"d1"}, "c": {"d9"}}
    figures = document_metrics(ranked, relevant, 10)
    assert figures == pytest.approx({"doc_recall@1": 1 / 3, "doc_recall@5": 2 / 3, "doc_mrr@10": 0.5})
