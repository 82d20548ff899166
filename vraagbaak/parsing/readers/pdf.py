"""PDF text through PDFium (pypdfium2), bounded against hostile files.

Chosen over pdfplumber/pdfminer.six and pypdf on the development PDFs (docs/pdf-readers.md):
as clean a text as pdfplumber at over ten times its speed, in C++ that caps object nesting
itself. PyMuPDF is AGPL-3.0 and so not an option for us.

Output: each page's lines in content order, running headers/footers and page numbers removed
(see furniture.py), pages separated by a "\\f" line. Hyphenation is left as printed.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from typing import Any

from vraagbaak.errors import ParseError
from vraagbaak.parsing.readers.base import Extracted, Format, join_pages
from vraagbaak.parsing.readers.furniture import EdgeLine, distinct_lines, find_furniture
from vraagbaak.parsing.readers.pdf_guard import check_pdf_bytes
from vraagbaak.parsing.readers.pdf_lines import Box, PageLine, build_lines, edge_lines, word_edges

logger = logging.getLogger(__name__)

MAX_PAGES = 5_000
NO_TEXT_PROBE_PAGES = 20
MAX_TEXT_CHARS = 20_000_000
MAX_PAGE_CHARS = 200_000  # a dense A4 page holds about 5,000; the cap bounds time per page
MAX_SECONDS = 120.0
# PDFium is not thread-safe; the service parses uploads on a thread pool.
_PDFIUM_LOCK = threading.Lock()
_ERR_PASSWORD = 4


def read_pdf(raw: bytes, name: str) -> Extracted:
    """Text of a PDF; every failure is a ParseError that names the file and says what is wrong."""
    check_pdf_bytes(raw, name)
    import pypdfium2 as pdfium  # native library: only when a PDF arrives

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(raw)
        except pdfium.PdfiumError as exc:
            raise _load_error(exc, name) from exc
        try:
            pages = _read_pages(document, name)
        except ParseError:
            raise
        except Exception as exc:  # pypdfium2 raises PdfiumError, ctypes errors, ValueError
            logger.info("%s: pypdfium2: %s: %s", name, type(exc).__name__, exc)  # the library's words: the log only
            raise ParseError(f"{name}: the PDF's pages cannot be read (damaged or unusual)") from exc
        finally:
            document.close()
    edges: list[EdgeLine] = []
    for number, lines in enumerate(pages):
        top, bottom = edge_lines(lines)
        edges.extend(EdgeLine(page=number, key=i, text=lines[i].text) for i in {*top, *bottom})
    furniture = find_furniture(edges, page_count=len(pages))
    texts = [
        "\n".join(line.text for i, line in enumerate(lines) if (number, i) not in furniture)
        for number, lines in enumerate(pages)
    ]
    removed = distinct_lines(pages[n][i].text for n, i in sorted(furniture))
    logger.debug("%s: %d pages, %d furniture lines removed", name, len(pages), len(furniture))
    return Extracted(text=join_pages(texts), format=Format.PDF, page_count=len(pages), furniture=removed)


def _load_error(exc: Exception, name: str) -> ParseError:
    code = getattr(exc, "err_code", None)
    if code == _ERR_PASSWORD or "password" in str(exc).lower():
        return ParseError(f"{name}: the PDF is encrypted (password-protected); remove the password first")
    logger.info("%s: pypdfium2: %s", name, exc)  # the library's words: the log only
    return ParseError(f"{name}: a corrupt or truncated PDF that cannot be opened")


def _read_pages(document: Any, name: str) -> list[list[PageLine]]:
    page_count = len(document)
    if page_count == 0:
        raise ParseError(f"{name}: the PDF has no pages")
    if page_count > MAX_PAGES:
        raise ParseError(f"{name}: the PDF has {page_count} pages; at most {MAX_PAGES} are accepted")
    started = time.monotonic()
    pages: list[list[PageLine]] = []
    total = 0
    for number in range(page_count):
        lines = _page_lines(document, number, name)
        total += sum(len(line.text) for line in lines)
        pages.append(lines)
        if number + 1 == min(NO_TEXT_PROBE_PAGES, page_count) and total == 0:
            raise ParseError(
                f"{name}: the PDF has no text layer in its first {number + 1} page(s) (scanned or image-only?); "
                "OCR is not supported"
            )
        if total > MAX_TEXT_CHARS:
            raise ParseError(f"{name}: the PDF holds more than {MAX_TEXT_CHARS} characters of text; refusing it")
        if time.monotonic() - started > MAX_SECONDS:
            raise ParseError(f"{name}: reading the PDF took over {MAX_SECONDS:.0f} s (stopped at page {number + 1})")
    return pages


def _page_lines(document: Any, number: int, name: str) -> list[PageLine]:
    import pypdfium2.raw as pdfium_c

    page = document[number]
    try:
        textpage = page.get_textpage()
        try:
            count = pdfium_c.FPDFText_CountChars(textpage)
            if count > MAX_PAGE_CHARS:
                raise ParseError(f"{name}: page {number + 1} holds {count} characters; at most {MAX_PAGE_CHARS}")
            chars = textpage.get_text_range() if count > 0 else ""
            if len(chars) != count:  # text and character indices disagree: boxes cannot be matched, use PDFium's lines
                return [PageLine(text=t.strip(), bottom=0.0, top=0.0) for t in _fallback_lines(chars)]
            return build_lines(chars, _loose_boxes(textpage, chars))
        finally:
            textpage.close()
    finally:
        page.close()


def _loose_boxes(textpage: Any, chars: str) -> dict[int, Box]:
    """Loose boxes of each word's first and last character: lines break only between words,
    and skipping the characters inside words saves most of the ctypes calls."""
    import pypdfium2.raw as pdfium_c

    rect = pdfium_c.FS_RECTF()
    pointer = ctypes.byref(rect)
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    boxes: dict[int, Box] = {}
    for index in word_edges(chars):
        if loose_box(textpage, index, pointer):
            boxes[index] = (rect.left, rect.bottom, rect.right, rect.top)
    return boxes


def _fallback_lines(chars: str) -> list[str]:
    text = chars.replace("\ufffe", "-\n").replace("\x02", "-\n")
    return [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
