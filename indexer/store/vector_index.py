"""FAISS vector index: exact for small corpora, approximate above a threshold.

Vectors are normalised float32, compared by inner product (= cosine). Rows
are addressed by stable int64 vector ids through `IndexIDMap2`, never by
position. Filters are FAISS id selectors, so they apply inside the search,
not after truncating a top-k.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from indexer.errors import IndexCorruptError

logger = logging.getLogger(__name__)

IndexKind = Literal["flat", "hnsw", "ivf"]
FaissIndex = Any  # faiss.IndexIDMap2; its SWIG stubs are too loose to type against


class VectorIndexConfig(BaseModel):
    """How to choose and tune the FAISS index; the choice is recorded in the manifest."""

    model_config = ConfigDict(frozen=True)

    kind: IndexKind | Literal["auto"] = "auto"
    approximate_above: int = Field(default=200_000, ge=1, description="Vector count where 'auto' leaves exact search.")
    hnsw_m: int = Field(default=32, ge=4, le=128)
    hnsw_ef_construction: int = Field(default=80, ge=8)
    hnsw_ef_search: int = Field(default=96, ge=8)
    ivf_nlist: int = Field(default=0, ge=0, description="0: about sqrt(n).")
    ivf_nprobe: int = Field(default=64, ge=1)

    def resolve_kind(self, count: int) -> IndexKind:
        """Exact search up to `approximate_above`, IVF-flat past it.

        `vraagbaak bench --scale` chose IVF-flat (nlist sqrt(n), nprobe 64) over
        HNSW on recall, latency and build time at 1M vectors; the figures are in
        docs/performance.md.
        """
        if self.kind != "auto":
            return self.kind
        return "ivf" if count > self.approximate_above else "flat"


@dataclass(frozen=True)
class VectorHits:
    ids: np.ndarray  # int64 vector ids, best first
    scores: np.ndarray  # float32 inner products


def build_vector_index(vectors: np.ndarray, ids: np.ndarray, kind: IndexKind, config: VectorIndexConfig) -> FaissIndex:
    """A new `IndexIDMap2` holding `vectors` under `ids`."""
    import faiss

    dimension = vectors.shape[1]
    inner: Any
    if kind == "flat":
        inner = faiss.IndexFlatIP(dimension)
    elif kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dimension, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = config.hnsw_ef_construction
        inner.hnsw.efSearch = config.hnsw_ef_search
    else:
        nlist = config.ivf_nlist or max(1, round(np.sqrt(max(len(vectors), 1))))
        quantizer = faiss.IndexFlatIP(dimension)
        inner = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        inner.train(np.ascontiguousarray(vectors, dtype=np.float32))
        inner.nprobe = config.ivf_nprobe
    index = faiss.IndexIDMap2(inner)
    if len(vectors):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64))
    return index


def index_kind(index: FaissIndex) -> IndexKind:
    import faiss

    inner = faiss.downcast_index(index.index)
    if isinstance(inner, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(inner, faiss.IndexIVF):
        return "ivf"
    return "flat"


def stored_vectors(index: FaissIndex) -> tuple[np.ndarray, np.ndarray]:
    """All (ids, vectors) held by the index, for rebuilding without re-embedding."""
    import faiss

    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    if len(ids) == 0:
        return ids, np.zeros((0, index.d), np.float32)
    return ids, index.index.reconstruct_n(0, len(ids))


def search_vectors(index: FaissIndex, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> VectorHits:
    """Top `depth` vectors for one query; `allowed` restricts to those vector ids.

    A filtered search returns `depth` hits whenever that many allowed vectors exist, whatever the
    index kind: on IVF the filter can only drop vectors from the lists it probes, so a filtered
    search probes more lists (`_filtered_nprobe`) instead of returning short.
    """
    import faiss

    depth = min(depth, index.ntotal)
    if depth <= 0 or (allowed is not None and len(allowed) == 0):
        return VectorHits(np.zeros(0, np.int64), np.zeros(0, np.float32))
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    # One query gains nothing from OpenMP, and its thread team spins: on 2 busy cores a single search got
    # 5x slower, and worse with several request threads searching at once. The setting is per thread.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        if allowed is None:
            scores, ids = index.search(query, depth)
        else:
            scores, ids = _search_filtered(index, query, depth, allowed)
    finally:
        faiss.omp_set_num_threads(threads)
    found = ids[0] >= 0
    return VectorHits(ids[0][found], scores[0][found])


def _search_filtered(index: FaissIndex, query: np.ndarray, depth: int, allowed: np.ndarray) -> tuple[Any, Any]:
    import faiss

    allowed = np.ascontiguousarray(allowed, dtype=np.int64)
    selector = _selector(allowed)
    inner = faiss.downcast_index(index.index)
    if not isinstance(inner, faiss.IndexIVF):
        return index.search(query, depth, params=faiss.SearchParameters(sel=selector))  # type: ignore[call-arg]
    # IVF scores only the vectors in the lists it probes, so a filter there can leave fewer than `depth`
    # hits, and its hits lie farther out than unfiltered ones. Start as wide as the allowed fraction asks
    # (a small filter probes every list, which is exact search over the allowed vectors) and widen until
    # enough hits arrive. The allowed ids are distinct (a vector map's), so `want` hits exist.
    want = min(depth, len(allowed))
    nprobe = _filtered_nprobe(inner.nlist, inner.nprobe, index.ntotal, len(allowed), depth)
    while True:
        params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
        scores, ids = index.search(query, depth, params=params)
        if nprobe >= inner.nlist or int((ids[0] >= 0).sum()) >= want:
            return scores, ids
        nprobe = min(inner.nlist, nprobe * 4)


def _filtered_nprobe(nlist: int, nprobe: int, total: int, allowed: int, depth: int) -> int:
    """Lists a filtered IVF search starts with.

    The filtered top `depth` are about the unfiltered top `depth / fraction`, so the probe widens by
    1 / fraction to keep the unfiltered recall; and it covers enough lists that, spread evenly, twice
    `depth` allowed vectors lie in them. Below a fraction of `nprobe / nlist` this is every list.
    """
    fraction = min(1.0, allowed / max(total, 1))
    by_recall = math.ceil(nprobe / fraction)
    by_count = math.ceil(2 * depth * nlist / allowed)
    return max(1, min(nlist, max(nprobe, by_recall, by_count)))


def _selector(allowed: np.ndarray) -> Any:
    """A bitmap over the id range when it is compact (as the builder's counting ids are), else a hash set.

    FAISS tests membership once per scanned vector; a bitmap costs a bit per id and a shift to test,
    where a hash set of most of a large index costs tens of ms to build for every query.
    """
    import faiss

    low, high = int(allowed.min()), int(allowed.max())
    if low >= 0 and high < 64 * len(allowed) + 65_536:
        bits = np.zeros(high + 1, dtype=bool)
        bits[allowed] = True
        return faiss.IDSelectorBitmap(np.packbits(bits, bitorder="little"))  # type: ignore[call-arg, arg-type]
    return faiss.IDSelectorBatch(allowed)


def read_vector_index(path: Path, dimension: int) -> FaissIndex:
    import faiss

    try:
        index = faiss.read_index(str(path))
    except RuntimeError as error:
        raise IndexCorruptError(f"{path} is not a readable FAISS index ({error}); rebuild the index") from error
    if index.d != dimension:
        raise IndexCorruptError(f"{path} holds {index.d}-dimensional vectors, the manifest says {dimension}")
    if index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise IndexCorruptError(f"{path} does not use inner-product metric; rebuild the index")
    return index


def write_vector_index(index: FaissIndex, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))
