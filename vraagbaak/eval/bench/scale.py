"""Scale section: FAISS indexes and BM25 at 100k and 1M synthetic units (see `synthetic` for the recipe).

Every approximate index is built with `vraagbaak.store.vector_index.build_vector_index`
(the product's code path) and searched one query at a time with
`search_vectors`, like the retriever does; recall@10 is against exact
(flat) search over the same vectors. Search-time parameters are swept on the
one built index, so the table doubles as a recall-vs-latency curve.
"""

from __future__ import annotations

import gc
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vraagbaak.eval.bench.inprocess import current_rss_mib
from vraagbaak.eval.bench.stats import recall_at_k, summarise
from vraagbaak.eval.bench.synthetic import VECTOR_RECIPE, synthetic_texts, synthetic_vectors
from vraagbaak.retrieval.retriever import top_rows
from vraagbaak.store.lexical import LexicalIndex
from vraagbaak.store.vector_index import FaissIndex, VectorIndexConfig, build_vector_index, search_vectors

logger = logging.getLogger(__name__)

K = 10
HNSW_EF_SEARCH = (16, 32, 64, 96, 128, 256)
IVF_NPROBE = (8, 16, 32, 64, 128)


@dataclass(frozen=True)
class IndexPlan:
    """One index to build at one size: a name, the product's config, and the parameter it sweeps."""

    name: str
    config: VectorIndexConfig

    @property
    def kind(self) -> str:
        return str(self.config.kind)


def plans_for(size: int, *, hnsw_default_up_to: int) -> list[IndexPlan]:
    """The indexes built at `size`: exact, the product's default, and the HNSW alternatives.

    The default is whatever `VectorIndexConfig()` resolves to at `size`
    (exact up to 200k vectors, IVF-flat with nlist sqrt(n) past it); IVF-flat
    with the same nlist is built at every size so the curve is comparable.
    HNSW M=32/efConstruction=80 builds at about 1.4k vectors/s on 2 busy
    cores, so ~12+ min at 1M: above `hnsw_default_up_to` only the lighter
    M=16/efConstruction=40 graph is built.
    """
    default = VectorIndexConfig()
    plans = [IndexPlan("flat", VectorIndexConfig(kind="flat"))]
    if size <= hnsw_default_up_to:
        plans.append(IndexPlan("hnsw M32 efC80", VectorIndexConfig(kind="hnsw", hnsw_m=32, hnsw_ef_construction=80)))
    plans.append(IndexPlan("hnsw M16 efC40", VectorIndexConfig(kind="hnsw", hnsw_m=16, hnsw_ef_construction=40)))
    nlist = max(1, round(math.sqrt(size)))
    label = " (default)" if default.resolve_kind(size) == "ivf" else ""
    plans.append(IndexPlan(f"ivf-flat nlist{nlist}{label}", VectorIndexConfig(kind="ivf")))
    return plans


def _set_param(index: FaissIndex, kind: str, value: int) -> str:
    import faiss

    inner: Any = faiss.downcast_index(index.index)
    if kind == "hnsw":
        inner.hnsw.efSearch = value
        return f"efSearch={value}"
    inner.nprobe = value
    return f"nprobe={value}"


def _latencies(index: FaissIndex, queries: np.ndarray) -> list[float]:
    seconds = []
    for query in queries:
        started = time.perf_counter()
        search_vectors(index, query, K)
        seconds.append(time.perf_counter() - started)
    return seconds


def _index_mib(index: FaissIndex) -> float:
    import faiss

    return round(faiss.serialize_index(index).nbytes / 2**20, 1)


def measure_vectors(
    base: np.ndarray,
    queries: np.ndarray,
    size: int,
    *,
    hnsw_default_up_to: int,
    latency_queries: int,
    flat_latency_queries: int,
    seed: int = 0,
) -> dict[str, Any]:
    """Every planned index at `size`: build s, memory, p50/p99 ms, recall@10 per swept parameter."""
    started = time.perf_counter()
    vectors = synthetic_vectors(base, size, seed=seed)
    generate_s = time.perf_counter() - started
    ids = np.arange(size, dtype=np.int64)
    entry: dict[str, Any] = {"size": size, "generate_s": round(generate_s, 2), "indexes": []}
    exact: np.ndarray | None = None
    for plan in plans_for(size, hnsw_default_up_to=hnsw_default_up_to):
        gc.collect()
        rss_before = current_rss_mib()
        started = time.perf_counter()
        index = build_vector_index(vectors, ids, plan.config.resolve_kind(size), plan.config)
        build_s = time.perf_counter() - started
        rss_delta = (current_rss_mib() or 0) - (rss_before or 0)
        result: dict[str, Any] = {
            "name": plan.name,
            "kind": plan.kind,
            "build_s": round(build_s, 2),
            "index_mib": _index_mib(index),
            "rss_delta_mib": round(rss_delta, 1),
            "sweep": [],
        }
        if plan.kind == "flat":
            scores, exact = index.search(queries, K)
            entry["shape"] = {
                "mean_top1_cosine": round(float(scores[:, 0].mean()), 4),
                "mean_top10_cosine": round(float(scores[:, K - 1].mean()), 4),
            }
            latency = summarise(_latencies(index, queries[:flat_latency_queries]))
            result["sweep"].append(
                {"param": "exact", "recall@10": 1.0, "p50_ms": latency.p50_ms, "p99_ms": latency.p99_ms, "n": latency.n}
            )
        else:
            assert exact is not None
            values = HNSW_EF_SEARCH if plan.kind == "hnsw" else IVF_NPROBE
            default = plan.config.hnsw_ef_search if plan.kind == "hnsw" else plan.config.ivf_nprobe
            for value in values:
                param = _set_param(index, plan.kind, value)
                _, found = index.search(queries, K)
                latency = summarise(_latencies(index, queries[:latency_queries]))
                result["sweep"].append(
                    {
                        "param": param,
                        "default": value == default,
                        "recall@10": round(recall_at_k(found, exact, K), 4),
                        "p50_ms": latency.p50_ms,
                        "p99_ms": latency.p99_ms,
                        "n": latency.n,
                    }
                )
        entry["indexes"].append(result)
        logger.info("scale %d %s: %s", size, plan.name, result)
        del index
    del vectors
    gc.collect()
    return entry


def measure_lexical(seed_texts: Sequence[str], questions: Sequence[str], size: int, *, seed: int = 0) -> dict[str, Any]:
    """`LexicalIndex.build` on `size` synthetic texts, and one query's BM25 scores plus the product's top-10."""
    started = time.perf_counter()
    texts = list(synthetic_texts(seed_texts, size, seed=seed))
    generate_s = time.perf_counter() - started
    words = sum(text.count(" ") + 1 for text in texts)
    gc.collect()
    rss_before = current_rss_mib()
    started = time.perf_counter()
    lexical = LexicalIndex.build(texts)
    build_s = time.perf_counter() - started
    rss_delta = (current_rss_mib() or 0) - (rss_before or 0)
    del texts
    seconds = []
    for question in questions:
        started = time.perf_counter()
        top_rows(lexical.scores(question), K)  # what `Retriever._lexical` does
        seconds.append(time.perf_counter() - started)
    latency = summarise(seconds)
    result = {
        "size": size,
        "words": words,
        "generate_s": round(generate_s, 2),
        "build_s": round(build_s, 2),
        "units_per_s": round(size / build_s, 1),
        "rss_delta_mib": round(rss_delta, 1),
        "vocabulary": len(lexical.document_frequency()),
        "p50_ms": latency.p50_ms,
        "p99_ms": latency.p99_ms,
        "queries": latency.n,
    }
    logger.info("bm25 %d: %s", size, result)
    return result


def describe() -> dict[str, Any]:
    return {
        "vectors": VECTOR_RECIPE,
        "text": "words drawn by seed word frequency, unit lengths drawn from the seed units' word counts",
        "queries": "the seed questions, encoded as queries with the real model (not synthetic)",
        "hnsw_ef_search": list(HNSW_EF_SEARCH),
        "ivf_nprobe": list(IVF_NPROBE),
    }
