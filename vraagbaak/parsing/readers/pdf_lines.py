"""Lines of a PDF page rebuilt from PDFium's characters and their boxes.

PDFium's own line breaks go wrong in two ways that matter here: it breaks after a raised
footnote marker ("wetgeving3" / ". Deze") and it runs small-print footnotes into one line
("standards 11 10 miljoen"). So its generated line breaks are ignored and a new line starts
where a word no longer overlaps the current line's vertical band, where the text jumps back
left, or across a gap wide enough to be another column. Characters stay in PDFium's
(content-stream) order; only the breaks are decided here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points

_SAME_LINE_OVERLAP = 0.5  # of the smaller height: a raised "3" still overlaps its line this much
_COLUMN_GAP = 3.0  # in character heights; word spaces are well under one
_BACKWARD = 1.0  # in character heights: a jump this far left starts a new line
_SPACE_GAP = 0.2  # in character heights: words PDFium split by a line break but set a space apart
# PDFium marks a hyphen it thinks ends a line as U+FFFE (older builds: U+0002); it is a printed "-".
HYPHEN_MARKS = {"\ufffe": "-", "\x02": "-"}
# A word is a run without whitespace; a hyphen mark is a word of its own, so a line may end after it.
WORD = re.compile(r"[^\s\ufffe\x02]+|[\ufffe\x02]")
_UNPRINTABLE = str.maketrans(dict.fromkeys([*range(0x09), *range(0x0B, 0x20), 0xFEFF, 0xFFFF]))


@dataclass
class PageLine:
    """One rebuilt line: its text and vertical extent in PDF points (y grows upwards)."""

    text: str
    bottom: float
    top: float


@dataclass
class _Open:
    parts: list[str]
    bottom: float
    top: float
    right: float


def word_edges(chars: str) -> list[int]:
    """Indices whose boxes `build_lines` needs: each word's first and last character."""
    edges: list[int] = []
    for match in WORD.finditer(chars):
        edges.append(match.start())
        if match.end() - 1 > match.start():
            edges.append(match.end() - 1)
    return edges


def build_lines(chars: str, boxes: dict[int, Box]) -> list[PageLine]:
    """Lines from characters and the loose boxes of each word's first and last character.

    A line breaks only between words: the first character decides (vertical overlap always, the
    gap rules only after whitespace), the last one carries the line's right edge onwards.
    """
    lines: list[PageLine] = []
    current: _Open | None = None
    previous_end = 0
    for match in WORD.finditer(chars):
        start, end = match.span()
        separator = chars[previous_end:start]
        previous_end = end
        text = HYPHEN_MARKS.get(match.group(), match.group()).translate(_UNPRINTABLE)
        first, last = boxes.get(start), boxes.get(end - 1, boxes.get(start))
        if not text:
            continue
        if first is None or first[3] - first[1] <= 0:
            if current is not None:
                current.parts.append(_spacing(separator) + text)
            continue
        left, bottom, _, top = first
        if current is None or _starts_new_line(current, left, bottom, top, after_space=bool(separator)):
            if current is not None:
                lines.append(_close(current))
            current = _Open([text], bottom, top, first[2])
        else:
            gap_space = separator and not _spacing(separator) and left - current.right > _SPACE_GAP * (top - bottom)
            current.parts.append((" " if gap_space else _spacing(separator)) + text)
            current.bottom, current.top = min(current.bottom, bottom), max(current.top, top)
        current.right = last[2] if last is not None and last[3] - last[1] > 0 else first[2]
    if current is not None:
        lines.append(_close(current))
    return [line for line in lines if line.text]


def _spacing(separator: str) -> str:
    """The whitespace between two words on one line: PDFium's line breaks dropped, the rest kept."""
    return separator.replace("\r", "").replace("\n", "")


def _starts_new_line(line: _Open, left: float, bottom: float, top: float, *, after_space: bool) -> bool:
    height = top - bottom
    band = line.top - line.bottom
    overlap = min(line.top, top) - max(line.bottom, bottom)
    if overlap < _SAME_LINE_OVERLAP * min(height, band):
        return True
    if not after_space:
        return False
    return left < line.right - _BACKWARD * height or left - line.right > _COLUMN_GAP * height


def _close(line: _Open) -> PageLine:
    return PageLine(text="".join(line.parts).strip(), bottom=line.bottom, top=line.top)


def edge_lines(lines: list[PageLine], most: int = 5) -> tuple[list[int], list[int]]:
    """Indices of the lines nearest the top and the bottom edge, at most `most` each.

    Only lines set apart from the body count: the block ends at the first vertical gap
    wider than twice the page's usual line pitch and must be smaller than what lies beyond
    it, so a page full of text, or a short one, gives just its outermost line at each edge.
    """
    if not lines:
        return [], []
    order = sorted(range(len(lines)), key=lambda i: -lines[i].top)
    pitch = _usual_pitch([lines[i] for i in order])
    top = _block(order, lines, pitch, most, downwards=True)
    bottom = _block(list(reversed(order)), lines, pitch, most, downwards=False)
    return top, bottom


def _usual_pitch(ordered: list[PageLine]) -> float:
    gaps = sorted(a.bottom - b.bottom for a, b in pairwise(ordered) if a.bottom > b.bottom)
    return gaps[len(gaps) // 4] if gaps else 0.0  # lower quartile: a short page's few big gaps do not count


def _block(order: list[int], lines: list[PageLine], pitch: float, most: int, *, downwards: bool) -> list[int]:
    """The first lines of `order` up to a wide gap, if fewer than the lines beyond it; else the edge line."""
    for size in range(1, min(most, len(order) - 1) + 1):
        outer, inner = lines[order[size - 1]], lines[order[size]]
        gap = outer.bottom - inner.bottom if downwards else inner.bottom - outer.bottom
        if pitch and gap > 2 * pitch:
            return order[:size] if size < len(order) - size else order[:1]
    return order[:1]
