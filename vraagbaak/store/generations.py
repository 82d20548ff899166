"""The index directory on disk: generations, an atomic `CURRENT` pointer, a writer lock.

Layout of an index directory:

    CURRENT               name of the generation that is live (replaced atomically)
    gen-<time>-<rand>/    one complete index: manifest.json, the vectors (vectors.npy
                          for an exact index, vectors.faiss for an approximate
                          one), vector_map.npz, documents.jsonl, and per part of the
                          units (manifest `parts`) a units file and a terms file:
                          units.jsonl + bm25/terms.npz, units-000001.jsonl +
                          bm25/terms-000001.npz, ...
    .lock                 held by the one process that writes

A write builds a whole new generation in a `.tmp-*` sibling, fsyncs every
file, renames it into place and only then points `CURRENT` at it with
`os.replace`. A crash at any moment leaves `CURRENT` naming a generation
that is complete and passes its checksums. The previous generation is kept
so that a reader that read `CURRENT` just before a swap can still load it.

A part that an update leaves as it was is hard-linked from the current
generation into the new one (copied where links fail), with the checksum
its manifest recorded: it is neither rewritten nor hashed again, and a
corruption of it still fails the next load of either generation. Files of a
generation are therefore never changed in place, only replaced by new
generations. New files are hashed from the bytes as they are written.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import io
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from vraagbaak.errors import IndexCorruptError, IndexLockedError, IndexNotFoundError, IndexWriteError
from vraagbaak.store.chunking import VectorField
from vraagbaak.store.lexical import LexicalIndex, TermCounts
from vraagbaak.store.manifest import MANIFEST, FileInfo, Manifest, PartInfo, read_manifest, verify_file, verify_files
from vraagbaak.store.streamed import Lines, StoredDocuments, document_lines, write_documents, write_lines
from vraagbaak.store.vector_index import FaissIndex, read_vector_index, write_vector_index
from vraagbaak.store.vector_rows import StoredRows, VectorRows, read_rows, write_rows
from vraagbaak.units import Document, Unit

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK = ".lock"
VECTORS = "vectors.faiss"
VECTOR_ROWS = "vectors.npy"
VECTOR_MAP = "vector_map.npz"
DOCUMENTS = "documents.jsonl"
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
class NewPart:
    """A part to write: its units as JSON lines (new ones in memory, kept ones copied) and their term counts."""

    info: PartInfo
    lines: tuple[Lines, ...]
    terms: TermCounts


@dataclass(frozen=True)
class KeptPart:
    """A part of an existing generation, carried over unchanged: linked, not rewritten."""

    info: PartInfo
    folder: Path
    files: dict[str, FileInfo]  # as its generation's manifest records them


Part = NewPart | KeptPart


@dataclass(frozen=True)
class DocumentList:
    """A generation's document list as an update writes it: what it keeps of the previous one, copied
    line by line, then the `added` documents; the previous list is never loaded."""

    kept: StoredDocuments
    added: tuple[Document, ...]


@dataclass(frozen=True)
class GenerationDraft:
    """What `write_generation` writes; the manifest's `files` are filled in as the files are written."""

    manifest: Manifest
    documents: dict[str, Document] | DocumentList
    vector_map: VectorMap
    vectors: FaissIndex | VectorRows  # rows for an exact index, a FAISS index for an approximate one
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class WrittenGeneration:
    name: str
    manifest: Manifest  # with the checksums of every file
    linked: tuple[str, ...]  # files carried over from the previous generation
    bytes_written: int


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


def write_generation(index_dir: Path, draft: GenerationDraft) -> WrittenGeneration:
    """Write `draft` as a new generation and make it current.

    Call with `writer_lock` held. Any OSError (a full disk, say) leaves the
    current generation untouched and is raised as IndexWriteError.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(index_dir)
    staging = index_dir / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    name = f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"
    try:
        staging.mkdir()
        files, linked = _write_files(staging, draft)
        manifest = draft.manifest.model_copy(update={"files": dict(sorted(files.items()))})
        _write_json_file(staging / MANIFEST, manifest.model_dump_json(indent=2))
        _fsync_tree(staging)
        os.rename(staging, index_dir / name)
        _fsync_dir(index_dir)
        _point_current(index_dir, name)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(index_dir / name, ignore_errors=True)
        if not isinstance(error, OSError):
            raise  # a previous generation's file failed its checksum while copied, say
        reason = "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
        raise IndexWriteError(
            f"could not write the index to {index_dir}: {reason}; the previous index is unchanged"
        ) from error
    _prune_generations(index_dir, keep=name)
    logger.info("index generation %s is current in %s (%d files carried over)", name, index_dir, len(linked))
    written = sum(info.bytes for file, info in files.items() if file not in linked)
    return WrittenGeneration(name, manifest, tuple(linked), written)


def _write_files(folder: Path, draft: GenerationDraft) -> tuple[dict[str, FileInfo], list[str]]:
    files: dict[str, FileInfo] = {}
    linked: list[str] = []
    if isinstance(draft.vectors, VectorRows):
        files[VECTOR_ROWS] = write_rows(draft.vectors, folder / VECTOR_ROWS, draft.manifest.model.dimension)
    else:
        digest, size = write_vector_index(draft.vectors, folder / VECTORS)
        files[VECTORS] = FileInfo(sha256=digest, bytes=size)
    vector_map = draft.vector_map
    stream = io.BytesIO()
    np.savez(
        stream, ids=vector_map.ids, unit_rows=vector_map.unit_rows, fields=vector_map.fields, parts=vector_map.parts
    )
    files[VECTOR_MAP] = _write_bytes(folder / VECTOR_MAP, stream.getvalue())
    listed = draft.documents
    kept, added = (listed.kept, listed.added) if isinstance(listed, DocumentList) else (None, listed.values())
    lines = (doc.model_dump_json().encode("utf-8") for doc in added)
    files[DOCUMENTS] = write_documents(folder / DOCUMENTS, kept, lines)
    (folder / BM25).mkdir()
    for part in draft.parts:
        if isinstance(part, NewPart):
            files[part.info.units_file] = write_lines(folder / part.info.units_file, part.lines)
            files[part.info.terms_file] = _write_bytes(folder / part.info.terms_file, part.terms.to_bytes())
            continue
        for file in part.info.files:
            _link_or_copy(part.folder / file, folder / file)
            files[file] = part.files[file]
            linked.append(file)
    return files, linked


def _write_bytes(path: Path, data: bytes) -> FileInfo:
    with path.open("wb") as stream:
        stream.write(data)
    return FileInfo(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to an unchanged file of the previous generation; a copy where the file system refuses links."""
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.ENOENT):
            raise
        logger.debug("cannot link %s (%s); copying it", source, error.strerror)
        shutil.copyfile(source, target)


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
    parts_files = [file for part in manifest.parts for file in part.files]
    required = (_vectors_file(folder, manifest), VECTOR_MAP, DOCUMENTS, *parts_files)
    if missing := [name for name in required if name not in manifest.files]:
        raise IndexCorruptError(f"{folder} lacks {', '.join(missing)}; rebuild the index")
    try:
        vector_map = _read_vector_map(folder)
    except (ValueError, KeyError, OSError) as error:
        raise IndexCorruptError(f"{folder} holds an unreadable vector map ({error}); rebuild the index") from error
    vectors = _read_vectors(folder, manifest)
    if isinstance(vectors, StoredRows):
        vectors = read_rows(vectors, vector_map.ids, manifest.model.dimension, manifest.vector_index, verify=False)
    try:
        documents = _read_documents(folder)
        every: list[Unit] = []
        terms = []
        for part in manifest.parts:
            part_units = list(map(Unit.model_validate_json, _read_lines(folder / part.units_file)))
            _check_part(folder, part, part_units)
            every.extend(part_units)
            terms.append(TermCounts.load(folder / part.terms_file))
        units = tuple(every)
        lexical = _lexical_from_parts(folder, manifest.parts, terms)
    except (ValueError, KeyError, OSError, json.JSONDecodeError) as error:
        raise IndexCorruptError(f"{folder} holds unreadable metadata ({error}); rebuild the index") from error
    _check_consistency(folder, manifest, documents, units, vector_map, vectors)
    return IndexContent(manifest, documents, units, vector_map, vectors, lexical, generation=name)


def _vectors_file(folder: Path, manifest: Manifest) -> str:
    """The file that holds a generation's vectors: rows for an exact index (format 3), else FAISS's."""
    if VECTOR_ROWS in manifest.files:
        if manifest.vector_index_kind != "flat":
            raise IndexCorruptError(f"{folder}: a {manifest.vector_index_kind} index stored as rows; rebuild it")
        return VECTOR_ROWS
    return VECTORS


def _read_vectors(folder: Path, manifest: Manifest) -> FaissIndex | StoredRows:
    """A FAISS file read whole; a rows file only named (`vector_rows` streams it), its checksum checked as read."""
    if _vectors_file(folder, manifest) == VECTORS:
        return read_vector_index(folder / VECTORS, manifest.model.dimension)
    return StoredRows(folder / VECTOR_ROWS, manifest.files[VECTOR_ROWS])


def read_documents(index_dir: Path, doc_ids: Collection[str]) -> dict[str, Document]:
    """The documents of the current generation that `doc_ids` names, read in one pass over its list
    (only those are decoded): what a writer needs of a few documents without holding them all."""
    wanted = set(doc_ids)
    if not wanted:
        return {}
    return {
        doc_id: Document.model_validate_json(line) for doc_id, line in _document_list(index_dir)[1] if doc_id in wanted
    }


def document_sources(index_dir: Path) -> tuple[str, dict[str, str | None]]:
    """The current generation's name and, per document, the open-data Id it was synced from (None for
    a document added by hand): a few bytes a document, where the documents themselves take kilobytes."""
    name, lines = _document_list(index_dir)
    sources: dict[str, str | None] = {}
    for doc_id, line in lines:
        source = json.loads(line).get("source")
        sources[doc_id] = source.get("tk_id") if isinstance(source, dict) else None
    return name, sources


def _document_list(index_dir: Path) -> tuple[str, Iterator[tuple[str, bytes]]]:
    name = current_generation(index_dir)
    folder = index_dir / name
    manifest = read_manifest(folder)
    if DOCUMENTS not in manifest.files:
        raise IndexCorruptError(f"{folder} lacks {DOCUMENTS}; rebuild the index")
    return name, document_lines(folder / DOCUMENTS, manifest.files[DOCUMENTS])


def _read_documents(folder: Path) -> dict[str, Document]:
    return {doc.doc_id: doc for doc in map(Document.model_validate_json, _read_lines(folder / DOCUMENTS))}


def _read_vector_map(folder: Path) -> VectorMap:
    with np.load(folder / VECTOR_MAP, allow_pickle=False) as arrays:
        return VectorMap(arrays["ids"], arrays["unit_rows"], arrays["fields"], arrays["parts"])


def _check_part(folder: Path, part: PartInfo, units: list[Unit]) -> None:
    expected = [doc_id for doc_id, count in part.documents.items() for _ in range(count)]
    if [unit.doc_id for unit in units] != expected:
        raise IndexCorruptError(
            f"{folder / part.units_file} does not hold the units its manifest lists; rebuild the index"
        )


def _lexical_from_parts(folder: Path, parts: list[PartInfo], terms: list[TermCounts]) -> LexicalIndex:
    for part, counts in zip(parts, terms, strict=True):
        if counts.size != part.units:
            raise IndexCorruptError(
                f"{folder / part.terms_file} counts {counts.size} units, its part has {part.units}; rebuild the index"
            )
    return LexicalIndex.from_parts(terms)


@dataclass(frozen=True)
class StoredGeneration:
    """What an update reads of the current generation: all but the units and term counts, verified."""

    name: str
    folder: Path
    manifest: Manifest
    vector_map: VectorMap
    vectors: FaissIndex | StoredRows  # an exact index's rows are streamed, never loaded, by an update


def read_for_update(index_dir: Path) -> StoredGeneration:
    """The current generation's vector map and vectors, each checked against its checksum.

    Call with `writer_lock` held, so the generation cannot change meanwhile. The parts are not
    read: an update links those it keeps and copies those it rewrites. Neither are the
    document list and an exact index's vectors: the update copies them as it writes
    (`streamed`, `vector_rows`), checking their checksums as it goes.
    """
    name = current_generation(index_dir)
    folder = index_dir / name
    if not folder.is_dir():
        raise IndexCorruptError(f"{folder} is missing although CURRENT names it; rebuild the index")
    manifest = read_manifest(folder)
    vectors_file = _vectors_file(folder, manifest)
    for file in (VECTOR_MAP,) if vectors_file == VECTOR_ROWS else (VECTORS, VECTOR_MAP):
        verify_file(folder, file, manifest)
    if DOCUMENTS not in manifest.files:
        raise IndexCorruptError(f"{folder} lacks {DOCUMENTS}; rebuild the index")
    try:
        vector_map = _read_vector_map(folder)
    except (ValueError, KeyError, OSError) as error:
        raise IndexCorruptError(f"{folder} holds an unreadable vector map ({error}); rebuild the index") from error
    vectors = _read_vectors(folder, manifest)
    held = len(vector_map) if isinstance(vectors, StoredRows) else int(vectors.ntotal)
    if (len(manifest.corpus), len(vector_map), held) != (
        manifest.counts.documents,
        manifest.counts.vectors,
        manifest.counts.vectors,
    ):
        raise IndexCorruptError(f"{folder}: its files disagree with the manifest's counts; rebuild the index")
    return StoredGeneration(name, folder, manifest, vector_map, vectors)


def read_terms(folder: Path, files: dict[str, FileInfo], part: PartInfo) -> TermCounts:
    """A part's term counts, checked against its checksum as read (its units are copied, not read: `StoredLines`)."""
    terms = TermCounts.from_bytes(_verified_bytes(folder, part.terms_file, files), folder / part.terms_file)
    if terms.size != part.units:
        raise IndexCorruptError(f"{folder}: part {part.id} does not hold {part.units} units; rebuild the index")
    return terms


def _verified_bytes(folder: Path, name: str, files: dict[str, FileInfo]) -> bytes:
    """A file's bytes, read once and checked against the checksum its manifest records."""
    expected = files.get(name)
    try:
        data = (folder / name).read_bytes()
    except FileNotFoundError:
        raise IndexCorruptError(f"{folder / name} is missing; rebuild the index with `vraagbaak index build`") from None
    if expected is None or len(data) != expected.bytes:
        raise IndexCorruptError(f"{folder / name} has {len(data)} bytes, its manifest another size; rebuild the index")
    if hashlib.sha256(data).hexdigest() != expected.sha256:
        raise IndexCorruptError(f"{folder / name} fails its checksum (changed or corrupted); rebuild the index")
    return data


def _read_lines(path: Path) -> list[str]:
    # Split on "\n" alone: JSON escapes it inside strings, but not U+2028 and its kin, which
    # str.splitlines would also split on.
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


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
