"""Ranking metrics over `ranked: dict[str, list[str]]` and `relevant: dict[str, set[str]]`.

Keys are question ids. A gold lists *acceptable* units, so one hit answers a
question:

- recall@k: share of questions with at least one relevant id in the top k
  (the question is answered at rank r, the rank of its first hit, and r <= k);
- mrr@k: mean of 1/r over questions, 0 when the first hit is below k or absent;
- ndcg@k: binary relevance; DCG = sum of 1/log2(rank + 1) over relevant ids
  in the top k, each relevant id counted once; ideal DCG over
  min(len(relevant), k) hits at ranks 1, 2, ...

Questions absent from `ranked` count as unanswered; every question in
`relevant` is averaged over, never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

RECALL_KS = (1, 3, 5, 10)


def first_hit_rank(ranking: Sequence[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant id, or None."""
    return next((rank for rank, unit_id in enumerate(ranking, 1) if unit_id in relevant), None)


def recall_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    rank = first_hit_rank(ranking[:k], relevant)
    return 0.0 if rank is None else 1.0


def reciprocal_rank_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    rank = first_hit_rank(ranking[:k], relevant)
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    seen: set[str] = set()
    dcg = 0.0
    for rank, unit_id in enumerate(ranking[:k], 1):
        if unit_id in relevant and unit_id not in seen:
            seen.add(unit_id)
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def recall_at_k(ranked: dict[str, list[str]], relevant: dict[str, set[str]], k: int) -> float:
    return _mean([recall_at(ranked.get(qid, []), rel, k) for qid, rel in relevant.items()])


def mrr_at_k(ranked: dict[str, list[str]], relevant: dict[str, set[str]], k: int) -> float:
    return _mean([reciprocal_rank_at(ranked.get(qid, []), rel, k) for qid, rel in relevant.items()])


def ndcg_at_k(ranked: dict[str, list[str]], relevant: dict[str, set[str]], k: int) -> float:
    return _mean([ndcg_at(ranked.get(qid, []), rel, k) for qid, rel in relevant.items()])


def metric_names(k: int = 10) -> list[str]:
    """The keys `compute_metrics` returns, in display order."""
    return [f"recall@{n}" for n in RECALL_KS if n <= k] + [f"mrr@{k}", f"ndcg@{k}"]


def compute_metrics(ranked: dict[str, list[str]], relevant: dict[str, set[str]], k: int = 10) -> dict[str, float]:
    """recall@1/3/5/10 (those <= k), mrr@k and ndcg@k."""
    metrics = {f"recall@{n}": recall_at_k(ranked, relevant, n) for n in RECALL_KS if n <= k}
    metrics[f"mrr@{k}"] = mrr_at_k(ranked, relevant, k)
    metrics[f"ndcg@{k}"] = ndcg_at_k(ranked, relevant, k)
    return metrics


DOCUMENT_KS = (1, 5)


def document_metrics(ranked: dict[str, list[str]], relevant: dict[str, set[str]], k: int = 10) -> dict[str, float]:
    """doc_recall@1/5 and doc_mrr@k over document ids: the same rules one level up, a gold document being
    any document that holds a gold unit."""
    metrics = {f"doc_recall@{n}": recall_at_k(ranked, relevant, n) for n in DOCUMENT_KS if n <= k}
    metrics[f"doc_mrr@{k}"] = mrr_at_k(ranked, relevant, k)
    return metrics


def percentile(values: Sequence[float], share: float) -> float:
    """Linear-interpolated percentile (numpy's default method); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
