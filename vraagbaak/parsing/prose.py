"""Prose documents (policy notes, letters, reports) cut into passages.

Sections are found by their headings: a short group of lines at the start
of a paragraph, without closing punctuation, followed by a blank line or a
new paragraph. Lines that only look like one are left as text: a sentence
cut by a page or column break (it ends in "voor", or the text resumes in
lower case), a table row, an indented caption. Each section's text is then split by paragraphs into
passages of at most `passage_tokens` model tokens with
langchain-text-splitters, and every passage keeps its section title.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vraagbaak.parsing.assembly import Context, render_text
from vraagbaak.parsing.joining import join_lines
from vraagbaak.parsing.lines import Line
from vraagbaak.text.windows import token_splitter
from vraagbaak.units import Unit, prose_unit_id

if TYPE_CHECKING:  # the serving process imports this package but only an upload splits text (issue 29)
    from langchain_text_splitters import RecursiveCharacterTextSplitter

logger = logging.getLogger(__name__)

LengthFunction = Callable[[str], int]

DEFAULT_PASSAGE_TOKENS = 350
"""Longest prose passage, in model tokens: well inside the model's window with its prompt."""

_HEADING_MAX_CHARS = 90
_HEADING_MAX_LINES = 4
_TERMINAL = (".", ",", ";", ":", "!", "?")
_SENTENCE_END = (".", "!", "?", ":")
_GROUP_STOP = (".", ",", ";", "!", "?")
_BULLET = re.compile(r"^\s*[•\-–*▪◦]\s")
_INDENTED = re.compile(r"^ {3,}\S")  # sidebar captions and quote attributions, never headings
_TABLE_ROW = re.compile(r"\d[\d.,]*\s+\d[\d.,]*\s*%?\s*$")
_SENTENCE_INSIDE = re.compile(r"[.!?]\s+[A-Z]")
# A line ending in one of these was cut off by a column or page break: it is no heading.
_DANGLING = frozenset(
    {"de", "het", "een", "en", "of", "voor", "van", "in", "op", "met", "te", "om", "die", "dat", "aan", "bij"}
    | {"tot", "naar", "over", "uit", "door", "als", "zoals", "dan", "maar"}
)
_MAX_MERGED_HEADINGS = 2
_TOKEN = re.compile(r"\w+|[^\w\s]")


def approximate_tokens(text: str) -> int:
    """Deterministic stand-in for a subword tokenizer's count.

    Each word or punctuation mark counts one token, and a long word one more
    per six characters beyond the first six: Dutch compounds split into
    several subword pieces. It lands near multilingual-e5's count for Dutch
    prose; pass the real tokenizer's counter where exact sizes matter.
    """
    tokens = _TOKEN.findall(text)
    return len(tokens) + sum((len(t) - 1) // 6 for t in tokens)  # (len - 1) // 6 == ceil((len - 6) / 6), >= 0


@dataclass
class Section:
    title: str | None
    lines: list[Line] = field(default_factory=list)
    merged: int = 0  # headings that make up the title

    @property
    def empty(self) -> bool:
        return not any(line.stripped for line in self.lines)


def _starts_paragraph(lines: list[Line], pos: int) -> bool:
    previous = lines[pos - 1] if pos > 0 else None
    return previous is None or previous.blank or previous.page_break or previous.text.rstrip().endswith(_SENTENCE_END)


def _heading_at(lines: list[Line], pos: int, width: int) -> int:
    """Number of lines of the heading starting at `pos`, or 0."""
    first = lines[pos].stripped
    if not first or not (first[0].isupper() or first[0].isdigit()) or _BULLET.match(first):
        return 0
    if _INDENTED.match(lines[pos].text):
        return 0
    if re.match(r"^\d+\s", first) or not _starts_paragraph(lines, pos):
        return 0
    end = pos + 1
    while end < len(lines) and end - pos < _HEADING_MAX_LINES:
        nxt, last = lines[end], lines[end - 1].text.rstrip()
        if not nxt.stripped or nxt.page_break or _BULLET.match(nxt.text) or last.endswith(_GROUP_STOP):
            break
        if not (nxt.stripped[0].islower() or len(nxt.stripped) < 0.6 * width):
            break
        end += 1
    group = [line.stripped for line in lines[pos:end]]
    text = " ".join(group)
    if len(text) > _HEADING_MAX_CHARS or text.endswith(_TERMINAL) or not _reads_as_heading(text):
        return 0
    following = _next_text(lines, end)
    if following[:1].islower() or len(group[-1]) >= width:  # a sentence cut by a page break
        return 0
    followed_by_gap = end >= len(lines) or not lines[end].stripped or lines[end].page_break
    if not followed_by_gap and (len(group[-1]) >= 0.8 * width or not following[:1].isupper()):
        return 0
    return end - pos


def _next_text(lines: list[Line], start: int) -> str:
    """The first line with text at or after `start`, walked by index: slicing off the rest of the
    document for every heading candidate made long documents quadratic."""
    for pos in range(start, len(lines)):
        if text := lines[pos].stripped:
            return text
    return ""


def _reads_as_heading(text: str) -> bool:
    """Not a sentence fragment ("... cruciaal voor"), two sentences, or a table row ("OS 84 115 125")."""
    last = text.rsplit(None, 1)[-1].lower()
    return last not in _DANGLING and not _SENTENCE_INSIDE.search(text) and not _TABLE_ROW.search(text)


def find_sections(lines: list[Line], width: int) -> list[Section]:
    """Lines grouped under the heading they follow.

    Two consecutive headings merge ("Hoofdstuk 3 — Nederlandse oplossingen");
    a longer run of short lines is a list (a map legend of countries) and
    stays text under the first two.
    """
    sections = [Section(title=None)]
    pos = 0
    in_list = False
    while pos < len(lines):
        size = _heading_at(lines, pos, width)
        current = sections[-1]
        if size and (in_list or (current.empty and current.merged >= _MAX_MERGED_HEADINGS)):
            in_list = True
            current.lines.extend(lines[pos : pos + size])
            pos += size
        elif size:
            title = re.sub(r"\s+", " ", " ".join(line.stripped for line in lines[pos : pos + size]))
            if current.empty and current.title:
                current.title = f"{current.title} — {title}"
                current.merged += 1
            elif current.empty:
                current.title, current.merged = title, 1
            else:
                sections.append(Section(title=title, merged=1))
            pos += size
        else:
            current.lines.append(lines[pos])
            in_list = in_list and not lines[pos].stripped
            pos += 1
    return sections


PASSAGE_SEPARATORS = ("\n", ". ", "; ", ", ", " ", "")
"""Where a prose passage may be cut: its lines are already joined into paragraphs, so no blank lines."""


def _splitter(passage_tokens: int, length_function: LengthFunction) -> RecursiveCharacterTextSplitter:
    return token_splitter(passage_tokens, 0, length_function, separators=PASSAGE_SEPARATORS)


def build_units(
    lines: list[Line], ctx: Context, *, passage_tokens: int, length_function: LengthFunction
) -> tuple[list[Unit], list[str], str | None]:
    """Passages with their section titles, warnings, and the heading the document opens with."""
    sections = find_sections(lines, ctx.width)
    splitter = _splitter(passage_tokens, length_function)
    units: list[Unit] = []
    warnings = [f"section '{s.title}' has no text" for s in sections if s.empty and s.title]
    for section in sections:
        # A heading can cite a footnote too ("Tabel: ... BHOS-nota70,71"): its notes go with every passage.
        title = render_text(section.title, ctx) if section.title else None
        text = join_lines([line.text for line in section.lines if not line.page_break], ctx.vocab, ctx.width)
        for chunk in splitter.split_text(text):
            passage = render_text(chunk, ctx)
            if not passage.text:
                continue
            n = len(units) + 1
            units.append(
                Unit(
                    unit_id=prose_unit_id(ctx.doc_id, n),
                    doc_id=ctx.doc_id,
                    number=None,
                    answer=passage.text,
                    section=title.text if title else None,
                    page=ctx.page_of(section.lines),
                    footnotes={**(title.footnotes if title else {}), **passage.footnotes},
                )
            )
    first = sections[0].title
    return units, warnings, render_text(first, ctx).text if first else None
