"""The index directory on disk: generations, an atomic `CURRENT` pointer, a writer lock.

Layout of an index directory:

    CURRENT               name of the generation that is live (replaced atomically)
    gen-<time>-<rand>/    one complete index: manifest.json, vectors.faiss,
                          vector_map.npz, documents.jsonl, units.jsonl, bm25/
    .lock                 held by the one process that writes

A write builds a whole new generation in a `.tmp-*` sibling, fsyncs every
file, renames it into place and only then points `CURRENT` at it with
`os.replace`. A crash at any moment leaves `CURRENT` naming a generation
that is complete and passes its checksums. The previous generation is kept
so that a reader that read `CURRENT` just before a swap can still load it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from indexer.errors import IndexCorruptError, IndexLockedError, IndexNotFoundError, IndexWriteError
from indexer.store.chunking import VectorField
from indexer.store.lexical import LexicalIndex
from indexer.store.manifest import MANIFEST, Manifest, file_info, read_manifest, verify_files
from indexer.store.vector_index import FaissIndex, read_vector_index, write_vector_index
from indexer.units import Document, Unit

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK = ".lock"
VECTORS = "vectors.faiss"
VECTOR_MAP = "vector_map.npz"
DOCUMENTS = "documents.jsonl"
UNITS = "units.jsonl"
BM25 = "bm25"
_FIELDS = (VectorField.QUESTION, VectorField.ANSWER)
_KEEP_GENERATIONS = 2
_LOAD_ATTEMPTS = 3


@dataclass(frozen=True)
class VectorMap:
    """Which unit and field each FAISS vector id belongs to (parallel arrays)."""

    ids: np.ndarray  # int64 vector ids
    unit_rows: np.ndarray  # int32 position of the unit in `IndexContent.units`
    fields: np.ndarray  # int8 index into _FIELDS
    parts: np.ndarray  # int16 part number of an answer split into several vectors

    @classmethod
    def empty(cls) -> VectorMap:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int8), np.zeros(0, np.int16))

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def field_code(field: VectorField) -> int:
        return _FIELDS.index(field)


@dataclass(frozen=True)
class IndexContent:
    """Everything one generation holds, loaded in memory; never mutated after load."""

    manifest: Manifest
    documents: dict[str, Document]
    units: tuple[Unit, ...]
    vector_map: VectorMap
    vectors: FaissIndex
    lexical: LexicalIndex
    generation: str = ""


# ---------------------------------------------------------------- writing


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout_s: float = 30.0) -> Iterator[None]:
    """Exclusive right to write `index_dir`; a second writer waits, then gives up clearly."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("a") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"another process is writing {index_dir} (lock {index_dir / LOCK}); try again when it is done"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_generation(index_dir: Path, content: IndexContent) -> str:
    """Write `content` as a new generation and make it current; returns its name.

    Call with `writer_lock` held. Any OSError (a full disk, say) leaves the
    current generation untouched and is raised as IndexWriteError.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(index_dir)
    staging = index_dir / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    name = f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"
    try:
        staging.mkdir()
        manifest = _write_files(staging, content)
        _write_json_file(staging / MANIFEST, manifest.model_dump_json(indent=2))
        _fsync_tree(staging)
        os.rename(staging, index_dir / name)
        _fsync_dir(index_dir)
        _point_current(index_dir, name)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(index_dir / name, ignore_errors=True)
        reason = "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
        raise IndexWriteError(
            f"could not write the index to {index_dir}: {reason}; the previous index is unchanged"
        ) from error
    _prune_generations(index_dir, keep=name)
    logger.info("index generation %s is current in %s", name, index_dir)
    return name


def _write_files(folder: Path, content: IndexContent) -> Manifest:
    write_vector_index(content.vectors, folder / VECTORS)
    vector_map = content.vector_map
    with (folder / VECTOR_MAP).open("wb") as stream:
        np.savez(
            stream, ids=vector_map.ids, unit_rows=vector_map.unit_rows, fields=vector_map.fields, parts=vector_map.parts
        )
    _write_jsonl(folder / DOCUMENTS, (doc.model_dump_json() for doc in content.documents.values()))
    _write_jsonl(folder / UNITS, (unit.model_dump_json() for unit in content.units))
    content.lexical.save(folder / BM25)
    files = {
        path.relative_to(folder).as_posix(): file_info(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    return content.manifest.model_copy(update={"files": files})


def _write_jsonl(path: Path, lines: Iterator[str]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for line in lines:
            stream.write(line)
            stream.write("\n")


def _write_json_file(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            _fsync_file(path)
        else:
            _fsync_dir(path)
    _fsync_dir(folder)


def _point_current(index_dir: Path, name: str) -> None:
    pointer = index_dir / f".{CURRENT}.{secrets.token_hex(4)}"
    with pointer.open("w", encoding="utf-8") as stream:
        stream.write(name + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)


def _generations(index_dir: Path) -> list[Path]:
    return sorted(path for path in index_dir.glob("gen-*") if path.is_dir())


def _prune_generations(index_dir: Path, keep: str) -> None:
    """Keep the current and the one before it; older ones are no longer read by anyone."""
    others = [path for path in _generations(index_dir) if path.name != keep]
    for path in others[: max(0, len(others) - (_KEEP_GENERATIONS - 1))]:
        shutil.rmtree(path, ignore_errors=True)


def _remove_stale_temporaries(index_dir: Path) -> None:
    """Leftovers of a writer that crashed; safe to delete because we hold the lock."""
    for path in index_dir.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(f".{CURRENT}.*"):
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------- reading


def current_generation(index_dir: Path) -> str:
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexNotFoundError(
            f"no index in {index_dir}; build one with `vraagbaak index build` (or set VRAAGBAAK_INDEX_DIR)"
        ) from None
    except OSError as error:
        raise IndexCorruptError(f"cannot read {pointer}: {error}") from error
    if not name.startswith("gen-") or "/" in name:
        raise IndexCorruptError(f"{pointer} names {name!r}, which is not an index generation; rebuild the index")
    return name


def index_exists(index_dir: Path) -> bool:
    return (index_dir / CURRENT).is_file()


def read_index_manifest(index_dir: Path) -> Manifest:
    """The current manifest alone, cheap: for `index info` and for choosing the model."""
    return read_manifest(index_dir / current_generation(index_dir))


def load_index(index_dir: Path) -> IndexContent:
    """Load the current generation, verifying every checksum.

    A writer may replace the generation between reading `CURRENT` and
    reading its files; then the pointer has moved and the load is retried.
    """
    for attempt in range(_LOAD_ATTEMPTS):
        name = current_generation(index_dir)
        try:
            return _load_generation(index_dir / name, name)
        except IndexCorruptError:
            if attempt + 1 < _LOAD_ATTEMPTS and current_generation(index_dir) != name:
                continue
            raise
    raise AssertionError("unreachable")


def _load_generation(folder: Path, name: str) -> IndexContent:
    if not folder.is_dir():
        raise IndexCorruptError(f"{folder} is missing although CURRENT names it; rebuild the index")
    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    required = (VECTORS, VECTOR_MAP, DOCUMENTS, UNITS)
    if missing := [name for name in required if name not in manifest.files]:
        raise IndexCorruptError(f"{folder} lacks {', '.join(missing)}; rebuild the index")
    vectors = read_vector_index(folder / VECTORS, manifest.model.dimension)
    try:
        documents = {doc.doc_id: doc for doc in map(Document.model_validate_json, _read_lines(folder / DOCUMENTS))}
        units = tuple(map(Unit.model_validate_json, _read_lines(folder / UNITS)))
        with np.load(folder / VECTOR_MAP, allow_pickle=False) as arrays:
            vector_map = VectorMap(arrays["ids"], arrays["unit_rows"], arrays["fields"], arrays["parts"])
        lexical = LexicalIndex.load(folder / BM25, len(units))
    except (ValueError, KeyError, OSError, json.JSONDecodeError) as error:
        raise IndexCorruptError(f"{folder} holds unreadable metadata ({error}); rebuild the index") from error
    _check_consistency(folder, manifest, documents, units, vector_map, vectors)
    return IndexContent(manifest, documents, units, vector_map, vectors, lexical, generation=name)


def _read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _check_consistency(
    folder: Path,
    manifest: Manifest,
    documents: dict[str, Document],
    units: tuple[Unit, ...],
    vector_map: VectorMap,
    vectors,
) -> None:
    counts = manifest.counts
    actual = (len(documents), len(units), int(vectors.ntotal))
    if actual != (counts.documents, counts.units, counts.vectors) or len(vector_map) != counts.vectors:
        raise IndexCorruptError(
            f"{folder}: counts {actual} disagree with the manifest "
            f"{(counts.documents, counts.units, counts.vectors)}; rebuild the index"
        )
    if len(vector_map) and int(vector_map.unit_rows.max()) >= len(units):
        raise IndexCorruptError(f"{folder}: the vector map points past the unit list; rebuild the index")
