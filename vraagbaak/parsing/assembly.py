"""Turning a span of cleaned lines into the text and citations of one unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from vraagbaak.parsing.joining import Vocabulary, join_lines
from vraagbaak.parsing.lines import Line
from vraagbaak.parsing.markers import pop_markers


@dataclass(frozen=True)
class Context:
    """What every unit of one document is rendered with."""

    doc_id: str
    notes: dict[int, str]
    vocab: Vocabulary
    width: int
    pages: dict[int, int] = field(default_factory=dict)

    def page_of(self, lines: list[Line]) -> int | None:
        first = next((line for line in lines if line.stripped), None)
        return self.pages.get(first.index) if first else None


@dataclass(frozen=True)
class Rendered:
    text: str
    footnotes: dict[int, str]


def render(lines: list[Line], ctx: Context) -> Rendered:
    """Joined, de-hyphenated text of `lines`, with the footnotes its markers cite."""
    text = join_lines([line.text for line in lines if not line.page_break], ctx.vocab, ctx.width)
    return render_text(text, ctx)


def render_text(text: str, ctx: Context) -> Rendered:
    """Lift the footnote sentinels out of already joined text."""
    clean, numbers = pop_markers(text)
    return Rendered(text=clean, footnotes={n: ctx.notes[n] for n in numbers if n in ctx.notes})
