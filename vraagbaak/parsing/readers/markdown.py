"""Markdown as pymupdf4llm writes it, turned into the text a PDF extraction would give.

Every step is a single pass over a line with bounded look-around, so the time is linear in
the input however hostile it is (no regex that can backtrack over a line).
"""

from __future__ import annotations

import logging
import re

from vraagbaak.parsing.readers.base import join_pages
from vraagbaak.parsing.readers.furniture import remove_by_order

logger = logging.getLogger(__name__)

_MIN_PAGE_RULE = 5  # pymupdf4llm writes "-----" between pages; a "---" rule is content
_MAX_HEADING_LEVEL = 6
# "artikel?[1 ]" -> "artikel?1". Bounded: at most 4 digits and one space, never a link "[1](...)".
_FOOTNOTE_REF = re.compile(r"\[(\d{1,4}) ?\](?!\()")


def markdown_to_pages(markdown: str) -> list[list[str]]:
    """The plain-text lines of each page; a document without page rules is one page."""
    pages: list[list[str]] = [[]]
    for line in markdown.split("\n"):
        if _is_page_rule(line):
            pages.append([])
        else:
            pages[-1].append(_plain_line(line))
    while len(pages) > 1 and not "".join(pages[-1]).strip():  # the rule after the last page
        pages.pop()
    while len(pages) > 1 and not "".join(pages[0]).strip():
        pages.pop(0)
    return pages


def read_markdown(markdown: str) -> tuple[str, int | None, tuple[str, ...]]:
    """Text with "\\f" page lines and furniture removed, page count (None without rules), furniture."""
    pages, furniture = remove_by_order(markdown_to_pages(markdown))
    return join_pages(["\n".join(lines) for lines in pages]), (len(pages) if len(pages) > 1 else None), furniture


def _is_page_rule(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= _MIN_PAGE_RULE and not stripped.strip("-")


def _plain_line(line: str) -> str:
    line = _drop_heading_mark(line)
    line = line.replace("**", "")
    line = _drop_underscore_emphasis(line)
    return _FOOTNOTE_REF.sub(r"\1", line)


def _drop_heading_mark(line: str) -> str:
    level = len(line) - len(line.lstrip("#"))
    if 1 <= level <= _MAX_HEADING_LEVEL and (len(line) == level or line[level] == " "):
        return line[level + 1 :]
    return line


def _drop_underscore_emphasis(line: str) -> str:
    """Drop "_" pairs that open at a word start and close at a word end ("_italic tekst_").

    An unpaired "_" (a URL cut at a line end, "snake_case") stays. Pairing is one left-to-right
    pass: an opener waits for the next closer.
    """
    if "_" not in line:
        return line
    drop: set[int] = set()
    opener = -1
    last = len(line) - 1
    for i, char in enumerate(line):
        if char != "_":
            continue
        before = line[i - 1] if i > 0 else " "
        after = line[i + 1] if i < last else " "
        if opener >= 0 and not before.isspace() and not after.isalnum():
            drop.update((opener, i))
            opener = -1
        elif not before.isalnum() and before != "_" and not after.isspace() and after != "_":
            opener = i
    return "".join(char for i, char in enumerate(line) if i not in drop) if drop else line
