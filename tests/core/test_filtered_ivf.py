"""A filtered search on the IVF index returns k hits when k allowed vectors exist, as exact search would.

The index is built as the product builds it past 200,000 vectors (`build_vector_index` with the default
`VectorIndexConfig`: IVF-flat, nlist about sqrt(n) = 548, nprobe 64) over 300,000 synthetic unit vectors.
They are 64-dimensional, not the model's 384: what is under test is which inverted lists a filtered search
probes, and that depends on n, nlist and nprobe, not on the dimension; at 384-d the k-means training
alone takes most of a minute on 2 cores and the vectors need six times the memory. The vectors lie in
3,000 clusters around one shared direction (real sentence embeddings sit in a narrow cone and cluster),
so IVF lists mean something and unfiltered recall is that of a real corpus, not of uniform noise.

Filters keep 0.01 %, 1 % and 30 % of the ids, drawn at random. Depth 300 is what the retriever asks
(`Retriever._dense` searches 3 x its fusion depth of 100). Run with `-s` for the latency per filter size.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from vraagbaak.retrieval.request import SearchFilters
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.store.builder import build_index
from vraagbaak.store.vector_index import FaissIndex, VectorIndexConfig, build_vector_index, index_kind, search_vectors

COUNT = 300_000
DIMENSION = 64
DEPTH = 300
QUERIES = 12


class Corpus:
    def __init__(self) -> None:
        rng = np.random.default_rng(15)
        centres = rng.standard_normal((3000, DIMENSION), dtype=np.float32)
        centres += 2.0 * rng.standard_normal(DIMENSION, dtype=np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        noise = rng.standard_normal((COUNT, DIMENSION), dtype=np.float32) * np.float32(0.6 / np.sqrt(DIMENSION))
        self.vectors = centres[rng.integers(0, len(centres), COUNT)] + noise
        self.vectors /= np.linalg.norm(self.vectors, axis=1, keepdims=True)
        # Counting ids with gaps, in shuffled order, as after removals and re-adds.
        self.ids = rng.permutation(np.arange(7, 7 + 2 * COUNT, 2, dtype=np.int64))
        config = VectorIndexConfig()
        self.index: FaissIndex = build_vector_index(self.vectors, self.ids, config.resolve_kind(COUNT), config)
        picks = self.vectors[rng.integers(0, COUNT, QUERIES)]
        picks += rng.standard_normal(picks.shape, dtype=np.float32) * np.float32(0.3 / np.sqrt(DIMENSION))
        self.queries = picks / np.linalg.norm(picks, axis=1, keepdims=True)

    def exact(self, query: np.ndarray, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Brute-force top DEPTH (ids, scores) among the kept rows."""
        vectors, ids = (self.vectors, self.ids) if keep is None else (self.vectors[keep], self.ids[keep])
        scores = vectors @ query
        top = np.argsort(-scores, kind="stable")[:DEPTH]
        return ids[top], scores[top]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus()


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return len(set(found.tolist()) & set(exact.tolist())) / len(exact)


def _unfiltered_recall(corpus: Corpus) -> float:
    recalls = [_recall(search_vectors(corpus.index, q, DEPTH).ids, corpus.exact(q, None)[0]) for q in corpus.queries]
    return float(np.mean(recalls))


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.0001, 0.01, 0.3])
def test_filtered_ivf_search_returns_k_hits_as_exact_search(corpus: Corpus, fraction: float) -> None:
    assert index_kind(corpus.index) == "ivf"
    keep = np.random.default_rng(round(fraction * 1e6)).random(COUNT) < fraction
    allowed = corpus.ids[keep]
    want = min(DEPTH, len(allowed))
    returned, recalls, seconds = [], [], []
    for query in corpus.queries:
        started = time.perf_counter()
        hits = search_vectors(corpus.index, query, DEPTH, allowed)
        seconds.append(time.perf_counter() - started)
        exact_ids, exact_scores = corpus.exact(query, keep)
        assert set(hits.ids.tolist()) <= set(allowed.tolist())
        returned.append(len(hits.ids))
        recalls.append(_recall(hits.ids, exact_ids))
        if fraction <= 0.01:
            # Few allowed vectors: the same top k as brute force, in the same order of score.
            assert set(hits.ids.tolist()) == set(exact_ids.tolist())
            np.testing.assert_allclose(hits.scores, exact_scores, atol=1e-5)
    unfiltered = _unfiltered_recall(corpus)
    print(
        f"\nfilter {fraction:.2%} ({len(allowed):,} ids): returned min {min(returned)} of {want}, "
        f"recall@{DEPTH} vs exact {np.mean(recalls):.3f} (unfiltered IVF {unfiltered:.3f}), "
        f"latency p50 {1000 * np.median(seconds):.2f} ms, max {1000 * max(seconds):.2f} ms"
    )
    assert returned == [want] * QUERIES
    assert np.mean(recalls) >= min(unfiltered, 0.95)


@pytest.mark.slow
def test_filtered_ivf_search_with_every_id_allowed_matches_unfiltered(corpus: Corpus) -> None:
    """The default search leaves out only unanswered units: nearly everything allowed, the unfiltered probe."""
    for query in corpus.queries[:3]:
        filtered = search_vectors(corpus.index, query, DEPTH, corpus.ids)
        unfiltered = search_vectors(corpus.index, query, DEPTH)
        np.testing.assert_array_equal(filtered.ids, unfiltered.ids)


def test_filtered_flat_search_is_unchanged() -> None:
    """Exact indexes keep their results: the same hits as FAISS's own filtered search over a hash-set selector."""
    import faiss

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((5000, 32), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(100, 5100, dtype=np.int64)
    index = build_vector_index(vectors, ids, "flat", VectorIndexConfig())
    for share in (0.001, 0.3, 1.0):
        allowed = ids[rng.random(len(ids)) < share]
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))  # type: ignore[call-arg]
        scores, expected = index.search(vectors[:1], 50, params=params)
        hits = search_vectors(index, vectors[0], 50, allowed)
        found = expected[0] >= 0
        np.testing.assert_array_equal(hits.ids, expected[0][found])
        np.testing.assert_array_equal(hits.scores, scores[0][found])


def test_filtered_retrieval_on_ivf_matches_flat(tmp_path: Path) -> None:
    """Through the retriever: filters and the default search (answered units only) on IVF rank as on flat."""
    from tests.fakes import FakeEncoder, qa_document

    pairs = [
        (f"Vraag {n} over de haven van Rotterdam?", f"Antwoord {n} over de haven en de kosten.") for n in range(40)
    ]
    pairs += [(f"Vraag {n} over exportkrediet?", "") for n in range(40, 45)]  # unanswered
    documents = [qa_document("een", pairs[:25], dossier="36180"), qa_document("twee", pairs[25:], dossier="21501")]
    retrievers = {}
    for kind in ("flat", "ivf"):
        build_index(documents, FakeEncoder(), tmp_path / kind, vector_config=VectorIndexConfig(kind=kind))
        retrievers[kind] = Retriever.load(tmp_path / kind, FakeEncoder())
    assert index_kind(retrievers["ivf"].content.vectors) == "ivf"
    for filters in (
        None,
        SearchFilters(doc_ids=("twee",)),
        SearchFilters(dossier="36180"),
        SearchFilters(include_unanswered=True),
    ):
        flat, ivf = (
            [(hit.unit.unit_id, hit.score) for hit in r.search("de haven van Rotterdam", k=10, filters=filters)]
            for r in retrievers.values()
        )
        assert ivf == flat and len(flat) == 10
