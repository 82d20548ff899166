"""Format sniffing, the text, Markdown and Word readers, and their wiring into source.py."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REALDOCS, SEEDS, needs_realdocs
from tests.core.test_readers_pdf import build_pdf, page_content
from tests.deadlines import time_limit
from vraagbaak.errors import ParseError
from vraagbaak.parsing import parse_document
from vraagbaak.parsing.readers import Format, read_bytes, sniff_format
from vraagbaak.parsing.readers import docx as docx_reader
from vraagbaak.parsing.readers.markdown import markdown_to_pages, read_markdown
from vraagbaak.parsing.source import content_hash, read_source, source_from_bytes


def parse_error(raw: bytes, name: str) -> str:
    with pytest.raises(ParseError) as caught:
        read_bytes(raw, name)
    message = str(caught.value)
    assert message.startswith(f"{name}: "), message
    return message


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Vraag 1")
    document.add_paragraph("Klopt het bericht?")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"cel {r}{c}"
    document.add_paragraph("Antwoord 1")
    document.add_paragraph("Ja.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# --- sniffing ---------------------------------------------------------------------------------


def test_sniff_goes_by_content_not_name() -> None:
    pdf = build_pdf([page_content([(72, 700, "Vraag 1")])])
    assert sniff_format(pdf, "notities.txt") is Format.PDF
    assert sniff_format(b"junk before\n" + pdf, "x.bin") is Format.PDF  # magic within the first KiB
    assert sniff_format(make_docx(), "brief.pdf.download") is Format.DOCX
    markdown = b"## Vraag 1\n**Klopt het?**[1 ]\n\n-----\n\nAntwoord\n"
    assert sniff_format(markdown, "export.txt") is Format.MARKDOWN
    assert sniff_format(b"Vraag 1\nKlopt het?\n", "notities.md") is Format.TEXT
    assert sniff_format(b"# Vraag 1\nKlopt het?\n", "notities.md") is Format.MARKDOWN  # the tie-breaker
    assert sniff_format(b"# Vraag 1\nKlopt het?\n", "notities.txt") is Format.TEXT
    for seed in sorted(SEEDS.glob("*.txt")):
        assert sniff_format(seed.read_bytes(), seed.name) is Format.TEXT


def test_sniff_refuses_containers_no_reader_takes() -> None:
    assert "not a Word document (no word/document.xml" in parse_error(zip_bytes({"a.txt": b"x"}), "archief.zip")
    assert "not a zip archive" in parse_error(b"Vraag 1\nKlopt het?\n", "brief.docx")
    assert "password-protected" in parse_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "geheim.docx")
    assert "no %PDF- header" in parse_error(b"Vraag 1\n", "brief.pdf")
    assert "corrupt or truncated zip" in parse_error(make_docx()[:300], "kapot.docx")


# --- text -------------------------------------------------------------------------------------


def test_text_keeps_the_utf8_rules() -> None:
    assert read_bytes("Één vraag\r\nover België?\n".encode(), "a.txt").text == "Één vraag\nover België?\n"
    assert "binary file (NUL bytes)" in parse_error(b"abc\x00def", "nul.txt")
    assert "not valid UTF-8 at byte 16" in parse_error("Vraag over België".encode("latin-1"), "latin1.txt")
    assert "file is empty" in parse_error(b"", "leeg.txt")
    assert "file is empty" in parse_error(b"  \n\n", "wit.txt")


def test_random_bytes_give_a_clear_error() -> None:
    rng = random.Random(0)
    for trial in range(20):
        message = parse_error(rng.randbytes(4096), f"ruis-{trial}.bin")
        assert "binary file" in message or "not valid UTF-8" in message


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_becomes_plain_text_with_page_breaks() -> None:
    markdown = (
        "## Tweede Kamer\n# 2\n\n**Vraag 1**\nKlopt het _bericht over de_ zaak in artikel?[1 ]\n"
        "Zie artikel 3[2] en [de site](https://example.nl/a_b_c) en snake_case_naam.\n\n"
        "1 https://example.nl/huisvesting_\nevacuees\n\n-----\n\n**Antwoord 1**\nJa.\n\n-----\n"
    )
    text, page_count, _ = read_markdown(markdown)
    assert text == (
        "Tweede Kamer\n2\n\nVraag 1\nKlopt het bericht over de zaak in artikel?1\n"
        "Zie artikel 32 en [de site](https://example.nl/a_b_c) en snake_case_naam.\n\n"
        "1 https://example.nl/huisvesting_\nevacuees\n\f\nAntwoord 1\nJa."
    )
    assert page_count == 2
    assert markdown_to_pages("Geen paginaregels\n--- maar een streep\n") == [
        ["Geen paginaregels", "--- maar een streep", ""]
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        "[" * 50_000,
        "x" * 10_000_000,
        "[1 " * 1_000_000,
        "_a " * 1_000_000,
        "**_" * 1_000_000,
        "#" * 1_000_000 + " kop",
    ],
    ids=["open-brackets", "10MB-line", "unclosed-refs", "underscores", "emphasis-soup", "hashes"],
)
def test_markdown_is_linear_on_hostile_input(hostile: str) -> None:
    with time_limit(20):
        text, _, _ = read_markdown(hostile + "\n**b**\n")
    assert text.endswith("\nb")


@needs_realdocs
def test_real_pymupdf4llm_markdown() -> None:
    path = REALDOCS / "learninglion__ah-tk-20222023-3382__pymupdf4llm.md.txt"
    extracted = read_bytes(path.read_bytes(), path.name)
    assert extracted.format is Format.MARKDOWN
    assert extracted.page_count == 4
    lines = extracted.text.split("\n")
    assert lines.count("\f") == 3
    assert "tussen Alkmaar en Amsterdam»?1" in lines
    assert "Vraag 1" in lines and "Antwoord 1" in lines
    assert not [line for line in lines if line.startswith(("#", "**")) or "**" in line or line == "-----"]
    assert "ISSN 0921 - 7398" not in lines and "ah-tk-20222023-3382" not in lines
    assert "ISSN 0921 - 7398" in extracted.furniture
    assert any(line.startswith("1 Noordhollands Dagblad") for line in lines)  # footnotes stay


# --- Word -------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_rows_in_body_order() -> None:
    extracted = read_bytes(make_docx(), "brief.docx")
    assert extracted.format is Format.DOCX
    assert extracted.page_count is None
    assert extracted.text == "Vraag 1\nKlopt het bericht?\n\ncel 00 | cel 01\ncel 10 | cel 11\nAntwoord 1\nJa."


def test_docx_footnotes_follow_the_body_numbered_as_cited() -> None:
    import docx
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    paragraph = document.add_paragraph("Klopt het bericht?")
    paragraph._p.append(parse_xml(f'<w:r {namespace}><w:footnoteReference w:id="7"/></w:r>'))
    paragraph.add_run(" En dit?")
    paragraph._p.append(parse_xml(f'<w:r {namespace}><w:footnoteReference w:id="3"/></w:r>'))
    notes = (
        f"<w:footnotes {namespace}>"
        '<w:footnote w:id="-1" w:type="separator"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="3"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t> Kamerstuk 36 180, nr. 2</w:t></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:id="7"><w:p><w:r><w:t>NOS, 1 mei 2024</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    ).encode()
    part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, notes, document.part.package)
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    out = io.BytesIO()
    document.save(out)
    text = read_bytes(out.getvalue(), "noten.docx").text
    assert text == "Klopt het bericht?1 En dit?2\n\n1 NOS, 1 mei 2024\n2 Kamerstuk 36 180, nr. 2"


def test_docx_zip_limits_are_checked_before_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = make_docx()
    monkeypatch.setattr(docx_reader, "MAX_XML_MEMBER_BYTES", 1000)
    assert "inflates to" in parse_error(raw, "groot.docx") and "per part" in parse_error(raw, "groot.docx")
    monkeypatch.setattr(docx_reader, "MAX_XML_MEMBER_BYTES", 10**9)
    monkeypatch.setattr(docx_reader, "MAX_TOTAL_BYTES", 5000)
    assert "zip bomb" in parse_error(raw, "bom.docx")
    monkeypatch.setattr(docx_reader, "MAX_MEMBERS", 3)
    assert "at most 3 are accepted" in parse_error(raw, "veel.docx")


def test_docx_real_zip_bombs_are_refused_quickly() -> None:
    bomb = zip_bytes({"word/document.xml": b"\x00" * (33 * 1024 * 1024)})
    with time_limit(20):
        assert "document.xml inflates to 33 MB; at most 32 MB" in parse_error(bomb, "bom.docx")
    bomb = zip_bytes({"word/document.xml": b"<x/>", "word/media/image1.png": b"\x00" * (101 * 1024 * 1024)})
    with time_limit(20):
        assert "image1.png inflates to 101 MB; at most 100 MB" in parse_error(bomb, "beeld.docx")


def test_docx_broken_or_hostile_xml_is_a_parse_error() -> None:
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document"}
    assert "corrupt Word document" in parse_error(zip_bytes(members), "kapot.docx")
    raw = make_docx()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["word/document.xml"] = b"<a>" * 100_000 + b"</a>" * 100_000
    with time_limit(20):
        assert "corrupt Word document" in parse_error(zip_bytes(parts), "diep.docx")
    parts["word/document.xml"] = b"<w:document><w:body><w:p>"
    assert "corrupt Word document" in parse_error(zip_bytes(parts), "afgebroken.docx")
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    parts["word/document.xml"] = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "lol">{laughs}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    with time_limit(20):
        assert "corrupt Word document" in parse_error(zip_bytes(parts), "lachen.docx")  # a billion laughs


def test_docx_encrypted_zip_member_is_refused() -> None:
    raw = bytearray(zip_bytes({"word/document.xml": b"<x/>"}))
    raw[6] |= 0x1  # local header flag
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 8] |= 0x1  # central directory flag: what zipfile's infolist reports
    assert "encrypted" in parse_error(bytes(raw), "geheim.docx")


# --- wiring into source.py --------------------------------------------------------------------


def test_read_source_and_source_from_bytes_use_the_readers(tmp_path: Path) -> None:
    raw = make_docx()
    path = tmp_path / "brief.docx"
    path.write_bytes(raw)
    source = read_source(path)
    assert source.doc_id == "brief"
    assert source.text.startswith("Vraag 1\nKlopt het bericht?")
    assert source.content_hash == content_hash(raw)
    upload = source_from_bytes(raw, "upload-7", "brief.docx")
    assert (upload.doc_id, upload.source_path, upload.text) == ("upload-7", "brief.docx", source.text)
    assert upload.content_hash == content_hash(raw)
    with pytest.raises(ParseError, match=r"^kapot\.pdf: "):
        source_from_bytes(b"%PDF-1.7\n", "x", "kapot.pdf")


def test_parse_document_takes_docx_and_markdown(tmp_path: Path) -> None:
    docx_path = tmp_path / "brief.docx"
    docx_path.write_bytes(make_docx())
    assert parse_document(docx_path).document.doc_id == "brief"
    md_path = tmp_path / "export.md"
    md_path.write_text("## Vraag 1\n**Klopt het?**\n\nAntwoord 1\nJa.\n", encoding="utf-8")
    assert parse_document(md_path).document.doc_id == "export"
