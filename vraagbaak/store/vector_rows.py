"""The vectors of an exact index as one `.npy` file, written by streaming from the previous generation's.

FAISS serialises a whole index at once, so an update that keeps its vectors in a FAISS file must hold
them all in memory to write them, however small the change. An exact (flat) index needs nothing but
the vectors themselves, so it is stored as a plain float32 matrix whose row i is the vector of the
vector map's id i, and FAISS is built from it on load (a copy, as fast as reading a FAISS file). An
update then copies the rows it keeps from the previous file in blocks and appends the new ones: its
memory stays that of a block and the new vectors, whatever the size of the index. The old file's
checksum is verified over the bytes as they are copied.

Approximate indexes (IVF, HNSW) keep their trained structure in a FAISS file (`vector_index`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from vraagbaak.errors import IndexCorruptError
from vraagbaak.store.manifest import FileInfo
from vraagbaak.store.streamed import HashedWriter
from vraagbaak.store.vector_index import FaissIndex, VectorIndexConfig, build_vector_index

BLOCK_ROWS = 8192
"""Rows copied at a time: 12 MiB of 384-dimensional vectors."""


@dataclass(frozen=True)
class StoredRows:
    """A vectors file of an existing generation, with the checksum its manifest records."""

    path: Path
    info: FileInfo


@dataclass(frozen=True)
class VectorRows:
    """The rows of the next generation's vectors file: those of `base` that `keep` marks, then `added`."""

    base: StoredRows | None
    keep: np.ndarray  # bool, one per row of `base` (empty without a base)
    added: np.ndarray  # float32 (n, dimension)

    @property
    def count(self) -> int:
        return int(self.keep.sum()) + len(self.added)


def write_rows(rows: VectorRows, path: Path, dimension: int) -> FileInfo:
    """Write `rows` to `path` as an .npy file; (sha256, bytes) of what was written, nothing read back."""
    with HashedWriter(path) as out:
        header = np.lib.format.header_data_from_array_1_0(np.zeros((0, dimension), np.float32))
        header["shape"] = (rows.count, dimension)
        np.lib.format.write_array_header_1_0(out, header)
        if rows.base is not None:
            for block in _kept_blocks(rows.base, rows.keep, dimension):
                if len(block):
                    out.write(np.ascontiguousarray(block, np.float32).data.cast("B"))
        if len(rows.added):
            out.write(np.ascontiguousarray(rows.added, np.float32).data.cast("B"))
    return out.info


def _kept_blocks(base: StoredRows, keep: np.ndarray, dimension: int, *, verify: bool = True) -> Iterator[np.ndarray]:
    """The kept rows of `base` in blocks, every byte of the file hashed and checked at the end (`verify`)."""
    digest: Any = hashlib.sha256() if verify else _NoDigest()
    try:
        with base.path.open("rb") as stream:
            total = _read_header(stream, base.path, dimension, digest)
            if total != len(keep):
                raise IndexCorruptError(f"{base.path} holds {total} vectors, its vector map {len(keep)}; rebuild")
            row_bytes = dimension * 4
            for start in range(0, total, BLOCK_ROWS):
                count = min(BLOCK_ROWS, total - start)
                data = stream.read(count * row_bytes)
                if len(data) != count * row_bytes:
                    raise IndexCorruptError(f"{base.path} is truncated; rebuild the index")
                digest.update(data)
                block = np.frombuffer(data, np.float32).reshape(count, dimension)
                mask = keep[start : start + count]
                yield block if mask.all() else block[mask]
            rest = stream.read()
            digest.update(rest)
    except FileNotFoundError:
        raise IndexCorruptError(f"{base.path} is missing; rebuild the index with `vraagbaak index build`") from None
    if rest or (verify and digest.hexdigest() != base.info.sha256):
        raise IndexCorruptError(f"{base.path} fails its checksum (changed or corrupted); rebuild the index")


class _NoDigest:
    def update(self, data: bytes) -> None:
        pass


def _read_header(stream: BinaryIO, path: Path, dimension: int, digest: Any) -> int:
    """The row count of an .npy file of float32 rows of `dimension`, its header bytes hashed."""
    start = stream.tell()
    try:
        version = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(stream)
    except ValueError as error:
        raise IndexCorruptError(f"{path} is not a vectors file ({error}); rebuild the index") from error
    end = stream.tell()
    stream.seek(start)
    digest.update(stream.read(end - start))
    if fortran or dtype != np.dtype(np.float32) or len(shape) != 2 or shape[1] != dimension:
        raise IndexCorruptError(f"{path} does not hold {dimension}-dimensional float32 rows; rebuild the index")
    return int(shape[0])


def read_rows(
    stored: StoredRows, ids: np.ndarray, dimension: int, config: VectorIndexConfig, *, verify: bool = True
) -> FaissIndex:
    """An exact FAISS index of the vectors in `stored` under `ids` (the vector map's, row for row), read in
    blocks so that the whole matrix is never in memory twice; `verify=False` where the load checked the file."""
    index = build_vector_index(np.zeros((0, dimension), np.float32), ids[:0], "flat", config)
    start = 0
    for block in _kept_blocks(stored, np.ones(len(ids), bool), dimension, verify=verify):
        index.add_with_ids(np.ascontiguousarray(block), np.ascontiguousarray(ids[start : start + len(block)], np.int64))
        start += len(block)
    return index
