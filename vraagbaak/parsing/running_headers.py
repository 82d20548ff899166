"""Page numbers and running headers inside a text whose line breaks were collapsed.

A scanned letter flattened onto one line still prints, on every page after
the first, a page number "k/N" and a running header (the title line of the
letterhead, "Antwoorden Algemene Rekenkamer op vragen over …") wherever the
page began: often in the middle of a sentence. Nothing marks where a header
ends, and OCR spells it a little differently on each page ("2015", "2O15",
"2d15", "Vastgoedpian").

What makes it a header is that it repeats just before the page numbers: the
4-word shingles found before at least half of them are the header's words.
Every stretch of the text those shingles cover, long enough to be the header
rather than a phrase it shares with the text, is an occurrence, together
with the debris the scanner made of the logo just before it ("..,", ".I,,").
No word of any one letter is built in. Each step is one pass over the text
or its words, so the cost is linear.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# "2/10", "3 / 15": not inside a date, a fraction of a longer number or a path.
_PAGE_MARK = re.compile(r"(?<![\w/.,-])(\d{1,2}) ?/ ?(\d{1,2})(?![\w/])")
_WORD = re.compile(r"[^\W\d_]+|\d+")  # letters and digits apart: "vragen1" is "vragen" and a footnote marker
_LABEL_WORD = re.compile(r"(?:Vraag|Vragen|VRAAG)\s{1,3}\d|Antwoord\b")
_WINDOW = 60  # words before a page number within which that page's header starts
_SHINGLE = 4
_MERGE_GAP = 5  # words OCR garbled inside one occurrence of the header
_MIN_HEADER_WORDS = 4
_PER_PAGE = 2  # occurrences a page may hold of a header shingle (the cover and a title repeat it too)
_OPENING = 3  # first shingles of a header occurrence that tell how it opens
_OCCURRENCE_SHARE = 0.6  # of the header's usual length, for a stretch to count as the header
_JUNK_TOKENS = 3  # logo debris tokens before a header
_JUNK_ALNUM = 3
_CLOSERS = ")]’”'\""
_OPENERS = "(‘“'\"["


@dataclass(frozen=True)
class PageMark:
    """A printed page number "page/of" at `start:end` of the text."""

    start: int
    end: int
    page: int
    of: int


@dataclass(frozen=True)
class PageFurniture:
    """What to cut from a flattened text: sorted, non-overlapping spans, and where pages 2, 3, … begin
    (empty when the printed numbers do not tell every page start)."""

    cuts: list[tuple[int, int]]
    page_starts: list[int]


def find_page_marks(text: str) -> list[PageMark]:
    """Page numbers that share one total and rise through the text; fewer than two are no numbering."""
    hits = [PageMark(m.start(), m.end(), int(m.group(1)), int(m.group(2))) for m in _PAGE_MARK.finditer(text)]
    totals = Counter(hit.of for hit in hits if 0 < hit.page <= hit.of)
    if not totals:
        return []
    total, count = totals.most_common(1)[0]
    if count < 2:
        return []
    marks: list[PageMark] = []
    for hit in hits:
        if hit.of == total and 0 < hit.page <= total and (not marks or hit.page > marks[-1].page):
            marks.append(hit)
    return marks if len(marks) >= 2 else []


class _Words:
    """The words of a text (outside the page marks), lowercased, with their positions.

    A question or answer label ("Vraag 3", "Antwoord") often follows the header at a page start, but
    is never part of it: its word is kept as an empty norm, which no shingle of the header contains.
    """

    def __init__(self, text: str, marks: list[PageMark]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.norms: list[str] = []
        spans = iter(marks)
        mark = next(spans, None)
        for m in _WORD.finditer(text):
            while mark is not None and mark.end <= m.start():
                mark = next(spans, None)
            if mark is not None and mark.start <= m.start() < mark.end:
                continue
            self.starts.append(m.start())
            self.ends.append(m.end())
            self.norms.append("" if _LABEL_WORD.match(text, m.start()) else m.group().lower())

    def shingle(self, i: int) -> tuple[str, ...]:
        return tuple(self.norms[i : i + _SHINGLE])


def _header_shingles(words: _Words, windows: list[tuple[int, int]]) -> set[tuple[str, ...]]:
    """Shingles found in the windows before at least half of the page numbers (and two at least)."""
    seen: Counter[tuple[str, ...]] = Counter()
    for first, last in windows:
        seen.update({words.shingle(i) for i in range(first, max(first, last - _SHINGLE + 1))})
    needed = max(2, (len(windows) + 1) // 2)
    return {shingle for shingle, count in seen.items() if count >= needed and "" not in shingle}


def _once_a_page(words: _Words, shingles: set[tuple[str, ...]], pages: int) -> set[tuple[str, ...]]:
    """The shingles that occur no more often than a header can, once a page: a phrase the letter uses
    throughout ("van de Tweede Kamer") is found before many page numbers too, but far more often."""
    openers = {shingle[0] for shingle in shingles}
    seen: Counter[tuple[str, ...]] = Counter()
    for i, norm in enumerate(words.norms):
        if norm in openers and (shingle := words.shingle(i)) in shingles:
            seen[shingle] += 1
    return {shingle for shingle in shingles if seen[shingle] <= _PER_PAGE * pages + _PER_PAGE}


def _covered_stretches(words: _Words, shingles: set[tuple[str, ...]]) -> list[tuple[int, int]]:
    """(first, last) word of every stretch the header's shingles cover, allowing a few garbled words."""
    openers = {shingle[0] for shingle in shingles}
    stretches: list[tuple[int, int]] = []
    for i, norm in enumerate(words.norms):
        if norm not in openers or words.shingle(i) not in shingles:
            continue
        last = i + _SHINGLE - 1
        if stretches and i <= stretches[-1][1] + 1 + _MERGE_GAP:
            stretches[-1] = (stretches[-1][0], max(last, stretches[-1][1]))
        else:
            stretches.append((i, last))
    return stretches


def _is_junk(token: str) -> bool:
    """Scanner debris of a logo: punctuation with at most a few letters, not opening a phrase."""
    alnum = sum(c.isalnum() for c in token)
    return alnum == 0 or (alnum <= _JUNK_ALNUM and not token[0].isalnum() and token[0] not in _OPENERS)


def _debris_start(text: str, start: int) -> int:
    """Where the header at `start` begins once the debris before it is counted in."""
    pos = start
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    if pos < start and not _is_junk(text[pos:start]):
        return start
    for _ in range(_JUNK_TOKENS):
        end = pos
        while end > 0 and text[end - 1].isspace():
            end -= 1
        begin = end
        while begin > 0 and not text[begin - 1].isspace() and end - begin <= 2 * _JUNK_ALNUM + 4:
            begin -= 1
        if begin == end or (begin > 0 and not text[begin - 1].isspace()) or not _is_junk(text[begin:end]):
            break
        pos = begin
    return pos


def _closer_end(text: str, end: int) -> int:
    while end < len(text) and text[end] in _CLOSERS:
        end += 1
    return end


def _windows(words: _Words, marks: list[PageMark]) -> list[tuple[int, int]]:
    """Word ranges before each page number, never reaching back past the page number before it."""
    windows: list[tuple[int, int]] = []
    previous = 0
    for mark in marks:
        at = bisect_left(words.starts, mark.start)
        windows.append((max(previous, at - _WINDOW), at))
        previous = at
    return windows


def _openings(words: _Words, stretches: list[tuple[int, int]], needed: int) -> set[tuple[str, ...]]:
    """The shingles a header usually opens with (its first three, for a garbled first word)."""
    seen: Counter[tuple[str, ...]] = Counter()
    for first, _ in stretches:
        seen.update({words.shingle(i) for i in range(first, first + _OPENING)})
    return {shingle for shingle, count in seen.items() if count >= needed}


def find_running_headers(text: str, marks: list[PageMark]) -> list[tuple[int, int]]:
    """Character spans of the running header's occurrences, debris included.

    An occurrence is a covered stretch at least `_OCCURRENCE_SHARE` of the header's usual length
    that opens the way the header does: a phrase the text shares with the header (the report's
    title, cited in an answer) opens otherwise and stays.
    """
    words = _Words(text, marks)
    windows = _windows(words, marks)
    shingles = _once_a_page(words, _header_shingles(words, windows), len(windows))
    if not shingles:
        return []
    stretches = _covered_stretches(words, shingles)
    found = [(first, last) for first, last in stretches if any(a <= first < b for a, b in windows)]
    if not found:
        return []
    lengths = sorted(last - first + 1 for first, last in found)
    least = max(_MIN_HEADER_WORDS, _OCCURRENCE_SHARE * lengths[len(lengths) // 2])
    openings = _openings(words, found, max(2, (len(found) + 1) // 2))
    spans = [
        (_debris_start(text, words.starts[first]), _closer_end(text, words.ends[last]))
        for first, last in stretches
        if last - first + 1 >= least and any(words.shingle(i) in openings for i in range(first, first + _OPENING))
    ]
    logger.debug("running header: %d words as a rule, %d occurrences", lengths[len(lengths) // 2], len(spans))
    return spans


def _page_starts(marks: list[PageMark], headers: list[tuple[int, int]]) -> list[int]:
    """Where pages 2, 3, … begin: at the header before each page number, else at the number.
    Empty unless the numbers run 2, 3, … without a gap, which is what makes each start certain."""
    later = [mark for mark in marks if mark.page >= 2]
    if [mark.page for mark in later] != list(range(2, 2 + len(later))):
        return []
    header_starts = [start for start, _ in headers]
    starts: list[int] = []
    previous = marks[0].end if marks[0].page == 1 else 0
    for mark in later:
        at = bisect_left(header_starts, mark.start) - 1  # the last header starting before the number
        inside = at >= 0 and header_starts[at] >= previous and headers[at][1] <= mark.start
        starts.append(header_starts[at] if inside else mark.start)
        previous = mark.end
    return starts


def page_furniture(text: str) -> PageFurniture:
    """The page numbers and running headers of a flattened text, and where its pages begin."""
    marks = find_page_marks(text)
    if not marks:
        return PageFurniture(cuts=[], page_starts=[])
    headers = sorted(find_running_headers(text, marks))
    spans = sorted([(mark.start, mark.end) for mark in marks] + headers)
    cuts: list[tuple[int, int]] = []
    for start, end in spans:
        if cuts and start <= cuts[-1][1]:
            cuts[-1] = (cuts[-1][0], max(end, cuts[-1][1]))
        else:
            cuts.append((start, end))
    return PageFurniture(cuts=cuts, page_starts=_page_starts(marks, headers))
