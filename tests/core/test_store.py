"""Persistence: atomic generations, checksums, clear errors for every broken state."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    ManifestMismatchError,
)
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.store.builder import build_index
from vraagbaak.store.generations import CURRENT, current_generation, load_index, writer_lock

PAIRS = [
    ("Hoeveel kost de haven van Rotterdam?", "De haven kost veel geld."),
    ("Wat is de exportkredietverzekering?", "Een verzekering voor exporteurs tegen betalingsrisico."),
    ("Welke landen zijn handelspartners?", "Duitsland en België zijn de grootste handelspartners."),
]


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    build_index([qa_document("doc_a", PAIRS)], FakeEncoder(), tmp_path / "index")
    return tmp_path / "index"


def _generation_dir(index_dir: Path) -> Path:
    return index_dir / current_generation(index_dir)


def test_load_index_round_trips_units_documents_and_vectors(index_dir: Path) -> None:
    content = load_index(index_dir)
    assert [unit.unit_id for unit in content.units] == ["doc_a:1", "doc_a:2", "doc_a:3"]
    assert content.units[1].answer == PAIRS[1][1]
    assert list(content.documents) == ["doc_a"]
    assert content.manifest.counts.vectors == content.vectors.ntotal == 6  # question + answer per unit
    assert content.manifest.vector_index_kind == "flat"
    assert set(content.manifest.files) >= {"vectors.npy", "vector_map.npz", "units.jsonl", "documents.jsonl"}


def test_load_index_without_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="vraagbaak index build"):
        load_index(tmp_path / "nothing-here")


def test_truncated_vectors_file_is_refused_with_rebuild_hint(index_dir: Path) -> None:
    path = _generation_dir(index_dir) / "vectors.npy"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match=r"truncated.*rebuild"):
        load_index(index_dir)


def test_flipped_byte_fails_the_checksum(index_dir: Path) -> None:
    path = _generation_dir(index_dir) / "units.jsonl"
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        load_index(index_dir)


def test_missing_metadata_file_is_refused(index_dir: Path) -> None:
    (_generation_dir(index_dir) / "units.jsonl").unlink()
    with pytest.raises(IndexCorruptError, match=r"units.jsonl is missing"):
        load_index(index_dir)


def test_garbled_manifest_is_refused(index_dir: Path) -> None:
    (_generation_dir(index_dir) / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="not a valid manifest"):
        load_index(index_dir)


def test_an_index_of_format_1_is_refused_by_name_with_a_rebuild_hint(index_dir: Path) -> None:
    path = _generation_dir(index_dir) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format_version": 1}), encoding="utf-8")
    with pytest.raises(ManifestMismatchError, match=r"has index format 1, this version reads 2 and 3; rebuild"):
        load_index(index_dir)


def test_current_pointing_outside_is_refused(index_dir: Path) -> None:
    (index_dir / CURRENT).write_text("../../etc\n", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="not an index generation"):
        load_index(index_dir)


def test_index_built_with_another_model_is_refused_by_the_retriever(index_dir: Path) -> None:
    other = FakeEncoder(model_id="fake:other", model_hash="0" * 64)
    with pytest.raises(ManifestMismatchError, match=r"built with model 'fake:keywords'.*rebuild"):
        Retriever.load(index_dir, other)


def test_failed_write_keeps_the_previous_index(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = current_generation(index_dir)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(IndexWriteError, match=r"disk is full.*previous index is unchanged"):
        build_index([qa_document("doc_b", PAIRS[:1])], FakeEncoder(), index_dir)
    monkeypatch.undo()
    assert current_generation(index_dir) == before
    assert [unit.doc_id for unit in load_index(index_dir).units] == ["doc_a"] * 3
    assert not list(index_dir.glob(".tmp-*"))


def test_crash_leftovers_are_cleaned_by_the_next_writer(index_dir: Path) -> None:
    stale = index_dir / ".tmp-12345-deadbeef"
    stale.mkdir()
    (stale / "vectors.faiss").write_bytes(b"half")
    build_index([qa_document("doc_a", PAIRS)], FakeEncoder(), index_dir)
    assert not stale.exists()


def test_only_the_current_and_previous_generation_are_kept(index_dir: Path) -> None:
    for _ in range(3):
        build_index([qa_document("doc_a", PAIRS)], FakeEncoder(), index_dir)
    generations = sorted(path.name for path in index_dir.glob("gen-*"))
    assert len(generations) == 2
    assert current_generation(index_dir) == generations[-1]


def test_second_writer_gives_up_with_a_clear_error(index_dir: Path) -> None:
    with (
        writer_lock(index_dir),
        pytest.raises(IndexLockedError, match="another process is writing"),
        writer_lock(index_dir, timeout_s=0.2),
    ):
        pass


def test_a_unit_with_a_unicode_line_separator_round_trips(tmp_path: Path) -> None:
    # JSON leaves U+2028 and U+0085 unescaped; a reader splitting on every Unicode line break took
    # one unit for two and refused the index.
    answer = "Eerste regel\u2028tweede regel\u0085derde."
    build_index([qa_document("doc_u", [("Wat staat er?", answer)])], FakeEncoder(), tmp_path / "index")
    assert load_index(tmp_path / "index").units[0].answer == answer
