"""Files written as streams and hashed as they go; JSON-lines files copied from a previous generation.

An update writes its generation from what it keeps of the previous one. Reading a kept file whole
into memory to write it again would make the writer's memory grow with the index; copying it line
by line keeps it at one line, and the copy checks the old file's checksum over the bytes it reads,
so a corrupt file is never laundered into a new generation under a fresh checksum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from vraagbaak.errors import IndexCorruptError
from vraagbaak.store.manifest import FileInfo


class HashedWriter:
    """A file opened for writing whose sha256 and size are kept over every byte written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._digest = hashlib.sha256()
        self._bytes = 0
        self._stream: BinaryIO | None = None

    def __enter__(self) -> HashedWriter:
        self._stream = self.path.open("wb")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        assert self._stream is not None
        self._stream.close()

    def write(self, data: bytes | memoryview) -> int:
        assert self._stream is not None
        self._digest.update(data)
        self._stream.write(data)
        self._bytes += len(data)
        return len(data)

    @property
    def info(self) -> FileInfo:
        return FileInfo(sha256=self._digest.hexdigest(), bytes=self._bytes)


@dataclass(frozen=True)
class StoredLines:
    """The `count` lines of a previous generation's JSON-lines file, to copy: those `keep` marks (None: all)."""

    path: Path
    info: FileInfo
    count: int
    keep: np.ndarray | None = None

    @property
    def kept(self) -> int:
        return self.count if self.keep is None else int(self.keep.sum())

    def select(self, keep: np.ndarray) -> StoredLines:
        """These lines narrowed to those of its kept lines that `keep` marks."""
        if self.keep is None:
            return StoredLines(self.path, self.info, self.count, keep)
        combined = self.keep.copy()
        combined[np.flatnonzero(self.keep)] = keep
        return StoredLines(self.path, self.info, self.count, combined)


Lines = list[bytes] | StoredLines
"""Lines to write: in memory (JSON without its newline), or copied from a previous generation's file."""


def write_lines(path: Path, segments: Iterable[Lines]) -> FileInfo:
    """One JSON-lines file of the segments in order, each line ended by a newline."""
    with HashedWriter(path) as out:
        for segment in segments:
            if isinstance(segment, StoredLines):
                copy_lines(segment, out)
            else:
                for line in segment:
                    out.write(line + b"\n")
    return out.info


def copy_lines(stored: StoredLines, out: HashedWriter) -> None:
    """The kept lines of `stored` into `out`, its checksum and line count checked over what was read."""
    digest = hashlib.sha256()
    size = count = 0
    try:
        with stored.path.open("rb") as stream:
            for line in stream:
                digest.update(line)
                size += len(line)
                if count < stored.count and (stored.keep is None or stored.keep[count]):
                    out.write(line if line.endswith(b"\n") else line + b"\n")
                count += 1
    except FileNotFoundError:
        raise IndexCorruptError(f"{stored.path} is missing; rebuild the index with `vraagbaak index build`") from None
    if FileInfo(sha256=digest.hexdigest(), bytes=size) != stored.info:
        raise IndexCorruptError(f"{stored.path} fails its checksum (changed or corrupted); rebuild the index")
    if count != stored.count:
        raise IndexCorruptError(f"{stored.path} holds {count} lines, its manifest {stored.count}; rebuild the index")


@dataclass(frozen=True)
class StoredDocuments:
    """A previous generation's document list, to copy without the documents `drop` names."""

    path: Path
    info: FileInfo
    drop: frozenset[str]


def document_lines(path: Path, info: FileInfo) -> Iterator[tuple[str, bytes]]:
    """(doc_id, JSON line) of each document in a document list, its checksum checked once all is read.

    Only the id is decoded (it leads every line, as `Document` declares it first), so reading the
    list costs no more than the bytes; a line that does not lead with its id is decoded whole.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as stream:
            for line in stream:
                digest.update(line)
                size += len(line)
                if line.strip():
                    yield _doc_id(line, path), line.rstrip(b"\n")
    except FileNotFoundError:
        raise IndexCorruptError(f"{path} is missing; rebuild the index with `vraagbaak index build`") from None
    if FileInfo(sha256=digest.hexdigest(), bytes=size) != info:
        raise IndexCorruptError(f"{path} fails its checksum (changed or corrupted); rebuild the index")


_ID_FIELD = b'{"doc_id":'
_DECODER = json.JSONDecoder()


def _doc_id(line: bytes, path: Path) -> str:
    try:
        if line.startswith(_ID_FIELD):
            doc_id, _ = _DECODER.raw_decode(line[len(_ID_FIELD) :].decode("utf-8", errors="replace"))
        else:
            doc_id = json.loads(line)["doc_id"]
    except (ValueError, KeyError, TypeError) as error:
        raise IndexCorruptError(f"{path} holds a line that is no document ({error}); rebuild the index") from error
    if not isinstance(doc_id, str):
        raise IndexCorruptError(f"{path} holds a document without a string id; rebuild the index")
    return doc_id


def write_documents(path: Path, stored: StoredDocuments | None, added: Iterable[bytes]) -> FileInfo:
    """A document list: the stored one without the dropped documents, then the `added` JSON lines."""
    with HashedWriter(path) as out:
        if stored is not None:
            for doc_id, line in document_lines(stored.path, stored.info):
                if doc_id not in stored.drop:
                    out.write(line + b"\n")
        for line in added:
            out.write(line + b"\n")
    return out.info
