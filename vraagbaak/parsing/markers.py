"""Footnote markers inside running text, and the sentinels that replace them.

PDF extraction glues markers to the word before them ("handel.1",
"beschreven8", "uit 202210" = "2022" + 10). They are only recognised for
footnote numbers that exist, and in order, because footnotes are numbered
sequentially through a document; that is what keeps "CO2" or "EUR 2,42"
from being read as markers.

A recognised marker is replaced by a sentinel (private-use characters around
the number) so it survives line joining and passage splitting, and is lifted
out again by `pop_markers` when a unit's text is final.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from functools import lru_cache

_OPEN, _CLOSE = "\ue000", "\ue001"
_SENTINEL = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_ABBREVIATIONS = frozenset({"nr", "nrs", "p", "pp", "blz", "art", "lid", "no", "vgl", "jl", "ca", "sub"})
_DIGIT_RUN = re.compile(r"\d+")
_BEHIND = 8  # the marker patterns look at most 6 characters behind a match (a year, its dot, a \b)


def sentinel(number: int) -> str:
    return f"{_OPEN}{number}{_CLOSE}"


def pop_markers(text: str) -> tuple[str, list[int]]:
    """Text without sentinels, and the footnote numbers they stood for, in order."""
    numbers = [int(n) for n in _SENTINEL.findall(text)]
    if not numbers:
        return text, numbers
    cleaned = _SENTINEL.sub("", text)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
    cleaned = re.sub(r" +([,.;:)])", r"\1", cleaned)
    return cleaned.strip(), numbers


# Each marker pattern is a context around the digits. `find_marker` compiles it with the number in
# it; `_MarkedLine` uses it with `\\d+` (any whole run of digits) at a run it already knows holds
# the number, which matches the same text without compiling a pattern per footnote number.
# Glued: after a lowercase letter, after punctuation that does not sit between digits, after a
# quote/paren, or after a year's full stop ("7 april 2025.24"; Dutch decimals use a comma).
_GLUED = (rf"(?:(?<=[a-zà-öø-ÿ])|(?<=[^\d\s][.,;:])|(?<=[)’”'\"?!{_CLOSE}])|(?<=\b(?:19|20)\d\d\.))", r"(?![\d\w])")
_AFTER_YEAR = (r"(?<![\d.,])((?:19|20)\d\d)", r"(?![\d\w])")
_STANDALONE = (rf"(?<=[.?!’”{_CLOSE}]) ", r"(?=\s*$|\s+[A-Z])")
# "VS14", "ASML17": only for numbers whose footnote confirmed it, since "CO2" or "COP28" look the same.
_ACRONYM_GLUED = (r"(?<=[A-Z]{2})", r"(?![\d\w])")
_GLUED_RUN, _AFTER_YEAR_RUN, _STANDALONE_RUN, _ACRONYM_GLUED_RUN = (
    re.compile(rf"{before}\d+{after}") for before, after in (_GLUED, _AFTER_YEAR, _STANDALONE, _ACRONYM_GLUED)
)


@lru_cache(maxsize=512)
def _glued(number: int) -> re.Pattern[str]:
    return re.compile(f"{_GLUED[0]}{number}{_GLUED[1]}")


@lru_cache(maxsize=512)
def _after_year(number: int) -> re.Pattern[str]:
    return re.compile(f"{_AFTER_YEAR[0]}{number}{_AFTER_YEAR[1]}")


@lru_cache(maxsize=512)
def _standalone(number: int) -> re.Pattern[str]:
    return re.compile(f"{_STANDALONE[0]}{number}{_STANDALONE[1]}")


@lru_cache(maxsize=512)
def _acronym_glued(number: int) -> re.Pattern[str]:
    return re.compile(f"{_ACRONYM_GLUED[0]}{number}{_ACRONYM_GLUED[1]}")


def _abbreviation_before(text: str, start: int) -> bool:
    word = re.search(r"(\w+)\W*$", _SENTINEL.sub("", text[:start]))
    return word is not None and (word.group(1).lower() in _ABBREVIATIONS or word.group(1).isdigit())


def find_marker(
    text: str, number: int, start: int = 0, *, strict: bool = False, acronym: bool = False
) -> tuple[int, int, str] | None:
    """Earliest marker for `number` at or after `start`: (begin, end, replacement).

    `acronym` also accepts a marker glued to capitals ("VS14"), for numbers
    whose footnote was found right after such a spot.
    """
    if text.find(str(number), start) < 0:  # not `in text[start:]`: that copies the rest of the line
        return None
    found: list[tuple[int, int, str]] = []
    if m := _glued(number).search(text, start):
        found.append((m.start(), m.end(), sentinel(number)))
    if acronym and (m := _acronym_glued(number).search(text, start)):
        found.append((m.start(), m.end(), sentinel(number)))
    if strict:
        return min(found) if found else None
    if m := _after_year(number).search(text, start):
        found.append((m.start(), m.end(), m.group(1) + sentinel(number)))
    for m in _standalone(number).finditer(text, start):
        if not _abbreviation_before(text, m.start()):
            found.append((m.start(), m.end(), " " + sentinel(number)))
            break
    return min(found) if found else None


class _MarkedLine:
    """One line being marked, in one pass: markers are replaced left to right.

    Every marker's digits are a whole run of digits, so the runs are indexed
    by value once and only the runs with the wanted number are tried, each
    with the same patterns as `find_marker`, anchored there. Replacements are
    collected instead of rebuilding the line, and the patterns run on the
    untouched line, except right after a replacement, where they are given the
    edited characters they look behind at. Searching the whole rest of the line
    for every marker, and copying it for every replacement, was quadratic in a
    long line with many markers.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.done = 0  # the line is edited before this position and untouched from it on
        self._pieces: list[str] = []  # the edited text before `done`
        self._behind = ""  # its last `_BEHIND` characters
        self._runs: dict[str, list[int]] | None = None  # digits -> starts of the runs that are those digits
        self._years: dict[str, list[int]] = {}  # digits -> starts of the runs that are a year and those digits

    def result(self) -> str:
        return "".join(self._pieces) + self.text[self.done :]

    def replace(self, begin: int, end: int, replacement: str) -> None:
        self._behind = (self._behind + self.text[max(self.done, begin - _BEHIND) : begin] + replacement)[-_BEHIND:]
        self._pieces += [self.text[self.done : begin], replacement]
        self.done = end

    def _index(self) -> dict[str, list[int]]:
        if self._runs is None:
            self._runs = {}
            for m in _DIGIT_RUN.finditer(self.text):
                digits = m.group()
                self._runs.setdefault(digits, []).append(m.start())
                if len(digits) > 4 and digits[:2] in ("19", "20"):
                    self._years.setdefault(digits[4:], []).append(m.start())
        return self._runs

    def _match(self, pattern: re.Pattern[str], at: int, digits_end: int) -> tuple[int, int, str] | None:
        """(begin, end, first group or "") of `pattern` anchored at `at`, as it matches the edited line."""
        if at < self.done:
            return None
        if at - self.done >= _BEHIND:
            m = pattern.match(self.text, at)
            return (m.start(), m.end(), m.group(1) if pattern.groups else "") if m else None
        # Right after a replacement: the edited characters before, and enough of the line after the
        # digits for the look-ahead (the spaces after them and one more character).
        stop = digits_end
        while stop < len(self.text) and self.text[stop].isspace():
            stop += 1
        probe = self._behind + self.text[self.done : stop + 1]
        shift = self.done - len(self._behind)
        m = pattern.match(probe, at - shift)
        return (m.start() + shift, m.end() + shift, m.group(1) if pattern.groups else "") if m else None

    def _first(self, pattern: re.Pattern[str], starts: list[int], size: int, back: int) -> tuple[int, int] | None:
        for run in starts[bisect_left(starts, self.done + back) :]:
            if hit := self._match(pattern, run - back, run + size):
                return hit[0], hit[1]
        return None

    def find(self, number: int, *, strict: bool = False, acronym: bool = False) -> tuple[int, int, str] | None:
        """What `find_marker(edited line, number, done, ...)` finds, in positions of the original line."""
        digits = str(number)
        # Most lines hold no marker: one look for the digits before the runs are indexed, which then
        # answer every later search on the line without reading the rest of it again.
        if self._runs is None and self.text.find(digits, self.done) < 0:
            return None
        starts = self._index().get(digits, [])
        years = self._years.get(digits, [])
        if (not starts or starts[-1] < self.done) and (not years or years[-1] < self.done):
            return None
        found: list[tuple[int, int, str]] = []
        if hit := self._first(_GLUED_RUN, starts, len(digits), 0):
            found.append((*hit, sentinel(number)))
        if acronym and (hit := self._first(_ACRONYM_GLUED_RUN, starts, len(digits), 0)):
            found.append((*hit, sentinel(number)))
        if strict:
            return min(found) if found else None
        for run in years[bisect_left(years, self.done) :]:
            if year := self._match(_AFTER_YEAR_RUN, run, run + 4 + len(digits)):
                found.append((year[0], year[1], year[2] + sentinel(number)))
                break
        for run in starts[bisect_left(starts, self.done + 1) :]:
            alone = self._match(_STANDALONE_RUN, run - 1, run + len(digits))
            if alone and not self._abbreviation_before(alone[0]):
                found.append((alone[0], alone[1], " " + sentinel(number)))
                break
        return min(found) if found else None

    def _abbreviation_before(self, at: int) -> bool:
        """`_abbreviation_before(edited line, at)`, reading back from `at` only as far as the last word."""
        size = 64
        while True:
            before = self._edited_before(at, size)
            word = _last_word(before, whole=len(before) < size)
            if word is not _UNDECIDED:
                return word is not None and (word.lower() in _ABBREVIATIONS or word.isdigit())
            size *= 4

    def _edited_before(self, at: int, size: int) -> str:
        """The last `size` characters of the edited line before position `at` (or all of them)."""
        if at - self.done >= size:
            return self.text[at - size : at]
        tail = self.text[self.done : at]
        pieces = []
        wanted = size - len(tail)
        for piece in reversed(self._pieces):
            if wanted <= 0:
                break
            pieces.append(piece[-wanted:])
            wanted -= len(piece)
        return "".join(reversed(pieces)) + tail


_UNDECIDED = ""


def _last_word(text: str, *, whole: bool) -> str | None:
    """The last word of `text` once sentinels are taken out, as `(\\w+)\\W*$` finds it; None when it
    has none, `_UNDECIDED` when `text` is only the end of a longer text and the word may start
    before it."""
    word: list[str] = []
    pos = len(text)
    while pos > 0:
        char = text[pos - 1]
        if char == _CLOSE:
            digits = pos - 1
            while digits > 0 and text[digits - 1].isdecimal():
                digits -= 1
            if digits == 0 and not whole:
                return _UNDECIDED  # the digits may belong to a sentinel opened before `text`
            if 0 < digits < pos - 1 and text[digits - 1] == _OPEN:
                pos = digits - 1  # a sentinel: taken out, the text around it closes up
                continue
        if char.isalnum() or char == "_":
            word.append(char)
        elif word:
            return "".join(reversed(word))
        pos -= 1
    if not whole:
        return _UNDECIDED
    return "".join(reversed(word)) if word else None


class MarkerCursor:
    """Walks through text in reading order, expecting footnote numbers one by one."""

    def __init__(self, numbers: Iterable[int] | None = None, acronym: Iterable[int] = ()) -> None:
        self._pending = sorted(set(numbers)) if numbers is not None else None
        self._acronym = frozenset(acronym)
        self._next = 1
        self.seen: list[int] = []
        self.skipped: list[int] = []
        self._seen: set[int] = set()  # the lists as sets: membership is asked for every candidate note
        self._skipped: set[int] = set()

    @property
    def expected(self) -> int | None:
        if self._pending is None:
            return self._next
        return self._pending[0] if self._pending else None

    def has_seen(self, number: int) -> bool:
        return number in self._seen

    def was_skipped(self, number: int) -> bool:
        return number in self._skipped

    def _following(self) -> int | None:
        if self._pending is None:
            return self._next + 1
        return self._pending[1] if len(self._pending) > 1 else None

    def accept(self, number: int) -> None:
        """Count `number` as seen although `mark` did not find it (confirmed by other means)."""
        self._advance(number)

    def _advance(self, number: int) -> None:
        if self._pending is None:
            self.skipped.extend(range(self._next, number))
            self._skipped.update(range(self._next, number))
            self._next = number + 1
        else:
            while self._pending and self._pending[0] <= number:
                popped = self._pending.pop(0)
                if popped != number:
                    self.skipped.append(popped)
                    self._skipped.add(popped)
        self.seen.append(number)
        self._seen.add(number)

    def mark(self, text: str) -> str:
        """`text` with every expected marker in it replaced by a sentinel."""
        expected, following = self.expected, self._following()
        if expected is None or (str(expected) not in text and (following is None or str(following) not in text)):
            return text  # most lines: neither number whose marker could come next is in them
        line = _MarkedLine(text)
        while (number := self.expected) is not None:
            hit = line.find(number, acronym=number in self._acronym)
            if hit is None and (following := self._following()) is not None:
                hit = line.find(following, strict=True, acronym=following in self._acronym)
                number = following if hit else number
            if hit is None:
                break
            line.replace(*hit)
            self._advance(number)
        return line.result() if line.done else text
