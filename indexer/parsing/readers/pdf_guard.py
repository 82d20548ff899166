"""Cheap checks on a PDF's raw bytes before PDFium sees them.

PDFium inflates a whole content stream into memory before it parses it, so one small
FlateDecode stream that inflates to gigabytes (a decompression bomb) costs gigabytes. Here
every Flate stream is inflated once, streaming and discarding the output, to measure it.
LZW and RunLength streams are not measured (rare, and bounded at 128x for RunLength); the
worker sandbox's memory limit is the backstop for those.
"""

from __future__ import annotations

import logging
import re
import zlib

from indexer.errors import ParseError

logger = logging.getLogger(__name__)

MAX_STREAM_BYTES = 128 * 1024 * 1024
MAX_TOTAL_STREAM_BYTES = 1024 * 1024 * 1024
MAX_STREAMS = 200_000
_MB = 1024 * 1024
_CHUNK = 1024 * 1024
_DICT_LOOKBACK = 4096
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)\b")
_EOF_WINDOW = 4096


def check_pdf_bytes(raw: bytes, name: str) -> None:
    """Raise ParseError for a truncated file or a stream that inflates past the limits."""
    if b"%%EOF" not in raw[-_EOF_WINDOW:]:
        raise ParseError(f"{name}: the PDF is truncated or corrupt (no %%EOF end marker); download it again")
    total = 0
    for count, match in enumerate(_STREAM_START.finditer(raw), start=1):
        if count > MAX_STREAMS:
            raise ParseError(f"{name}: the PDF has more than {MAX_STREAMS} streams; refusing to read it")
        head = raw[max(0, match.start() - _DICT_LOOKBACK) : match.start()]
        head = head[head.rfind(b" obj") + 1 :] if b" obj" in head else head
        if not _FLATE.search(head):
            continue
        size = _inflated_size(raw, match.end(), MAX_STREAM_BYTES)
        if size > MAX_STREAM_BYTES:
            raise ParseError(
                f"{name}: a compressed stream inflates to more than {MAX_STREAM_BYTES // _MB} MB "
                "(decompression bomb?); refusing to read it"
            )
        total += size
        if total > MAX_TOTAL_STREAM_BYTES:
            raise ParseError(
                f"{name}: the compressed streams inflate to more than {MAX_TOTAL_STREAM_BYTES // _MB} MB in all "
                "(decompression bomb?); refusing to read it"
            )


def _inflated_size(raw: bytes, start: int, limit: int) -> int:
    """Bytes the zlib stream at `start` inflates to, counted up to just past `limit`.

    A broken stream counts what inflated before the damage, as PDFium would.
    """
    inflater = zlib.decompressobj()
    size = 0
    position = start
    try:
        while position < len(raw) and not inflater.eof and size <= limit:
            pending = raw[position : position + _CHUNK]
            position += len(pending)
            # After the end of the zlib data CPython keeps the rest in `unconsumed_tail` too, so
            # stop on `eof`, not on an empty tail, or a stream longer than a chunk never ends.
            while pending and size <= limit and not inflater.eof:
                size += len(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
    except zlib.error:
        pass
    return size
