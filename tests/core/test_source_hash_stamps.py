"""The bundled weights are hashed once per installed file, not at every start (issue 29's cold start)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vraagbaak.model.bundled import materialize
from vraagbaak.model.bundled.materialize import STAMPS, file_sha256, stamped_sha256


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []

    def counting(path: Path) -> str:
        calls.append(path)
        return file_sha256(path)

    monkeypatch.setattr(materialize, "file_sha256", counting)
    return calls


def test_an_unchanged_file_is_hashed_once(tmp_path: Path, hashed: list[Path]) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"gewichten" * 1000)
    cache = tmp_path / "cache"
    first = stamped_sha256(source, cache)
    assert stamped_sha256(source, cache) == first == file_sha256(source)
    assert hashed == [source]
    assert [path.name for path in cache.iterdir()] == [STAMPS]  # no staging file left behind


def test_a_changed_file_is_hashed_again(tmp_path: Path, hashed: list[Path]) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"oud" * 1000)
    cache = tmp_path / "cache"
    before = stamped_sha256(source, cache)
    source.write_bytes(b"nieuw" * 1000)
    status = source.stat()
    os.utime(source, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000))  # a later mtime, as a reinstall
    assert stamped_sha256(source, cache) == file_sha256(source) != before
    assert len(hashed) == 2


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"x": 5}'])
def test_a_damaged_stamp_file_only_costs_the_hash(tmp_path: Path, hashed: list[Path], content: str) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"gewichten")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / STAMPS).write_text(content, encoding="utf-8")
    assert stamped_sha256(source, cache) == file_sha256(source)
    assert len(hashed) == 1
