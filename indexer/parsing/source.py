"""Reading raw document bytes into text.

The raw bytes stay the source of truth: `content_hash` pins them, so any
cleaned text can be traced back to the file it came from.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import ParseError

logger = logging.getLogger(__name__)

_BINARY_SAMPLE = 8192


@dataclass(frozen=True)
class SourceText:
    """Decoded text of one document together with what identifies its bytes."""

    doc_id: str
    text: str
    source_path: str
    content_hash: str


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def decode_bytes(raw: bytes, name: str) -> str:
    """UTF-8 text of `raw`, refusing binary, non-UTF-8 and empty input by name."""
    if b"\x00" in raw[:_BINARY_SAMPLE]:
        raise ParseError(f"{name}: looks like a binary file (NUL bytes); expected UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{name}: not valid UTF-8 at byte {exc.start}") from exc
    if not text.strip():
        raise ParseError(f"{name}: file is empty")
    return text


def read_source(path: Path) -> SourceText:
    """Read and decode `path`; every failure becomes a ParseError naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    text = decode_bytes(raw, str(path))
    return SourceText(doc_id=path.stem, text=text, source_path=str(path), content_hash=content_hash(raw))


def source_from_text(text: str, doc_id: str, source_path: str = "") -> SourceText:
    """The same record for uploaded text that has no file; hashed as UTF-8."""
    if not text.strip():
        raise ParseError(f"{doc_id}: document text is empty")
    if "\x00" in text[:_BINARY_SAMPLE]:
        raise ParseError(f"{doc_id}: looks like binary content (NUL characters); expected plain text")
    raw = text.encode("utf-8")
    return SourceText(doc_id=doc_id, text=text, source_path=source_path, content_hash=content_hash(raw))
