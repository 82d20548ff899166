"""Word documents (.docx) through python-docx, with the zip checked before anything is inflated.

Output: body paragraphs and table rows in document order, one line each (a row's cells joined
with " | "), then the footnotes as "n text" lines, numbered in the order the body cites them.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

from vraagbaak.errors import ParseError

logger = logging.getLogger(__name__)

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 100 * 1024 * 1024
# lxml holds a parsed part at ~16x its size (95 MB of document.xml: 1.6 GB, 8 s); 32 MB of XML
# is already thousands of pages.
MAX_XML_MEMBER_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
_MB = 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FOOTNOTES_PART = "/word/footnotes.xml"
_CELL_SEPARATOR = " | "


def check_archive(raw: bytes, name: str) -> None:
    """Refuse what would be unsafe or pointless to open, using only the zip's directory.

    The declared sizes are binding: Python's zipfile stops at `file_size` and fails the CRC
    check if a member inflates to more, so checking them bounds memory before any inflation.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        logger.info("%s: zipfile: %s: %s", name, type(exc).__name__, exc)  # the library's words: the log only
        raise ParseError(f"{name}: not a valid zip archive, so not a readable Word document") from exc
    if len(members) > MAX_MEMBERS:
        raise ParseError(f"{name}: the Word archive has {len(members)} files; at most {MAX_MEMBERS} are accepted")
    if any(member.flag_bits & 0x1 for member in members):
        raise ParseError(f"{name}: the Word archive is encrypted (password-protected); remove the password first")
    if not any(member.filename == "word/document.xml" for member in members):
        raise ParseError(f"{name}: a zip archive but not a Word document (no word/document.xml inside)")
    for member in members:
        limit = MAX_XML_MEMBER_BYTES if member.filename.endswith((".xml", ".rels")) else MAX_MEMBER_BYTES
        if member.file_size > limit:
            raise ParseError(
                f"{name}: {member.filename} inflates to {member.file_size // _MB} MB; "
                f"at most {limit // _MB} MB per part is accepted (zip bomb?)"
            )
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_BYTES:
        raise ParseError(
            f"{name}: the Word archive inflates to {total // _MB} MB; at most {MAX_TOTAL_BYTES // _MB} MB "
            "is accepted (zip bomb?)"
        )


def read_docx(raw: bytes, name: str) -> str:
    """Plain text of a .docx; every failure is a ParseError naming the file."""
    check_archive(raw, name)
    import docx  # heavy (lxml); only when a Word file arrives

    try:
        document = docx.Document(io.BytesIO(raw))
        footnote_ids: dict[str, int] = {}
        lines = list(_block_lines(document.element.body, footnote_ids))
        notes = _footnote_lines(document, footnote_ids)
    except ParseError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds for a broken package
        logger.info("%s: python-docx: %s: %s", name, type(exc).__name__, exc)
        raise ParseError(f"{name}: a corrupt Word document (its parts cannot be read)") from exc
    if notes:
        lines.extend(["", *notes])
    logger.debug("%s: %d lines, %d footnotes", name, len(lines), len(notes))
    return "\n".join(lines)


def _block_lines(container: Any, footnote_ids: dict[str, int]) -> Iterator[str]:
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            yield _paragraph_text(child, footnote_ids)
        elif child.tag == f"{_W}tbl":
            for row in child.iterchildren(f"{_W}tr"):
                yield _CELL_SEPARATOR.join(_cell_text(cell, footnote_ids) for cell in row.iterchildren(f"{_W}tc"))
        elif child.tag == f"{_W}sdt":  # a content control wraps ordinary paragraphs and tables
            for content in child.iterchildren(f"{_W}sdtContent"):
                yield from _block_lines(content, footnote_ids)


def _cell_text(cell: Any, footnote_ids: dict[str, int]) -> str:
    """A cell on one line: its paragraphs (and nested tables' rows) joined by spaces."""
    parts = (line.strip() for line in _block_lines(cell, footnote_ids))
    return " ".join(part.replace("\n", " ") for part in parts if part)


def _paragraph_text(paragraph: Any, footnote_ids: dict[str, int]) -> str:
    pieces: list[str] = []
    for node in paragraph.iter():
        tag = node.tag
        if tag == f"{_W}t":
            pieces.append(node.text or "")
        elif tag == f"{_W}tab":
            pieces.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            pieces.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            pieces.append("-")
        elif tag == f"{_W}footnoteReference":
            note_id = node.get(f"{_W}id", "")
            pieces.append(str(footnote_ids.setdefault(note_id, len(footnote_ids) + 1)))
    return "".join(pieces)


def _footnote_lines(document: Any, footnote_ids: dict[str, int]) -> list[str]:
    """ "n text" for each footnote the body cites; python-docx has no API, so read the part."""
    if not footnote_ids:
        return []
    from docx.oxml import parse_xml  # python-docx's parser: no entity expansion, no network

    part = next((p for p in document.part.package.iter_parts() if str(p.partname) == _FOOTNOTES_PART), None)
    if part is None:
        return []
    texts: dict[str, str] = {}
    for note in parse_xml(part.blob).iterchildren(f"{_W}footnote"):
        paragraphs = (_paragraph_text(p, {}) for p in note.iter(f"{_W}p"))
        texts[note.get(f"{_W}id", "")] = " ".join(p.strip() for p in paragraphs if p.strip())
    ordered = sorted(footnote_ids.items(), key=lambda item: item[1])
    return [f"{number} {texts[note_id]}" for note_id, number in ordered if texts.get(note_id)]
