"""Which FAISS index the product picks, and that its search setting survives a write and a read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vraagbaak.store.vector_index import (
    VectorIndexConfig,
    build_vector_index,
    index_kind,
    read_vector_index,
    search_vectors,
    write_vector_index,
)


def test_exact_search_up_to_the_threshold_then_ivf() -> None:
    config = VectorIndexConfig(approximate_above=1000)
    assert config.resolve_kind(1000) == "flat"
    assert config.resolve_kind(1001) == "ivf"
    assert VectorIndexConfig(kind="hnsw").resolve_kind(10) == "hnsw"


def test_default_ivf_keeps_nprobe_and_finds_exact_neighbours(tmp_path: Path) -> None:
    import faiss

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((10_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(10, 10_010, dtype=np.int64)
    index = build_vector_index(vectors, ids, "ivf", VectorIndexConfig())
    path = tmp_path / "vectors.faiss"
    write_vector_index(index, path)
    loaded = read_vector_index(path, 32)
    inner = faiss.downcast_index(loaded.index)
    assert index_kind(loaded) == "ivf"
    assert (inner.nlist, inner.nprobe) == (100, 64)  # nlist = sqrt(10,000)
    hits = search_vectors(loaded, vectors[123], 5)
    assert hits.ids[0] == 133
