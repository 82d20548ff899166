"""Ingestion front of the core: document files in, `ParsedDocument`s out.

`parse_document` reads one file, `parse_text` parses an upload that has no
file, `parse_paths` takes files and folders and keeps going past bad files.
Malformed content becomes warnings on `Document.warnings`; only input that
cannot be read as text at all raises `ParseError`. A document that reads as
questions and answers in a layout the parser does not know is indexed as
prose with a warning: `layout_not_recognised` tells such documents apart,
so callers can count them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from vraagbaak.errors import ParseError
from vraagbaak.parsing.detection import detect_kind
from vraagbaak.parsing.pipeline import parse_source
from vraagbaak.parsing.prose import DEFAULT_PASSAGE_TOKENS, approximate_tokens
from vraagbaak.parsing.recognition import LAYOUT_NOT_RECOGNISED, count_layout_not_recognised, layout_not_recognised
from vraagbaak.parsing.source import read_source, source_from_text
from vraagbaak.units import ParsedDocument

if TYPE_CHECKING:
    from vraagbaak.parsing.isolation import ParseLimits

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_PASSAGE_TOKENS",
    "DOCUMENT_SUFFIXES",
    "LAYOUT_NOT_RECOGNISED",
    "approximate_tokens",
    "count_layout_not_recognised",
    "detect_kind",
    "layout_not_recognised",
    "parse_document",
    "parse_paths",
    "parse_text",
]


def parse_text(
    text: str,
    doc_id: str,
    source_path: str = "",
    *,
    passage_tokens: int = DEFAULT_PASSAGE_TOKENS,
    length_function: Callable[[str], int] | None = None,
) -> ParsedDocument:
    """Parse text that has no file (an upload); the content hash is over its UTF-8 bytes."""
    source = source_from_text(text, doc_id, source_path)
    return parse_source(source, passage_tokens=passage_tokens, length_function=length_function or approximate_tokens)


def parse_document(
    path: Path,
    *,
    passage_tokens: int = DEFAULT_PASSAGE_TOKENS,
    length_function: Callable[[str], int] | None = None,
) -> ParsedDocument:
    """Parse one file; `doc_id` is its stem.

    `length_function` measures prose passage size in model tokens; the default
    is `approximate_tokens`, a deterministic stand-in for a tokenizer.
    Raises ParseError, naming the file, for unreadable, empty, binary or
    non-UTF-8 input.
    """
    source = read_source(Path(path))
    return parse_source(source, passage_tokens=passage_tokens, length_function=length_function or approximate_tokens)


DOCUMENT_SUFFIXES = (".pdf", ".docx", ".md", ".txt")


def _expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders give their documents of every readable format, sorted."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES))
        else:
            files.append(path)
    return files


def parse_paths(
    paths: Iterable[Path],
    *,
    passage_tokens: int = DEFAULT_PASSAGE_TOKENS,
    length_function: Callable[[str], int] | None = None,
    limits: ParseLimits | None = None,
) -> tuple[list[ParsedDocument], list[tuple[Path, str]]]:
    """Parse files, and the documents of folders (sorted); failures are returned, not raised.

    With `limits`, every file is parsed in one worker process under them
    (`vraagbaak.parsing.isolation`): a file that runs out of time or memory, or
    crashes the parser, is a failure like any other and the run goes on;
    `length_function` must then pickle (`vraagbaak.model.tokens.length_function_for`).
    Without, files are parsed in this process: for trusted files only.
    """
    files = _expand(paths)
    parsed: list[ParsedDocument] = []
    failures: list[tuple[Path, str]] = []
    with contextlib.ExitStack() as stack:
        if limits is None:

            def parse(path: Path) -> ParsedDocument:
                return parse_document(path, passage_tokens=passage_tokens, length_function=length_function)

        else:
            from vraagbaak.parsing.isolation import ParseWorker

            worker = stack.enter_context(ParseWorker(limits))

            def parse(path: Path) -> ParsedDocument:
                return worker.parse_file(path, passage_tokens=passage_tokens, length_function=length_function)

        for path in files:
            try:
                parsed.append(parse(path))
            except ParseError as exc:
                logger.error("%s", exc)
                failures.append((path, str(exc)))
    return parsed, failures
