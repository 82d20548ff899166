"""Running headers and footers: lines at a page's top or bottom edge that are not content.

A reader hands over, per page, the few lines nearest each edge (by layout for PDF, by order
for Markdown). An edge line is furniture when it recurs at an edge of most pages, the same
or with a number that counts the pages ("Tweede Kamer, vergaderjaar 2023–2024, Aanhangsel 3"
on page 3), when it is a bare
page number ("- 3 -", "3/12", "Pagina 3 van 12"), or when it is the publisher's colophon of
officielebekendmakingen.nl ("ISSN 0921 - 7398", "ah-tk-20232024-1178", "’s-Gravenhage 2024",
the chamber footer), which a one-page document prints once and so never repeats. Footnotes sit
at the bottom too but differ on every page, so they stay: a line that starts like a footnote
("3 https://...") counts as repeated only when identical, number included.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—.]*(?:(?:pagina|page|blz\.?|p\.)\s*)?\d{1,4}(?:\s*(?:/|van|of|\|)\s*\d{1,4})?[\s\-–—.]*$", re.IGNORECASE
)
_FOOTNOTE = re.compile(r"^\d{1,3} \S")
_COLOPHON = (
    re.compile(r"^ISSN \d{4}\s?-\s?\d{3}[\dX]$"),
    re.compile(r"^(?:ah|kst|stcrt|stb|trb|h|blg|gmb|prb|wsb)-[a-z0-9]+(?:-[a-z0-9]+)+$"),
    re.compile(r"^[’']s-Gravenhage \d{4}(?: (?:Tweede|Eerste) Kamer, vergaderjaar .{1,80})?$"),
    re.compile(r"^(?:Tweede|Eerste) Kamer, vergaderjaar \d{4}\s?[–-]\s?\d{4}, .{1,60}$"),
)
MOST_PAGES = 0.5


@dataclass(frozen=True)
class EdgeLine:
    """One line near a page edge; `key` identifies it within its page's line list."""

    page: int
    key: int
    text: str


def edge_key(text: str) -> str:
    """Digits normalised ("Aanhangsel 3" ~ "Aanhangsel 4"), except in a footnote ("3 https://..."),
    whose number is what tells one note from the next."""
    spaced = _SPACES.sub(" ", text).strip().lower()
    return spaced if _FOOTNOTE.match(spaced) else _DIGITS.sub("#", spaced)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def is_colophon(text: str) -> bool:
    stripped = _SPACES.sub(" ", text).strip()
    return any(pattern.match(stripped) for pattern in _COLOPHON)


def find_furniture(edges: list[EdgeLine], page_count: int) -> set[tuple[int, int]]:
    """(page, key) of every edge line that is furniture."""
    groups: dict[str, list[EdgeLine]] = defaultdict(list)
    for edge in edges:
        if edge.text.strip():
            groups[edge_key(edge.text)].append(edge)
    needed = max(2, math.ceil(MOST_PAGES * page_count))
    running = {key for key, group in groups.items() if page_count >= 2 and _is_running(group, needed)}
    found: set[tuple[int, int]] = set()
    for edge in edges:
        text = edge.text.strip()
        if text and (edge_key(text) in running or is_page_number(text) or is_colophon(text)):
            found.add((edge.page, edge.key))
    return found


def _is_running(group: list[EdgeLine], needed: int) -> bool:
    """On enough pages, and either the same text everywhere or with a number that counts the pages.

    "Aanhangsel 2" on page 2 and "Aanhangsel 3" on page 3 is a running footer; "Vraag 3" and
    "Vraag 7" opening two pages is content that happens to sit at the top.
    """
    if len({edge.page for edge in group}) < needed:
        return False
    texts = [_SPACES.sub(" ", edge.text).strip() for edge in group]
    if len(set(texts)) == 1:
        return True
    numbers = [[int(n) for n in _DIGITS.findall(text)] for text in texts]
    return any(
        len({values[i] - edge.page for values, edge in zip(numbers, group, strict=True)}) == 1
        for i in range(len(numbers[0]))
    )


def remove_by_order(pages: list[list[str]], top: int = 1, bottom: int = 4) -> tuple[list[list[str]], tuple[str, ...]]:
    """Pages without furniture, for a format that has line order but no layout (Markdown).

    The edges are the first `top` and last `bottom` non-blank lines of each page.
    """
    edges: list[EdgeLine] = []
    for number, lines in enumerate(pages):
        filled = [i for i, line in enumerate(lines) if line.strip()]
        for i in {*filled[:top], *filled[-bottom:]} if filled else ():
            edges.append(EdgeLine(page=number, key=i, text=lines[i]))
    found = find_furniture(edges, page_count=len(pages))
    kept = [[line for i, line in enumerate(lines) if (number, i) not in found] for number, lines in enumerate(pages)]
    return kept, distinct_lines(pages[n][i] for n, i in sorted(found))


def distinct_lines(texts: Iterable[str]) -> tuple[str, ...]:
    """The first of each running line (digits normalised), without bare page numbers: what to keep aside."""
    first: dict[str, str] = {}
    for text in texts:
        if not is_page_number(text):
            first.setdefault(edge_key(text), text.strip())
    return tuple(first.values())
