"""The line record every parsing step passes along.

Steps drop or rewrite lines but keep each line's raw index, so pages and
warnings can always point back to a line of the source file.
"""

from __future__ import annotations

from dataclasses import dataclass

_CLOSING_QUOTES = ")’”\"'"


@dataclass(frozen=True, slots=True)
class Line:
    """One source line; `page_break` marks where page furniture was removed."""

    index: int
    text: str
    page_break: bool = False

    @property
    def blank(self) -> bool:
        return not self.page_break and not self.text.strip()

    @property
    def stripped(self) -> str:
        return self.text.strip()

    def with_text(self, text: str) -> Line:
        return Line(index=self.index, text=text, page_break=self.page_break)


def split_lines(text: str) -> list[Line]:
    return [Line(index=i, text=t.rstrip("\r")) for i, t in enumerate(text.split("\n"))]


def page_break(index: int) -> Line:
    return Line(index=index, text="", page_break=True)


def ends_question(text: str) -> bool:
    """The text ends in "?", give or take whitespace and closing quotes, and no "/", "=" or "&"
    stands right before that "?".

    Stripped from the end instead of searched with a regex: a pattern ending in
    `\\s*[quotes]*\\s*$` backtracks through every split of a long run of spaces after a "?".
    """
    head = text.rstrip().rstrip(_CLOSING_QUOTES).rstrip()
    return head.endswith("?") and not head[:-1].endswith(("/", "=", "&"))


def content_lines(lines: list[Line]) -> list[Line]:
    """Lines with text, without blank lines and page-break markers."""
    return [line for line in lines if line.stripped and not line.page_break]
