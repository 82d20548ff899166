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
from collections.abc import Iterable
from functools import lru_cache

_OPEN, _CLOSE = "\ue000", "\ue001"
_SENTINEL = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_ABBREVIATIONS = frozenset({"nr", "nrs", "p", "pp", "blz", "art", "lid", "no", "vgl", "jl", "ca", "sub"})


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


@lru_cache(maxsize=512)
def _glued(number: int) -> re.Pattern[str]:
    # After a lowercase letter, after punctuation that does not sit between digits, after a
    # quote/paren, or after a year's full stop ("7 april 2025.24"; Dutch decimals use a comma).
    return re.compile(
        rf"(?:(?<=[a-zà-öø-ÿ])|(?<=[^\d\s][.,;:])|(?<=[)’”'\"?!{_CLOSE}])|(?<=\b(?:19|20)\d\d\.)){number}(?![\d\w])"
    )


@lru_cache(maxsize=512)
def _after_year(number: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![\d.,])((?:19|20)\d\d){number}(?![\d\w])")


@lru_cache(maxsize=512)
def _standalone(number: int) -> re.Pattern[str]:
    return re.compile(rf"(?<=[.?!’”{_CLOSE}]) {number}(?=\s*$|\s+[A-Z])")


@lru_cache(maxsize=512)
def _acronym_glued(number: int) -> re.Pattern[str]:
    # "VS14", "ASML17": only for numbers whose footnote confirmed it, since "CO2" or "COP28" look the same.
    return re.compile(rf"(?<=[A-Z]{{2}}){number}(?![\d\w])")


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
    if str(number) not in text[start:]:
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


class MarkerCursor:
    """Walks through text in reading order, expecting footnote numbers one by one."""

    def __init__(self, numbers: Iterable[int] | None = None, acronym: Iterable[int] = ()) -> None:
        self._pending = sorted(set(numbers)) if numbers is not None else None
        self._acronym = frozenset(acronym)
        self._next = 1
        self.seen: list[int] = []
        self.skipped: list[int] = []

    @property
    def expected(self) -> int | None:
        if self._pending is None:
            return self._next
        return self._pending[0] if self._pending else None

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
            self._next = number + 1
        else:
            while self._pending and self._pending[0] <= number:
                popped = self._pending.pop(0)
                if popped != number:
                    self.skipped.append(popped)
        self.seen.append(number)

    def mark(self, text: str) -> str:
        """`text` with every expected marker in it replaced by a sentinel."""
        pos = 0
        while (number := self.expected) is not None:
            hit = find_marker(text, number, pos, acronym=number in self._acronym)
            if hit is None and (following := self._following()) is not None:
                hit = find_marker(text, following, pos, strict=True, acronym=following in self._acronym)
                number = following if hit else number
            if hit is None:
                return text
            begin, end, replacement = hit
            text = text[:begin] + replacement + text[end:]
            pos = begin + len(replacement)
            self._advance(number)
        return text
