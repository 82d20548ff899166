"""Page furniture: running footers, page numbers and site navigation.

Furniture lines are dropped; where a page footer was, a page-break marker
line is left, because a footer is the one reliable sign of a page end and
the page number it prints is what a citation needs.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from vraagbaak.parsing.lines import Line, page_break

logger = logging.getLogger(__name__)

_NAVIGATION = re.compile(r"^\s*(?:\[[^\]\n]{1,40}\]\s*){2,}$")
_PAGE_OF = re.compile(r"(?<![\d/])(\d{1,4})\s*/\s*(\d{1,4})\s*$")
_CHAMBER_FOOTER = re.compile(r"^\s*(?:Tweede|Eerste) Kamer, vergaderjaar \d{4}\s*[–-]\s*\d{4}, .{1,40}\bnr\. \d+\s*$")
_BARE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
# "13 14": the page column ("Blz. (van) t/m") of a list of questions, left alone on a line.
_PAGE_COLUMN = re.compile(r"^\s*\d{1,4}(?:\s+\d{1,4}){1,2}\s*$")
_PHOTO_CREDIT = re.compile(r"^\s*Foto(?::\s|\s+[^\s.!?]{1,30}\s*$)")
_CREDIT_OPEN = re.compile(r"(?:/|\bvan)\s*$")  # "Foto: Ministerie van" / "Buitenlandse Zaken /" go on


@dataclass
class Layout:
    """Lines without furniture, and the page each footer closes (by break line index)."""

    lines: list[Line]
    footer_pages: dict[int, int] = field(default_factory=dict)
    page_count: int | None = None


def _page_footers(lines: list[Line]) -> dict[int, tuple[int, int]]:
    """Line index -> (page, of) for lines ending in "k/N" with one shared N."""
    hits = {line.index: (int(m.group(1)), int(m.group(2))) for line in lines if (m := _PAGE_OF.search(line.text))}
    totals = Counter(total for page, total in hits.values() if 0 < page <= total)
    if not totals:
        return {}
    total, count = totals.most_common(1)[0]
    if count < 2 and len(lines) > 200:  # one stray "3/4" in a long text is not a footer
        return {}
    return {i: hit for i, hit in hits.items() if hit[1] == total and 0 < hit[0] <= total}


def _footer_companions(lines: list[Line], footers: dict[int, tuple[int, int]]) -> set[int]:
    """Footer lines wrapped onto two lines: the identical line before each footer."""
    by_index = {line.index: pos for pos, line in enumerate(lines)}
    before: dict[str, list[int]] = {}
    for index in footers:
        pos = by_index[index] - 1
        if pos >= 0 and lines[pos].stripped:
            before.setdefault(lines[pos].stripped, []).append(lines[pos].index)
    return {i for indices in before.values() if len(indices) >= 2 for i in indices}


def _is_furniture(lines: list[Line], pos: int, companions: set[int]) -> bool:
    line = lines[pos]
    if line.index in companions or _NAVIGATION.match(line.text) or _BARE_NUMBER.match(line.text):
        return True
    return bool(_PAGE_COLUMN.match(line.text)) and (pos == 0 or not lines[pos - 1].stripped)


def remove_furniture(lines: list[Line]) -> Layout:
    """Drop navigation, footers, bare page numbers, page columns and photo credits."""
    footers = _page_footers(lines)
    companions = _footer_companions(lines, footers)
    kept: list[Line] = []
    footer_pages: dict[int, int] = {}
    credit_open = False
    for pos, line in enumerate(lines):
        if credit_open and line.stripped:
            credit_open = bool(_CREDIT_OPEN.search(line.text))
            continue
        if line.index in footers:
            kept.append(page_break(line.index))
            footer_pages[line.index] = footers[line.index][0]
        elif _CHAMBER_FOOTER.match(line.text):
            kept.append(page_break(line.index))
        elif _PHOTO_CREDIT.match(line.text):
            credit_open = bool(_CREDIT_OPEN.search(line.text))
        elif not _is_furniture(lines, pos, companions):
            kept.append(line)
    page_count = next(iter(footers.values()))[1] if footers else None
    logger.debug("removed furniture: %d footers, %d lines kept", len(footers), len(kept))
    return Layout(lines=kept, footer_pages=footer_pages, page_count=page_count)


def assign_pages(layout: Layout, page_ends: list[int], raw_line_count: int) -> dict[int, int]:
    """Page number per raw line index, only where a printed footer tells it.

    A line gets page k when footer "k/N" follows it, or page k+1 when footer
    "k/N" precedes it, with no other sign of a page end (a footnote block)
    in between and no more than one page's worth of lines away. Other lines
    get no page rather than a guess.
    """
    if not layout.footer_pages or not layout.page_count:
        return {}
    span = max(1, raw_line_count // layout.page_count)
    ends = sorted(set(page_ends) | set(layout.footer_pages))
    pages: dict[int, int] = {}
    for footer, page in layout.footer_pages.items():
        # every footer is one of `ends`: its neighbours there are the nearest ends before and after
        at = bisect_left(ends, footer)
        previous_end = ends[at - 1] if at > 0 else -1
        next_end = ends[at + 1] if at + 1 < len(ends) else raw_line_count
        for index in range(max(previous_end + 1, footer - span), footer):
            pages[index] = page
        for index in range(footer + 1, min(next_end, footer + span)):
            pages[index] = page + 1
    return pages
