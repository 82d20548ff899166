"""Updates in proportion to the change (issue 15), shown by behaviour rather than by timing.

Unchanged parts are the previous generation's files (same inode), the IVF centroids stay as they
were until the drift limits, BM25 after an update is BM25 built from scratch, and a search after an
update ranks exactly as a full rebuild with the same documents does, on a flat and an IVF index.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import qa_document
from vraagbaak.errors import IndexCorruptError
from vraagbaak.model.hash_encoder import HashEncoder
from vraagbaak.retrieval.request import SearchMode
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.store.builder import add_documents, build_index, remove_documents
from vraagbaak.store.builder import parts as builder_parts
from vraagbaak.store.generations import current_generation, load_index
from vraagbaak.store.lexical import LexicalIndex, TermCounts
from vraagbaak.store.manifest import MANIFEST, file_info
from vraagbaak.store.vector_index import VectorIndexConfig, index_kind, search_vectors, stored_vectors
from vraagbaak.text.analysis import analyze
from vraagbaak.units import ParsedDocument

TOPICS = ["haven", "export", "visserij", "douane", "tarief", "missie", "kotter", "akkoord", "subsidie", "windpark"]
QUESTIONS = [
    "Hoe staat het met de haven in regio 3?",
    "Wat kost de douane in regio 1?",
    "windpark subsidie",
    "Welke missie gaat naar regio 6?",
    "tarief voor kotters",
    "akkoord over export in regio 0",
]


def GaussianEncoder() -> HashEncoder:
    """Stands in for the model: a fixed random unit vector per text, so no two scores tie."""
    return HashEncoder(dimension=24, model_id="test:gaussian", model_hash="9" * 64)


def _document(n: int, units: int = len(TOPICS)) -> ParsedDocument:
    pairs = [
        (f"Hoe staat het met {TOPICS[i % len(TOPICS)]} in regio {n}?", f"Over {TOPICS[i % len(TOPICS)]} in regio {n}.")
        for i in range(units)
    ]
    return qa_document(f"regio{n}", pairs)


def _generation(index_dir: Path) -> Path:
    return index_dir / current_generation(index_dir)


def _ranked(index_dir: Path, mode: SearchMode = SearchMode.HYBRID) -> list[list[str]]:
    retriever = Retriever.load(index_dir, GaussianEncoder())
    return [[hit.unit.unit_id for hit in retriever.search(q, k=10, mode=mode)] for q in QUESTIONS]


def _centroids(index_dir: Path) -> np.ndarray:
    import faiss

    vectors = load_index(index_dir).vectors  # held: the inner index lives as long as the wrapper does
    inner = faiss.extract_index_ivf(vectors.index)
    return np.array(inner.quantizer.reconstruct_n(0, inner.nlist))


EXACT_IVF = VectorIndexConfig(approximate_above=40, ivf_nlist=4, ivf_nprobe=4)  # nprobe = nlist: exact


# ---------------------------------------------------------------- files


def test_an_add_links_the_unchanged_part_and_writes_only_the_new_one(tmp_path: Path) -> None:
    build_index([_document(0), _document(1)], GaussianEncoder(), tmp_path)
    before = _generation(tmp_path)
    report = add_documents([_document(2, units=3)], GaussianEncoder(), tmp_path)
    after = _generation(tmp_path)
    manifest = load_index(tmp_path).manifest
    assert [part.documents for part in manifest.parts] == [{"regio0": 10, "regio1": 10}, {"regio2": 3}]
    old, new = manifest.parts
    for file in old.files:  # the same inode: linked, not rewritten
        assert os.stat(after / file).st_ino == os.stat(before / file).st_ino
        assert manifest.files[file].model_dump() == json.loads((before / MANIFEST).read_text())["files"][file]
    for file in new.files:
        assert not (before / file).exists()
    assert report.files_linked == 2
    assert report.bytes_written < sum(file_info(after / name).bytes for name in manifest.files)


def test_a_removal_rewrites_only_the_part_that_held_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builder_parts, "PART_UNITS", 20)  # two documents of 10 units per part
    build_index([_document(n) for n in range(6)], GaussianEncoder(), tmp_path)
    before = _generation(tmp_path)
    parts = load_index(tmp_path).manifest.parts
    assert [list(part.documents) for part in parts] == [
        ["regio0", "regio1"],
        ["regio2", "regio3"],
        ["regio4", "regio5"],
    ]
    remove_documents(["regio3"], tmp_path)
    after = _generation(tmp_path)
    content = load_index(tmp_path)
    assert [list(part.documents) for part in content.manifest.parts] == [
        ["regio0", "regio1"],
        ["regio2"],
        ["regio4", "regio5"],
    ]
    first, middle, last = content.manifest.parts
    for part in (first, last):
        assert all(os.stat(after / f).st_ino == os.stat(before / f).st_ino for f in part.files)
    assert middle.id not in {part.id for part in parts}  # a rewritten part gets new files
    assert [unit.doc_id for unit in content.units] == ["regio0"] * 10 + ["regio1"] * 10 + ["regio2"] * 10 + [
        "regio4"
    ] * 10 + ["regio5"] * 10


def test_small_parts_at_the_tail_are_merged_so_parts_stay_few(tmp_path: Path) -> None:
    build_index([_document(0)], GaussianEncoder(), tmp_path)
    for n in range(1, 17):
        add_documents([_document(n, units=1)], GaussianEncoder(), tmp_path)
    content = load_index(tmp_path)
    sizes = [part.units for part in content.manifest.parts]
    assert sum(sizes) == 26 and len(sizes) <= 4  # 10, then binary-counter merges of the 1-unit adds
    assert [unit.doc_id for unit in content.units] == ["regio0"] * 10 + [f"regio{n}" for n in range(1, 17)]
    assert _ranked(tmp_path) == _rebuilt_ranked(
        tmp_path.parent / "rebuilt", [_document(0)] + [_document(n, units=1) for n in range(1, 17)]
    )


def test_a_corrupt_linked_file_still_fails_the_load(tmp_path: Path) -> None:
    build_index([_document(0), _document(2)], GaussianEncoder(), tmp_path)
    add_documents([_document(1, units=3)], GaussianEncoder(), tmp_path)
    path = _generation(tmp_path) / "units.jsonl"  # part 0, linked from the first generation
    data = bytearray(path.read_bytes())
    data[5] ^= 0x01
    with path.open("r+b") as stream:  # in place, as a failing disk would: both generations hold it
        stream.write(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_index(tmp_path)
    with pytest.raises(IndexCorruptError, match="checksum"):  # an update that rewrites the part refuses it too
        remove_documents(["regio0"], tmp_path)


# ---------------------------------------------------------------- vectors


def test_an_add_to_an_ivf_index_keeps_its_centroids(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(5)], GaussianEncoder(), tmp_path, vector_config=EXACT_IVF)
    centroids = _centroids(tmp_path)
    report = add_documents([_document(5)], GaussianEncoder(), tmp_path)
    assert report.vector_index == "changed in place"
    assert np.array_equal(_centroids(tmp_path), centroids)
    state = load_index(tmp_path).manifest.vector_state
    assert state is not None and (state.trained_vectors, state.added_since_training) == (100, 20)


def test_an_ivf_index_is_retrained_once_its_added_share_passes_the_limit(tmp_path: Path) -> None:
    config = EXACT_IVF.model_copy(update={"ivf_retrain_added_share": 0.3})
    build_index([_document(n) for n in range(5)], GaussianEncoder(), tmp_path, vector_config=config)
    centroids = _centroids(tmp_path)
    assert add_documents([_document(5)], GaussianEncoder(), tmp_path).vector_index == "changed in place"  # 17 %
    report = add_documents([_document(6), _document(7)], GaussianEncoder(), tmp_path)  # 38 %
    assert report.vector_index.startswith("retrained: 38% of the vectors were added after training")
    assert not np.array_equal(_centroids(tmp_path), centroids)
    state = load_index(tmp_path).manifest.vector_state
    assert state is not None and (state.trained_vectors, state.added_since_training) == (160, 0)


def test_crossing_the_approximate_threshold_builds_the_other_kind(tmp_path: Path) -> None:
    build_index([_document(0)], GaussianEncoder(), tmp_path, vector_config=EXACT_IVF)  # 20 vectors: flat
    report = add_documents([_document(1), _document(2)], GaussianEncoder(), tmp_path)
    assert report.vector_index == "rebuilt: flat -> ivf at 60 vectors"
    assert load_index(tmp_path).manifest.vector_state is not None
    report = remove_documents(["regio1"], tmp_path)
    assert report.vector_index == "rebuilt: ivf -> flat at 40 vectors"
    content = load_index(tmp_path)
    assert index_kind(content.vectors) == "flat" and content.manifest.vector_state is None
    assert _ranked(tmp_path) == _rebuilt_ranked(tmp_path.parent / "rebuilt", [_document(0), _document(2)])


def test_an_hnsw_index_takes_additions_in_place_and_is_rebuilt_to_lose_vectors(tmp_path: Path) -> None:
    config = VectorIndexConfig(kind="hnsw")
    build_index([_document(n) for n in range(3)], GaussianEncoder(), tmp_path, vector_config=config)
    assert add_documents([_document(3)], GaussianEncoder(), tmp_path).vector_index == "changed in place"
    assert remove_documents(["regio0"], tmp_path).vector_index == "rebuilt: HNSW cannot remove vectors"
    content = load_index(tmp_path)
    assert index_kind(content.vectors) == "hnsw"
    assert sorted(stored_vectors(content.vectors)[0].tolist()) == sorted(content.vector_map.ids.tolist())


def test_vectors_removed_from_an_ivf_index_in_place_leave_every_other_id_right(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(6)], GaussianEncoder(), tmp_path, vector_config=EXACT_IVF)
    report = remove_documents(["regio1", "regio4"], tmp_path)
    assert report.vector_index == "changed in place"
    content = load_index(tmp_path)
    assert index_kind(content.vectors) == "ivf"
    ids, vectors = stored_vectors(content.vectors)
    assert sorted(ids.tolist()) == sorted(content.vector_map.ids.tolist())
    for vector_id, vector in zip(ids.tolist(), vectors, strict=True):  # each vector finds itself under its own id
        assert search_vectors(content.vectors, vector, 1).ids.tolist() == [vector_id]


# ---------------------------------------------------------------- lexical


def test_bm25_after_an_add_and_a_remove_equals_bm25_built_from_scratch(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(4)], GaussianEncoder(), tmp_path)
    add_documents([_document(4), _document(5, units=3)], GaussianEncoder(), tmp_path)
    remove_documents(["regio1"], tmp_path)
    content = load_index(tmp_path)
    scratch = LexicalIndex.build([unit.text for unit in content.units])
    for question in [*QUESTIONS, "regio 5 windpark windpark"]:
        assert np.array_equal(content.lexical.scores(question), scratch.scores(question))
    assert content.lexical.document_frequency() == scratch.document_frequency()


def test_term_counts_dropped_and_appended_equal_term_counts_of_the_same_texts() -> None:
    rng = np.random.default_rng(3)
    words = ["haven", "export", "kotter", "douane", "tarief", "regio", "windpark", "subsidie", "missie", "akkoord"]
    texts = [" ".join(rng.choice(words, rng.integers(0, 12))) for _ in range(60)] + ["zeldzaam woord", ""]
    runs = [TermCounts.from_texts(texts[:30]), TermCounts.from_texts(texts[30:50]), TermCounts.from_texts(texts[50:])]
    keep = rng.random(len(texts)) > 0.3
    cases = [
        (TermCounts.concatenate(runs), texts),  # the general merge (a load)
        (TermCounts.concatenate([TermCounts.concatenate(runs[:2]), runs[2]]), texts),  # append (an update)
        (TermCounts.concatenate(runs).select(keep), [t for t, kept in zip(texts, keep, strict=True) if kept]),
    ]
    for got, source in cases:
        expected = TermCounts.from_texts(source)
        assert _postings(got) == _postings(expected)
        assert np.array_equal(got.lengths, expected.lengths)


def _postings(counts: TermCounts) -> dict[str, list[tuple[int, int]]]:
    spans = zip(counts.indptr[:-1].tolist(), counts.indptr[1:].tolist(), strict=True)
    return {
        term: list(zip(counts.rows[start:end].tolist(), counts.tf[start:end].tolist(), strict=True))
        for term, (start, end) in zip(counts.terms.tolist(), spans, strict=True)
    }


def test_bm25_scores_are_bm25s_scores() -> None:
    import bm25s

    texts = [unit.text for n in range(3) for unit in _document(n).units] + ["", "haven haven haven export"]
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([analyze(text) for text in texts], show_progress=False)
    index = LexicalIndex.build(texts)
    for question in QUESTIONS:
        terms = [term for term in analyze(question) if term in reference.vocab_dict]
        expected = reference.get_scores(terms) if terms else np.zeros(len(texts))
        assert np.allclose(index.scores(question), expected, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- search results


def _rebuilt_ranked(folder: Path, parsed: Sequence[ParsedDocument], config: VectorIndexConfig | None = None) -> list:
    build_index(parsed, GaussianEncoder(), folder, vector_config=config)
    return _ranked(folder)


@pytest.mark.parametrize("config", [VectorIndexConfig(), EXACT_IVF], ids=["flat", "ivf"])
def test_search_after_an_add_equals_a_full_rebuild(tmp_path: Path, config: VectorIndexConfig) -> None:
    index_dir = tmp_path / "incremental"
    build_index([_document(n) for n in range(5)], GaussianEncoder(), index_dir, vector_config=config)
    add_documents([_document(5), _document(6)], GaussianEncoder(), index_dir)
    assert index_kind(load_index(index_dir).vectors) == ("ivf" if config is EXACT_IVF else "flat")
    expected = _rebuilt_ranked(tmp_path / "rebuilt", [_document(n) for n in range(7)], config)
    assert _ranked(index_dir) == expected
    assert all(len(ranking) == 10 for ranking in expected)


@pytest.mark.parametrize("config", [VectorIndexConfig(), EXACT_IVF], ids=["flat", "ivf"])
def test_search_after_a_replace_and_a_remove_equals_a_full_rebuild(tmp_path: Path, config: VectorIndexConfig) -> None:
    index_dir = tmp_path / "incremental"
    build_index([_document(n) for n in range(6)], GaussianEncoder(), index_dir, vector_config=config)
    replaced = qa_document("regio2", [("Wat kost het windpark bij regio 2?", "Het windpark kost veel.")])
    add_documents([replaced], GaussianEncoder(), index_dir)
    remove_documents(["regio4"], index_dir)
    same_order = [_document(0), _document(1), _document(3), _document(5), replaced]
    assert _ranked(index_dir) == _rebuilt_ranked(tmp_path / "rebuilt", same_order, config)


# ---------------------------------------------------------------- in memory (the service's path)


def test_an_update_from_the_loaded_generation_returns_the_next_one_in_memory(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(3)], GaussianEncoder(), tmp_path, vector_config=EXACT_IVF)
    serving = load_index(tmp_path)
    held = serving.vectors.ntotal
    report = add_documents([_document(3)], GaussianEncoder(), tmp_path, current=serving)
    assert serving.vectors.ntotal == held  # the serving index is not changed under its readers
    memory, disk = report.content, load_index(tmp_path)
    assert memory is not None and memory.generation == disk.generation == report.generation
    assert memory.units == disk.units and memory.documents == disk.documents
    assert memory.manifest == disk.manifest
    for name in ("ids", "unit_rows", "fields", "parts"):
        assert np.array_equal(getattr(memory.vector_map, name), getattr(disk.vector_map, name))
    assert np.array_equal(stored_vectors(memory.vectors)[0], stored_vectors(disk.vectors)[0])
    for question in QUESTIONS:
        assert np.array_equal(memory.lexical.scores(question), disk.lexical.scores(question))
    removed = remove_documents(["regio0"], tmp_path, current=memory).content
    assert removed is not None and [unit.unit_id for unit in removed.units] == [
        unit.unit_id for unit in load_index(tmp_path).units
    ]
