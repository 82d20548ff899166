"""Cheap checks on a PDF's raw bytes before PDFium sees them.

PDFium inflates a whole content stream into memory and then builds an object for every text
or path operator in it (measured: 16 MB of "(x) Tj" took 1.5 GB, 100 MB took 8 GB and 35 s).
So every FlateDecode or unfiltered stream is measured first, inflating it once while
discarding the output. Content-like streams (page and form contents, everything that is not an
image or a font program) may be 8 MB each and 256 MB together; images and fonts, which
PDFium does not decode for text, 128 MB each; everything together 1 GB.

Not measured: LZW, RunLength and ASCII-filtered streams (rare; RunLength expands at most 128x),
and a content stream whose dictionary claims to be an image. The worker sandbox's memory limit
is the backstop for those.
"""

from __future__ import annotations

import logging
import re
import zlib

from vraagbaak.errors import ParseError

logger = logging.getLogger(__name__)

MAX_CONTENT_STREAM_BYTES = 8 * 1024 * 1024
MAX_CONTENT_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RESOURCE_STREAM_BYTES = 128 * 1024 * 1024
MAX_TOTAL_STREAM_BYTES = 1024 * 1024 * 1024
MAX_STREAMS = 200_000
_MB = 1024 * 1024
_CHUNK = 1024 * 1024
_DICT_LOOKBACK = 4096
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)\b")
_FILTER = re.compile(rb"/Filter\b")
_RESOURCE = re.compile(rb"/Subtype\s*/(?:Image|Type1C|CIDFontType0C|OpenType)\b|/Length[123]\b")
_EOF_WINDOW = 4096
_BOMB = "(decompression bomb, or a page too heavy to read); refusing it"


def check_pdf_bytes(raw: bytes, name: str) -> None:
    """Raise ParseError for a truncated file or a stream that inflates past the limits."""
    if b"%%EOF" not in raw[-_EOF_WINDOW:]:
        raise ParseError(f"{name}: the PDF is truncated or corrupt (no %%EOF end marker); download it again")
    total = content_total = 0
    for count, match in enumerate(_STREAM_START.finditer(raw), start=1):
        if count > MAX_STREAMS:
            raise ParseError(f"{name}: the PDF has more than {MAX_STREAMS} streams; refusing to read it")
        head = raw[max(0, match.start() - _DICT_LOOKBACK) : match.start()]
        head = head[head.rfind(b" obj") + 1 :] if b" obj" in head else head
        resource = bool(_RESOURCE.search(head))
        limit = MAX_RESOURCE_STREAM_BYTES if resource else MAX_CONTENT_STREAM_BYTES
        if _FLATE.search(head):
            size = _inflated_size(raw, match.end(), limit)
        elif not _FILTER.search(head):
            end = raw.find(b"endstream", match.end())
            size = (end if end >= 0 else len(raw)) - match.end()
        else:
            continue
        if size > limit:
            kind = "an image or font stream" if resource else "a page content stream"
            raise ParseError(f"{name}: {kind} inflates to more than {limit // _MB} MB {_BOMB}")
        total += size
        content_total += 0 if resource else size
        if content_total > MAX_CONTENT_TOTAL_BYTES or total > MAX_TOTAL_STREAM_BYTES:
            raise ParseError(f"{name}: the PDF's streams inflate to more than the limits in all {_BOMB}")


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
