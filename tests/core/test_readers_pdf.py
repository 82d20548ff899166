"""The PDF reader: real development PDFs read cleanly, hostile PDFs fail fast with a clear ParseError.

Each hostile file is made here by the small PDF writer below and read in a child process under
a memory limit and a generous timeout, so a hang or a blow-up fails the test, not the test run.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.conftest import REALDOCS, REPO, needs_realdocs
from tests.deadlines import time_limit
from vraagbaak.errors import ParseError
from vraagbaak.parsing import parse_document
from vraagbaak.parsing.readers import Format, read_bytes

# --- a tiny PDF writer: hand-made files, so no document is copied into the repository ---------
Line = tuple[float, float, str]  # x, y (points from the bottom), text
_PAGE_SIZE = b"[0 0 595 842]"


def page_content(lines: Iterable[Line], size: float = 10) -> bytes:
    """A content stream showing each line in Helvetica at its position."""
    ops = [b"BT /F1 %.1f Tf" % size]
    for x, y, text in lines:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"1 0 0 1 %.1f %.1f Tm (%s) Tj" % (x, y, escaped.encode("cp1252")))
    ops.append(b"ET")
    return b"\n".join(ops)


def flate_stream(dictionary: bytes, chunks: Iterable[bytes]) -> bytes:
    """A FlateDecode stream object body compressed chunk by chunk (a bomb never sits in memory)."""
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(chunk) for chunk in chunks) + compressor.flush()
    return b"<< %s /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def plain_stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def build_pdf(contents: list[bytes], *, trailer_extra: bytes = b"", raw_streams: bool = False) -> bytes:
    """A PDF with one page per content stream (given plain, or as ready stream objects)."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    kids = []
    number = 4
    for content in contents:
        objects[number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (_PAGE_SIZE, number + 1)
        )
        objects[number + 1] = content if raw_streams else plain_stream(content)
        kids.append(b"%d 0 R" % number)
        number += 2
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(contents))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for key in sorted(objects):
        offsets[key] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (key, objects[key])
    start = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[key] for key in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer_extra, start)
    return bytes(out)


DEV_PDFS = {
    "1178": 5,
    "1292": 3,
    "1999": 1,
    "2313": 5,
    "2367": 3,
}
CHILD_TIMEOUT_S = 60
CHILD_MEMORY_BYTES = 2 * 1024**3


def dev_pdf(number: str) -> Path:
    return REALDOCS / f"learninglion__ah-tk-20232024-{number}__original.pdf"


def read_in_child(path: Path) -> dict[str, str]:
    """read_bytes on `path` in a child under RLIMIT_AS: {"error": message} or {"format": ..., "chars": ...}."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from vraagbaak.errors import ParseError\n"
        "from vraagbaak.parsing.readers import read_bytes\n"
        "p = Path(sys.argv[1])\n"
        "try:\n"
        "    e = read_bytes(p.read_bytes(), p.name)\n"
        "    print(json.dumps({'format': e.format.value, 'chars': str(len(e.text))}))\n"
        "except ParseError as exc:\n"
        "    print(json.dumps({'error': str(exc)}))\n"
    )

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))

    completed = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        timeout=CHILD_TIMEOUT_S,
        cwd=REPO,
        preexec_fn=limit_memory,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")[-3000:]
    result: dict[str, str] = json.loads(completed.stdout)
    return result


def hostile_error(tmp_path: Path, name: str, raw: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(raw)
    result = read_in_child(path)
    assert "error" in result, f"{name} was read without error: {result}"
    assert result["error"].startswith(name), result["error"]
    return result["error"]


def text_pages(count: int) -> list[bytes]:
    return [page_content([(72, 760, f"Vraag {k}"), (72, 746, "Klopt het bericht?")]) for k in range(1, count + 1)]


# --- real development PDFs -------------------------------------------------------------------


@needs_realdocs
@pytest.mark.parametrize("number", sorted(DEV_PDFS))
def test_dev_pdf_reads_pages_questions_and_answers(number: str) -> None:
    path = dev_pdf(number)
    extracted = read_bytes(path.read_bytes(), path.name)
    assert extracted.format is Format.PDF
    assert extracted.page_count == DEV_PDFS[number]
    assert extracted.text.count("\f") == DEV_PDFS[number] - 1
    lines = extracted.text.split("\n")
    assert [line for line in lines if "\f" in line] == ["\f"] * (DEV_PDFS[number] - 1)
    assert "Vraag 1" in lines
    answer = "Mededeling" if number == "1999" else "Antwoord 1"  # 1999 answers by a letter: a notice, no answers
    assert any(line.startswith(answer) for line in lines)


@needs_realdocs
@pytest.mark.parametrize("number", sorted(DEV_PDFS))
def test_dev_pdf_furniture_is_removed_and_kept_aside(number: str) -> None:
    path = dev_pdf(number)
    extracted = read_bytes(path.read_bytes(), path.name)
    lines = [line.strip() for line in extracted.text.split("\n")]
    assert f"ah-tk-20232024-{number}" not in lines
    assert "ISSN 0921 - 7398" not in lines
    assert not [line for line in lines if line.startswith(("’s-Gravenhage", "Tweede Kamer, vergaderjaar"))]
    assert not [line for line in lines if line.isdigit() and len(line) <= 2]
    assert f"ah-tk-20232024-{number}" in extracted.furniture
    assert "Tweede Kamer, vergaderjaar 2023–2024, Aanhangsel" in extracted.furniture


@needs_realdocs
def test_dev_pdf_keeps_footnotes_hyphens_and_raised_markers() -> None:
    path = dev_pdf("1178")
    pages = read_bytes(path.read_bytes(), path.name).text.split("\n\f\n")
    second = pages[1].split("\n")
    assert second[0].startswith("voorgekomen. Daarom")  # page 2 starts with page 2's text
    assert "5 NIS directive 2; onder andere art 21 (2)." in second  # a footnote stays, on its own line
    assert "van de genoemde Amerikaanse wetgeving3. Deze wetgeving geeft de" in second  # raised "3" in its line
    first = pages[0].split("\n")
    cut = first.index("Bent u bekend met het risico dat quantumcomputing encryptie zal doorbre-")
    assert first[cut + 1].startswith("ken en daarmee")  # hyphenation as printed, for downstream to join
    fourth = pages[3].split("\n")
    assert "10 CWI involved in two primary Post-Quantum Cryptography standards" in fourth  # not run together


@needs_realdocs
def test_parse_document_reads_a_pdf(tmp_path: Path) -> None:
    parsed = parse_document(dev_pdf("1292"))
    assert parsed.document.doc_id == dev_pdf("1292").stem
    assert parsed.units


# --- layout furniture on a made PDF ----------------------------------------------------------


def test_running_header_footer_and_page_numbers_go_but_footnotes_stay() -> None:
    pages = [
        page_content(
            [
                (72, 800, "Vertrouwelijk concept"),
                (72, 700, f"Vraag {k}"),
                (72, 686, "Wat is er aan de hand?"),
                (72, 672, f"Antwoord {k}"),
                (72, 658, "Niets bijzonders."),
                (72, 80, f"{k} https://example.nl/bron-{k}"),
                (72, 40, "Eindrapport Vraagbaak, versie 2 - 12 maart 2024"),
                (500, 40, f"- {k} -"),
            ]
        )
        for k in (1, 2, 3)
    ]
    extracted = read_bytes(build_pdf(pages), "rapport.pdf")
    assert extracted.text.split("\n\f\n") == [
        f"Vraag {k}\nWat is er aan de hand?\nAntwoord {k}\nNiets bijzonders.\n{k} https://example.nl/bron-{k}"
        for k in (1, 2, 3)
    ]
    assert extracted.furniture == ("Vertrouwelijk concept", "Eindrapport Vraagbaak, versie 2 - 12 maart 2024")


def test_numbered_content_at_the_top_of_pages_is_not_a_running_header() -> None:
    pages = [
        page_content(
            [
                (72, 800, f"Vraag {k}"),
                (72, 786, "Klopt het bericht?"),
                (72, 772, f"Antwoord {k}"),
                (72, 758, "Ja."),
                (72, 40, f"Kamerbrief over het bericht, bladzijde {page} van 3"),
            ]
        )
        for page, k in ((1, 3), (2, 7), (3, 12))
    ]
    extracted = read_bytes(build_pdf(pages), "vragen.pdf")
    assert [page.split("\n")[0] for page in extracted.text.split("\n\f\n")] == ["Vraag 3", "Vraag 7", "Vraag 12"]
    assert "bladzijde" not in extracted.text
    assert extracted.furniture == ("Kamerbrief over het bericht, bladzijde 1 van 3",)


def test_large_ordinary_streams_are_measured_and_read() -> None:
    """A stream that inflates past the guard's 1 MB reading chunk, with bytes after its end."""
    drawing = b"0 0 m 100 100 l S\n" * 150_000  # 2.7 MB of line art
    lines = b"\n".join(b"1 0 0 1 72 %d Tm (Regel %d van de tekst) Tj" % (800 - i * 14, i) for i in range(50))
    content = flate_stream(b"", [drawing, b"BT /F1 10 Tf\n", lines, b"\nET"])
    with time_limit(20):
        extracted = read_bytes(build_pdf([content], raw_streams=True), "groot.pdf")
    assert "Regel 49 van de tekst" in extracted.text


# --- hostile PDFs ----------------------------------------------------------------------------


def test_nested_arrays_in_content_stream_fail_cleanly(tmp_path: Path) -> None:
    depth = 200_000
    content = b"BT /F1 11 Tf 72 700 Td " + b"[" * depth + b"(x)" + b"]" * depth + b" TJ ET"
    message = hostile_error(tmp_path, "genest.pdf", build_pdf([content]))
    assert "no text layer" in message


def test_decompression_bomb_is_refused_before_pdfium(tmp_path: Path) -> None:
    chunk = b"\x00" * (16 * 1024 * 1024)
    bomb = flate_stream(b"", (chunk for _ in range(16)))  # 256 MB of content from a ~250 kB file
    message = hostile_error(tmp_path, "bom.pdf", build_pdf([bomb], raw_streams=True))
    assert "decompression bomb" in message


def test_dense_content_stream_is_refused_before_pdfium(tmp_path: Path) -> None:
    # 16 MB of text operators: PDFium would build 2.4 million text objects (1.5 GB) for it.
    dense = flate_stream(b"", [b"BT /F1 1 Tf ", b"(x) Tj " * (16 * 1024 * 1024 // 7), b" ET"])
    message = hostile_error(tmp_path, "zwaar.pdf", build_pdf([dense], raw_streams=True))
    assert "page content stream inflates to more than 8 MB" in message


def test_twenty_thousand_empty_pages_hit_the_page_cap(tmp_path: Path) -> None:
    message = hostile_error(tmp_path, "leeg.pdf", build_pdf([b""] * 20_000))
    assert "20000 pages" in message and "5000" in message


def test_thousands_of_empty_pages_stop_early_as_no_text(tmp_path: Path) -> None:
    message = hostile_error(tmp_path, "blanco.pdf", build_pdf([b""] * 4_000))
    assert "no text layer in its first 20 page(s)" in message


def test_encrypted_pdf_is_named_as_encrypted(tmp_path: Path) -> None:
    encrypt = b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >> /ID [<%s> <%s>] " % (
        b"11" * 32,
        b"22" * 32,
        b"33" * 16,
        b"33" * 16,
    )
    message = hostile_error(tmp_path, "geheim.pdf", build_pdf(text_pages(1), trailer_extra=encrypt))
    assert "encrypted" in message and "password" in message


def test_pypdf_encrypted_pdf_is_named_as_encrypted(tmp_path: Path) -> None:
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(build_pdf(text_pages(2))))
    writer.encrypt(user_password="geheim", owner_password="eigenaar", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    assert "encrypted" in hostile_error(tmp_path, "aes.pdf", out.getvalue())


@pytest.mark.parametrize("keep", [0.4, 0.9])
def test_truncated_pdf_says_truncated(tmp_path: Path, keep: float) -> None:
    raw = build_pdf(text_pages(3))
    message = hostile_error(tmp_path, "afgebroken.pdf", raw[: int(len(raw) * keep)])
    assert "truncated" in message


def test_image_only_pdf_says_ocr_is_not_supported(tmp_path: Path) -> None:
    drawing = b"q 0 0 1 rg 72 72 400 600 re f Q"
    message = hostile_error(tmp_path, "scan.pdf", build_pdf([drawing, drawing]))
    assert "no text layer" in message and "OCR is not supported" in message


def test_pdf_header_then_garbage_is_corrupt(tmp_path: Path) -> None:
    raw = b"%PDF-1.7\n" + random.Random(1).randbytes(5000) + b"\n%%EOF\n"
    assert "corrupt" in hostile_error(tmp_path, "kapot.pdf", raw)


def test_damaged_pdfs_raise_only_parse_errors() -> None:
    raw = build_pdf(text_pages(3))
    rng = random.Random(7)
    for trial in range(60):
        damaged = bytearray(raw)
        for _ in range(rng.randint(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            read_bytes(bytes(damaged), f"beschadigd-{trial}.pdf")
        except ParseError as exc:
            assert str(exc).startswith(f"beschadigd-{trial}.pdf: ")
