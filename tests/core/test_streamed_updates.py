"""An update from disk copies what it keeps and loads none of the index (issue 26): vectors as rows
(format 3), units lines and the document list streamed.

Sync writes thousands of small batches; if each loaded the whole index its memory would grow with the
record. These tests show by behaviour that an update from disk touches no FAISS and no whole matrix,
that the rows it writes are the vectors a full rebuild gives, that a corrupt rows file stops the update
with the current generation intact, and that a format-2 index (one FAISS file) is read and upgraded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.core.test_updates_incremental import GaussianEncoder, _document, _generation, _ranked
from vraagbaak.errors import IndexCorruptError
from vraagbaak.store import vector_rows
from vraagbaak.store.builder import add_documents, build_index, remove_documents
from vraagbaak.store.generations import current_generation, document_sources, load_index, read_documents
from vraagbaak.store.manifest import MANIFEST, FileInfo, file_info
from vraagbaak.store.streamed import StoredLines, write_lines
from vraagbaak.store.vector_index import stored_vectors, write_vector_index
from vraagbaak.store.vector_rows import StoredRows, VectorRows, write_rows


def _vectors_by_id(index_dir: Path) -> dict[int, np.ndarray]:
    content = load_index(index_dir)
    ids, vectors = stored_vectors(content.vectors)
    return dict(zip(ids.tolist(), vectors, strict=True))


def test_rows_are_copied_in_blocks_with_the_kept_rows_then_the_added(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(vector_rows, "BLOCK_ROWS", 3)  # several blocks, the last one short
    old = np.arange(10 * 4, dtype=np.float32).reshape(10, 4)
    np.save(tmp_path / "old.npy", old)
    keep = np.array([True, False, True, True, False, False, True, True, True, False])
    added = -np.ones((2, 4), np.float32)
    stored = StoredRows(tmp_path / "old.npy", file_info(tmp_path / "old.npy"))
    info = write_rows(VectorRows(stored, keep, added), tmp_path / "new.npy", 4)
    assert np.array_equal(np.load(tmp_path / "new.npy"), np.concatenate([old[keep], added]))
    assert info == file_info(tmp_path / "new.npy")


def test_a_changed_old_rows_file_fails_the_copy(tmp_path: Path) -> None:
    np.save(tmp_path / "old.npy", np.zeros((5, 4), np.float32))
    recorded = file_info(tmp_path / "old.npy")
    np.save(tmp_path / "old.npy", np.ones((5, 4), np.float32))  # same size, other bytes
    rows = VectorRows(StoredRows(tmp_path / "old.npy", recorded), np.ones(5, bool), np.zeros((0, 4), np.float32))
    with pytest.raises(IndexCorruptError, match="checksum"):
        write_rows(rows, tmp_path / "new.npy", 4)


def test_an_update_from_disk_never_loads_the_vectors(tmp_path: Path, monkeypatch) -> None:
    build_index([_document(n) for n in range(4)], GaussianEncoder(), tmp_path)
    before = _vectors_by_id(tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError("an update of an exact index loaded its vectors")

    import faiss

    monkeypatch.setattr(faiss, "read_index", refuse)
    monkeypatch.setattr("vraagbaak.store.builder.update.read_rows", refuse)
    monkeypatch.setattr("vraagbaak.store.builder.update.update_vector_index", refuse)
    assert add_documents([_document(9)], GaussianEncoder(), tmp_path).vector_index == "changed in place"
    remove_documents(["regio1"], tmp_path)
    monkeypatch.undo()

    after = _vectors_by_id(tmp_path)
    kept = {vector_id: vector for vector_id, vector in after.items() if vector_id in before}
    assert kept and all(np.array_equal(vector, before[vector_id]) for vector_id, vector in kept.items())
    rebuilt = tmp_path / "rebuilt"
    build_index([_document(n) for n in (0, 2, 3, 9)], GaussianEncoder(), rebuilt)
    assert _ranked(tmp_path) == _ranked(rebuilt)


def test_a_corrupt_rows_file_stops_the_update_and_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(3)], GaussianEncoder(), tmp_path)
    generation = current_generation(tmp_path)
    path = _generation(tmp_path) / "vectors.npy"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        add_documents([_document(7)], GaussianEncoder(), tmp_path)
    assert current_generation(tmp_path) == generation
    assert not list(tmp_path.glob(".tmp-*"))


def _as_format_2(index_dir: Path) -> None:
    """The current generation rewritten as format 2 wrote it: the vectors in one FAISS file."""
    folder = _generation(index_dir)
    content = load_index(index_dir)
    digest, size = write_vector_index(content.vectors, folder / "vectors.faiss")
    (folder / "vectors.npy").unlink()
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    files = {name: info for name, info in manifest["files"].items() if name != "vectors.npy"}
    files["vectors.faiss"] = FileInfo(sha256=digest, bytes=size).model_dump()
    manifest.update(format_version=2, files=files)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def test_a_format_2_index_is_read_and_its_first_update_writes_rows(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(3)], GaussianEncoder(), tmp_path)
    before = _vectors_by_id(tmp_path)
    ranked = _ranked(tmp_path)
    _as_format_2(tmp_path)
    assert _ranked(tmp_path) == ranked

    add_documents([_document(5)], GaussianEncoder(), tmp_path)
    manifest = load_index(tmp_path).manifest
    assert manifest.format_version == 3
    assert "vectors.npy" in manifest.files and "vectors.faiss" not in manifest.files
    after = _vectors_by_id(tmp_path)
    assert all(np.array_equal(after[vector_id], vector) for vector_id, vector in before.items())
    rebuilt = tmp_path / "rebuilt"
    build_index([_document(n) for n in (0, 1, 2, 5)], GaussianEncoder(), rebuilt)
    assert _ranked(tmp_path) == _ranked(rebuilt)


def test_a_removal_copies_the_parts_it_rewrites_line_by_line_and_checks_them(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(3)], GaussianEncoder(), tmp_path)  # one part of three documents
    generation = current_generation(tmp_path)
    path = _generation(tmp_path) / "units.jsonl"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"regio2", b"regiO2", 1))  # same size, other bytes
    with pytest.raises(IndexCorruptError, match=r"units\.jsonl fails its checksum"):
        remove_documents(["regio1"], tmp_path)
    assert current_generation(tmp_path) == generation
    path.write_bytes(data)
    remove_documents(["regio1"], tmp_path)
    content = load_index(tmp_path)
    assert [unit.doc_id for unit in content.units] == ["regio0"] * 10 + ["regio2"] * 10
    assert list(content.documents) == ["regio0", "regio2"]


def test_selected_lines_narrow_what_was_already_selected(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(b'{"n":%d}\n' % n for n in range(6)))
    stored = StoredLines(path, file_info(path), 6).select(np.array([True, False, True, True, False, True]))
    narrowed = stored.select(np.array([False, True, True, False]))  # of the kept 0, 2, 3, 5: keep 2 and 3
    write_lines(tmp_path / "out.jsonl", [[b'{"n":"new"}'], narrowed])
    assert (tmp_path / "out.jsonl").read_bytes() == b'{"n":"new"}\n{"n":2}\n{"n":3}\n'


def test_the_document_list_is_copied_without_the_removed_ones_and_read_by_id(tmp_path: Path) -> None:
    build_index([_document(n) for n in range(4)], GaussianEncoder(), tmp_path)
    remove_documents(["regio2"], tmp_path)
    add_documents([_document(8)], GaussianEncoder(), tmp_path)
    assert list(load_index(tmp_path).documents) == ["regio0", "regio1", "regio3", "regio8"]
    assert set(read_documents(tmp_path, ["regio1", "regio8", "regio2"])) == {"regio1", "regio8"}
    assert document_sources(tmp_path)[1] == dict.fromkeys(["regio0", "regio1", "regio3", "regio8"])
