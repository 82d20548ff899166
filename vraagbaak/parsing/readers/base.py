"""What every reader returns: the format it read and the plain text it found."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PAGE_BREAK = "\f"
"""Between two pages' text, on a line of its own, so downstream can count pages."""


class Format(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    MARKDOWN = "markdown"
    TEXT = "text"


@dataclass(frozen=True)
class Extracted:
    """Plain UTF-8 text with "\\n" line ends; PDF and Markdown pages are separated by a "\\f" line.

    `furniture` keeps the running header/footer lines a reader removed (the first of each,
    digits aside, in page order; no bare page numbers), because a footer such as "Tweede
    Kamer, vergaderjaar 2023–2024, 36 180, nr. 164" is still the best place to read a
    kamerstuk number from.
    """

    text: str
    format: Format
    page_count: int | None
    furniture: tuple[str, ...] = ()


def join_pages(pages: list[str]) -> str:
    """Pages' text with the page-break line between each two, never at the ends."""
    return f"\n{PAGE_BREAK}\n".join(page.strip("\n") for page in pages)
