"""FAISS vector index: exact for small corpora, approximate above a threshold.

Vectors are normalised float32, compared by inner product (= cosine). Rows
are addressed by stable int64 vector ids through `IndexIDMap2`, never by
position. Filters are FAISS id selectors, so they apply inside the search,
not after truncating a top-k.

Updates change the loaded index in place (`update_vector_index`): vectors are
added with `add_with_ids` and removed by id, and an IVF index keeps its
centroids until its lists have drifted past `VectorIndexConfig`'s retraining
limits; `VectorIndexState` in the manifest says how far they have drifted.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vraagbaak.errors import IndexCorruptError

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
    ivf_retrain_added_share: float = Field(
        default=0.5, gt=0, le=1, description="Retrain IVF once this share of its vectors was added after training."
    )
    ivf_retrain_imbalance: float = Field(
        default=1.25,
        ge=1,
        description="Retrain IVF once its list imbalance factor exceeds the one right after training by this ratio.",
    )

    def resolve_kind(self, count: int) -> IndexKind:
        """Exact search up to `approximate_above`, IVF-flat past it.

        `vraagbaak bench --scale` chose IVF-flat (nlist sqrt(n), nprobe 64) over
        HNSW on recall, latency and build time at 1M vectors; the figures are in
        docs/performance.md.
        """
        if self.kind != "auto":
            return self.kind
        return "ivf" if count > self.approximate_above else "flat"


class VectorIndexState(BaseModel):
    """How far an IVF index has drifted from its training, recorded in the manifest after every write.

    `imbalance` is FAISS's imbalance factor of the inverted lists, sum(n_i^2) * nlist / n^2:
    1.0 when every list holds as many vectors, and the factor by which a probe scans more
    vectors than it would over even lists. Adding vectors without retraining leaves them in the
    lists of the old centroids; the index is retrained (`retrain_reason`) once the vectors added
    since training make up `ivf_retrain_added_share` of it, or once the imbalance has grown
    by `ivf_retrain_imbalance` over its value right after training.
    """

    model_config = ConfigDict(frozen=True)

    trained_vectors: int = Field(ge=0, description="Vectors the centroids were trained on.")
    added_since_training: int = Field(default=0, ge=0)
    removed_since_training: int = Field(default=0, ge=0)
    trained_imbalance: float = Field(ge=1.0 - 1e-9, description="Imbalance factor right after training.")
    imbalance: float = Field(ge=1.0 - 1e-9, description="Imbalance factor now.")

    @property
    def added_share(self) -> float:
        """Share of the vectors now in the index that were added after training (at most 1)."""
        total = self.trained_vectors + self.added_since_training - self.removed_since_training
        return min(1.0, self.added_since_training / total) if total > 0 else 0.0

    def retrain_reason(self, config: VectorIndexConfig) -> str | None:
        """Why this index should be retrained now, or None while it is within the limits."""
        if self.added_share > config.ivf_retrain_added_share:
            return (
                f"{self.added_share:.0%} of the vectors were added after training "
                f"(limit {config.ivf_retrain_added_share:.0%})"
            )
        if self.imbalance > self.trained_imbalance * config.ivf_retrain_imbalance:
            return (
                f"list imbalance {self.imbalance:.2f} against {self.trained_imbalance:.2f} after training "
                f"(limit x{config.ivf_retrain_imbalance:g})"
            )
        return None


@dataclass(frozen=True)
class VectorUpdate:
    """The outcome of `update_vector_index`: the index, its kind and state, and what was done to it."""

    index: FaissIndex
    kind: IndexKind
    state: VectorIndexState | None
    action: str  # "changed in place", "rebuilt: ...", "retrained: ..."


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


def imbalance_factor(index: FaissIndex) -> float | None:
    """FAISS's imbalance factor of an IVF index's lists (None for other kinds and for an empty index)."""
    import faiss

    inner = faiss.downcast_index(index.index)
    if not isinstance(inner, faiss.IndexIVF) or inner.ntotal == 0:
        return None
    lists: Any = inner.invlists
    return float(lists.imbalance_factor())


def trained_state(index: FaissIndex) -> VectorIndexState | None:
    """The state of an index right after it was built (None unless IVF)."""
    factor = imbalance_factor(index)
    if factor is None:
        return None
    return VectorIndexState(trained_vectors=int(index.ntotal), trained_imbalance=factor, imbalance=factor)


def update_vector_index(
    index: FaissIndex,
    remove_ids: np.ndarray,
    vectors: np.ndarray,
    ids: np.ndarray,
    config: VectorIndexConfig,
    state: VectorIndexState | None,
    *,
    owned: bool,
) -> VectorUpdate:
    """`index` without `remove_ids` and with `vectors` under `ids`, changed in place where FAISS allows.

    `owned`: the caller may change `index` (else it is cloned first: a serving index is searched
    while the update runs). The index is built anew, with the product's training, only when the
    vector count calls for another kind (`config.resolve_kind`), when it is HNSW and loses vectors
    (HNSW cannot remove), and when an IVF index has drifted past its retraining limits.
    """
    import faiss

    remove_ids = np.ascontiguousarray(remove_ids, dtype=np.int64)
    count = int(index.ntotal) - len(remove_ids) + len(vectors)
    current = index_kind(index)
    kind = config.resolve_kind(count)
    if kind != current:
        return _rebuilt(
            index, remove_ids, vectors, ids, kind, config, f"rebuilt: {current} -> {kind} at {count} vectors"
        )
    if current == "hnsw" and len(remove_ids):
        return _rebuilt(index, remove_ids, vectors, ids, kind, config, "rebuilt: HNSW cannot remove vectors")
    if not owned:
        index = faiss.clone_index(index)
    remove_vectors(index, remove_ids)
    if len(vectors):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64))
    if kind != "ivf":
        return VectorUpdate(index, kind, None, "changed in place")
    before = state or _assumed_state(index, len(vectors), len(remove_ids))
    now = VectorIndexState(
        trained_vectors=before.trained_vectors,
        added_since_training=before.added_since_training + len(vectors),
        removed_since_training=before.removed_since_training + len(remove_ids),
        trained_imbalance=before.trained_imbalance,
        imbalance=imbalance_factor(index) or 1.0,
    )
    if (reason := now.retrain_reason(config)) is None:
        return VectorUpdate(index, kind, now, "changed in place")
    logger.info("retraining the IVF index: %s", reason)
    return _rebuilt(
        index, np.zeros(0, np.int64), np.zeros((0, index.d), np.float32), ids[:0], kind, config, f"retrained: {reason}"
    )


def _assumed_state(index: FaissIndex, added: int, removed: int) -> VectorIndexState:
    """The state of an IVF index written before states were recorded: as if trained on what it held."""
    factor = imbalance_factor(index) or 1.0
    held = int(index.ntotal) - added + removed
    return VectorIndexState(trained_vectors=held, trained_imbalance=factor, imbalance=factor)


def _rebuilt(
    index: FaissIndex,
    remove_ids: np.ndarray,
    vectors: np.ndarray,
    ids: np.ndarray,
    kind: IndexKind,
    config: VectorIndexConfig,
    action: str,
) -> VectorUpdate:
    """A new index of the kept vectors and the new ones, trained as `build_vector_index` trains."""
    held_ids, held = stored_vectors(index)
    keep = ~np.isin(held_ids, remove_ids)
    all_ids = np.concatenate([held_ids[keep], np.asarray(ids, np.int64)])
    all_vectors = np.concatenate([held[keep], np.asarray(vectors, np.float32).reshape(-1, index.d)])
    del held
    rebuilt = build_vector_index(all_vectors, all_ids, kind, config)
    return VectorUpdate(rebuilt, kind, trained_state(rebuilt), action)


def remove_vectors(index: FaissIndex, ids: np.ndarray) -> None:
    """Remove `ids` from an `IndexIDMap2` in place, whatever its inner index.

    `IndexIDMap2.remove_ids` assumes the inner index renumbers its rows after a removal, as a
    flat index does. An IVF index does not: its lists keep each vector's old row number, so the
    id map would point every later vector at its neighbour. For IVF the rows are renumbered
    in the lists here, and the id map is compacted to match.
    """
    import faiss

    if len(ids) == 0 or index.ntotal == 0:
        return
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    inner = faiss.downcast_index(index.index)
    if not isinstance(inner, faiss.IndexIVF):
        index.remove_ids(faiss.IDSelectorBatch(ids))
        return
    id_map = faiss.vector_to_array(index.id_map)
    gone = np.isin(id_map, ids)
    if not gone.any():
        return
    inner.remove_ids(faiss.IDSelectorBatch(np.flatnonzero(gone).astype(np.int64)))
    new_row = np.cumsum(~gone, dtype=np.int64) - 1
    lists: Any = inner.invlists
    for list_no in range(inner.nlist):
        size = lists.list_size(list_no)
        if size:
            rows = faiss.rev_swig_ptr(lists.get_ids(list_no), size)
            rows[:] = new_row[rows]
    kept = np.ascontiguousarray(id_map[~gone])
    faiss.copy_array_to_vector(kept, index.id_map)
    index.ntotal = len(kept)
    index.construct_rev_map()


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


def write_vector_index(index: FaissIndex, path: Path) -> tuple[str, int]:
    """Write `index` to `path` and return (sha256, bytes) of what was written, without reading it back."""
    import hashlib

    import faiss

    digest = hashlib.sha256()
    written = 0
    with path.open("wb") as stream:

        def write(block: bytes) -> int:
            nonlocal written
            digest.update(block)
            stream.write(block)
            written += len(block)
            return len(block)

        writer = faiss.PyCallbackIOWriter(write, 1 << 22)  # type: ignore[attr-defined]
        faiss.write_index(index, writer)
        del writer  # flushes its buffer through `write`
    return digest.hexdigest(), written
