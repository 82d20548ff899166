"""Which reader a file needs, decided by its content; the extension only breaks ties."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import PurePath

from vraagbaak.errors import ParseError
from vraagbaak.parsing.readers.base import Format

logger = logging.getLogger(__name__)

_PDF_MAGIC = b"%PDF-"
_PDF_MAGIC_WINDOW = 1024  # readers accept the header anywhere in the first KiB, after junk
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc, and every password-protected Office file
_DOCX_MAIN = "word/document.xml"
_MARKDOWN_SAMPLE = 65536

# Signs of pymupdf4llm-style Markdown, each matched per line (bounded patterns, no backtracking).
_HEADING = re.compile(rb"^#{1,6} \S", re.MULTILINE)
_BOLD = re.compile(rb"\*\*\S")
_PAGE_RULE = re.compile(rb"^-{5,}\s*$", re.MULTILINE)
_FOOTNOTE_REF = re.compile(rb"\S\[\d{1,4} ?\](?!\()")
_MARKDOWN_EXTENSIONS = {".md", ".markdown"}


def sniff_format(raw: bytes, name: str) -> Format:
    """The format of `raw`, by content first; raises ParseError for containers no reader takes."""
    suffix = PurePath(name).suffix.lower()
    if _PDF_MAGIC in raw[:_PDF_MAGIC_WINDOW]:
        return Format.PDF
    if raw.startswith(_ZIP_MAGICS):
        return _sniff_zip(raw, name)
    if raw.startswith(_OLE2_MAGIC):
        raise ParseError(
            f"{name}: a password-protected Office file or a legacy Word 97-2003 .doc; "
            "remove the password or save it as .docx"
        )
    if suffix == ".docx":
        raise ParseError(f"{name}: has a .docx name but is not a zip archive, so not a Word document (corrupt?)")
    if suffix == ".pdf":
        raise ParseError(f"{name}: has a .pdf name but no %PDF- header in its first {_PDF_MAGIC_WINDOW} bytes")
    return Format.MARKDOWN if looks_like_markdown(raw, suffix) else Format.TEXT


def _sniff_zip(raw: bytes, name: str) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        logger.info("%s: zipfile: %s: %s", name, type(exc).__name__, exc)  # the library's words: the log only
        raise ParseError(f"{name}: a corrupt or truncated zip archive") from exc
    if _DOCX_MAIN not in names:
        raise ParseError(f"{name}: a zip archive but not a Word document (no {_DOCX_MAIN} inside)")
    return Format.DOCX


def looks_like_markdown(raw: bytes, suffix: str = "") -> bool:
    """Two kinds of Markdown sign in the head (one for a .md file) make it Markdown."""
    sample = raw[:_MARKDOWN_SAMPLE]
    kinds = sum(1 for pattern in (_HEADING, _BOLD, _PAGE_RULE, _FOOTNOTE_REF) if pattern.search(sample))
    needed = 1 if suffix in _MARKDOWN_EXTENSIONS else 2
    logger.debug("markdown signs: %d kinds (need %d)", kinds, needed)
    return kinds >= needed
