"""`vraagbaak parse` over a folder of hostile files and one good document: every bad file refused by
name, the good one parsed, no traceback, bounded (issue 19's acceptance run).

The hostile files are made here; the good document is a real development PDF when
../shared/realdocs is there, else a seed. Time and peak memory are printed (`pytest -s`); the test
asserts behaviour and the memory bound the parse worker enforces, not a speed.
"""

from __future__ import annotations

import io
import json
import random
import resource
import shutil
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS
from tests.core.test_readers_pdf import build_pdf, flate_stream, text_pages
from tests.subprocesses import run_checked

GOOD_PDF = REPO.parent / "shared" / "realdocs" / "docs" / "learninglion__ah-tk-20232024-1178__original.pdf"


def _docx_inflating_to(size: int) -> bytes:
    """A zip whose word/document.xml inflates to `size` bytes of zeros (about 1 MB on disk per GB)."""
    out = io.BytesIO()
    chunk = b"\x00" * (64 * 1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def _hostile_files() -> dict[str, bytes]:
    nested = b"BT /F1 11 Tf 72 700 Td " + b"[" * 200_000 + b"(x)" + b"]" * 200_000 + b" TJ ET"
    drawing = b"q 0 0 1 rg 72 72 400 600 re f Q"
    encrypt = b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >> /ID [<%s> <%s>] " % (
        b"11" * 32,
        b"22" * 32,
        b"33" * 16,
        b"33" * 16,
    )
    whole = build_pdf(text_pages(3))
    return {
        "leeg.txt": b"",
        "ruis.txt": random.Random(3).randbytes(200_000),
        "scan.pdf": build_pdf([drawing, drawing]),
        "geheim.pdf": build_pdf(text_pages(1), trailer_extra=encrypt),
        "afgebroken.pdf": whole[: len(whole) // 2],
        "leeg20000.pdf": build_pdf([b""] * 20_000),
        "genest.pdf": build_pdf([nested]),
        "bom.pdf": build_pdf([flate_stream(b"", (b"\x00" * (16 << 20) for _ in range(16)))], raw_streams=True),
        "bom.docx": _docx_inflating_to(1 << 30),
        "geenzip.docx": b"Dit is geen zip-bestand maar platte tekst.\n" * 50,
    }


@pytest.mark.slow
def test_a_folder_of_hostile_files_and_one_good_document(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, raw in _hostile_files().items():
        (folder / name).write_bytes(raw)
    (folder / "haken.md").write_text("[" * 50_000 + "\n", encoding="utf-8")
    good = GOOD_PDF if GOOD_PDF.is_file() else SEEDS / "002_e3bd35554880f1b2.txt"
    shutil.copy(good, folder / f"goed{good.suffix}")
    out = tmp_path / "units.jsonl"

    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = run_checked(
        [sys.executable, "-m", "vraagbaak.cli", "parse", str(folder), "--out", str(out)],
        cwd=REPO,
        timeout=600,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak_mib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"\nhostile run: {seconds:.1f} s, peak child RSS {peak_mib:.0f} MiB\n{done.stderr}")

    assert "Traceback" not in done.stderr
    for name in _hostile_files():
        assert f"{name}: " in done.stderr, f"{name} is not named in stderr"
    units = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {unit["document"]["doc_id"] for unit in units} <= {"goed", "haken"}
    assert sum(unit["document"]["doc_id"] == "goed" for unit in units) >= 9
    assert peak_mib < 3 * 1024
