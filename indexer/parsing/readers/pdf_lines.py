"""Lines of a PDF page rebuilt from PDFium's characters and their boxes.

PDFium's own line breaks go wrong in two ways that matter here: it breaks after a raised
footnote marker ("wetgeving3" / ". Deze") and it runs small-print footnotes into one line
("standards 11 10 miljoen"). So its generated line breaks are ignored and a new line starts
where a character no longer overlaps the current line's vertical band, where the text jumps
back left, or across a gap wide enough to be another column. Characters stay in PDFium's
(content-stream) order; only the breaks are decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

_SAME_LINE_OVERLAP = 0.5  # of the smaller height: a raised "3" still overlaps its line this much
_COLUMN_GAP = 3.0  # in character heights; word spaces are well under one
_BACKWARD = 1.0  # in character heights: a jump this far left starts a new line
# PDFium marks a hyphen it thinks ends a line as U+FFFE (older builds: U+0002); it is a printed "-".
HYPHEN_MARKS = {"\ufffe": "-", "\x02": "-"}


@dataclass
class PageLine:
    """One rebuilt line: its text and vertical extent in PDF points (y grows upwards)."""

    text: str
    bottom: float
    top: float


@dataclass
class _Open:
    chars: list[str]
    bottom: float
    top: float
    right: float


def build_lines(chars: str, boxes: list[tuple[float, float, float, float] | None]) -> list[PageLine]:
    """Lines from characters and their loose boxes (left, bottom, right, top; None: no geometry).

    Boxes are needed only for the first and last character of each word: a line may break
    only between words, and the gap rules compare a word's start with the previous word's end.
    """
    lines: list[PageLine] = []
    current: _Open | None = None
    word_start = True
    for char, box in zip(chars, boxes, strict=True):
        if char.isspace():
            word_start = True
            if char not in "\r\n" and current is not None:
                current.chars.append(char)
            continue
        starts_word, word_start = word_start, char in HYPHEN_MARKS  # "doorbre-" | "ken": a line may break there
        char = HYPHEN_MARKS.get(char, char)
        if ord(char) < 32 or char in "\ufeff\uffff":
            continue
        if box is None or box[3] - box[1] <= 0:
            if current is not None:
                current.chars.append(char)
            continue
        left, bottom, right, top = box
        if current is None or _starts_new_line(current, left, bottom, top, gap_rules=starts_word):
            if current is not None:
                lines.append(_close(current))
            current = _Open([char], bottom, top, right)
            continue
        current.chars.append(char)
        current.bottom, current.top = min(current.bottom, bottom), max(current.top, top)
        current.right = max(current.right, right)
    if current is not None:
        lines.append(_close(current))
    return [line for line in lines if line.text]


def _starts_new_line(line: _Open, left: float, bottom: float, top: float, *, gap_rules: bool) -> bool:
    height = top - bottom
    band = line.top - line.bottom
    overlap = min(line.top, top) - max(line.bottom, bottom)
    if overlap < _SAME_LINE_OVERLAP * min(height, band):
        return True
    if not gap_rules:
        return False
    return left < line.right - _BACKWARD * height or left - line.right > _COLUMN_GAP * height


def _close(line: _Open) -> PageLine:
    return PageLine(text="".join(line.chars).strip(), bottom=line.bottom, top=line.top)


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
