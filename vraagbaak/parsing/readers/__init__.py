"""Format readers: raw bytes of a PDF, Word, Markdown or text file in, plain text out.

`read_bytes` is the one entry point. It decides the format by content (`sniff_format`),
runs that format's reader and turns every failure into a ParseError whose message starts
with the file's name. The text contract for the rest of the parser: UTF-8, lines separated
by "\\n", pages (PDF, pymupdf4llm Markdown) separated by a "\\f" line, page furniture gone,
footnote lines and hyphenation left as printed.
"""

from __future__ import annotations

import logging

from vraagbaak.errors import ParseError
from vraagbaak.parsing.readers.base import PAGE_BREAK, Extracted, Format
from vraagbaak.parsing.readers.sniff import sniff_format
from vraagbaak.parsing.readers.text import decode_bytes, normalise_newlines

logger = logging.getLogger(__name__)

__all__ = ["PAGE_BREAK", "Extracted", "Format", "read_bytes", "sniff_format"]


def read_bytes(raw: bytes, name: str) -> Extracted:
    """The text of `raw`; raises only ParseError, its message starting with `name`."""
    try:
        return _read(raw, name)
    except ParseError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise ParseError(f"{name}: the file is too large or too deeply nested to read") from exc
    except Exception as exc:  # a reader's library failing in a way nobody foresaw is still a bad file
        logger.warning("%s: unexpected %s from a reader", name, type(exc).__name__, exc_info=True)
        raise ParseError(f"{name}: could not be read (a damaged or unusual file)") from exc


def _read(raw: bytes, name: str) -> Extracted:
    if not raw:
        raise ParseError(f"{name}: file is empty")
    kind = sniff_format(raw, name)
    logger.debug("%s: read as %s", name, kind)
    if kind is Format.PDF:
        from vraagbaak.parsing.readers.pdf import read_pdf

        return read_pdf(raw, name)
    if kind is Format.DOCX:
        from vraagbaak.parsing.readers.docx import read_docx

        return _checked(read_docx(raw, name), kind, None, name)
    text = normalise_newlines(decode_bytes(raw, name))
    if kind is Format.MARKDOWN:
        from vraagbaak.parsing.readers.markdown import read_markdown

        markdown, page_count, furniture = read_markdown(text)
        return _checked(markdown, kind, page_count, name, furniture)
    return Extracted(text=text, format=kind, page_count=None)


def _checked(text: str, kind: Format, page_count: int | None, name: str, furniture: tuple[str, ...] = ()) -> Extracted:
    if not text.replace(PAGE_BREAK, "").strip():
        raise ParseError(f"{name}: the {kind} file holds no text")
    return Extracted(text=text, format=kind, page_count=page_count, furniture=furniture)
