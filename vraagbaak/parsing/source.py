"""Reading raw document bytes into text.

The raw bytes stay the source of truth: `content_hash` pins them, so any
cleaned text can be traced back to the file it came from. Which reader a
file needs (PDF, Word, Markdown, text) is decided by `readers.read_bytes`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from vraagbaak.errors import ParseError
from vraagbaak.parsing.readers import read_bytes
from vraagbaak.parsing.readers.text import decode_bytes

__all__ = ["SourceText", "content_hash", "decode_bytes", "read_source", "source_from_bytes", "source_from_text"]

logger = logging.getLogger(__name__)

_BINARY_SAMPLE = 8192


@dataclass(frozen=True)
class SourceText:
    """Decoded text of one document together with what identifies its bytes."""

    doc_id: str
    text: str
    source_path: str
    content_hash: str
    furniture: tuple[str, ...] = ()  # running lines a reader removed (PDF footers still name the kamerstuk)


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_source(path: Path) -> SourceText:
    """Read `path` (PDF, DOCX, Markdown or text); every failure becomes a ParseError naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    extracted = read_bytes(raw, str(path))
    return SourceText(
        doc_id=path.stem,
        text=extracted.text,
        source_path=str(path),
        content_hash=content_hash(raw),
        furniture=extracted.furniture,
    )


def source_from_bytes(raw: bytes, doc_id: str, name: str) -> SourceText:
    """The same record for an uploaded file: `name` (the upload's file name) picks nothing but ties
    and names the file in errors; the hash is over the raw bytes, as for a file on disk."""
    extracted = read_bytes(raw, name)
    return SourceText(
        doc_id=doc_id,
        text=extracted.text,
        source_path=name,
        content_hash=content_hash(raw),
        furniture=extracted.furniture,
    )


def source_from_text(text: str, doc_id: str, source_path: str = "") -> SourceText:
    """The same record for uploaded text that has no file; hashed as UTF-8."""
    if not text.strip():
        raise ParseError(f"{doc_id}: document text is empty")
    if "\x00" in text[:_BINARY_SAMPLE]:
        raise ParseError(f"{doc_id}: looks like binary content (NUL characters); expected plain text")
    raw = text.encode("utf-8")
    return SourceText(doc_id=doc_id, text=text, source_path=source_path, content_hash=content_hash(raw))
