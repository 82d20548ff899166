"""Plain text: UTF-8 only, refusing binary, non-UTF-8 and empty input by name."""

from __future__ import annotations

from vraagbaak.errors import ParseError

_BINARY_SAMPLE = 8192


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


def normalise_newlines(text: str) -> str:
    """Turn "\\r\\n" and lone "\\r" into "\\n": every reader hands the parser the same line contract."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
