"""Joining extracted lines back into running text.

PDF extraction breaks words at line ends, with a hyphen
("ontwikkelings-\\nsamenwerking") or without one ("Samenwer\\nkingsovereenkomst"),
and justified layout can split a word inside a line ("handels akkoorden").
Whether two pieces form one word is decided with the document's own
vocabulary: the words it contains whole, away from line ends. Real hyphens
stay ("Handels- en Samenwerkingsovereenkomst", "EU-Indonesië").

Everything here is a pure function of the raw lines. To recover the
original line text of a unit, re-read `Document.source_path` (check it
against `Document.content_hash`): the cleaned text is derived from it and
never replaces it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CONJUNCTIONS = frozenset({"en", "of", "noch", "tot", "als", "dan", "en/of"})
_SPLIT_IN_LINE = re.compile(r"\b([^\W\d_]{2,}) {1,3}([^\W\d_]{2,})\b")
_MIN_JOINED = 7


@dataclass(frozen=True)
class Vocabulary:
    """Whole words of one document (lowercased) and how often word pairs occur."""

    words: Counter[str]
    pairs: Counter[tuple[str, str]]

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Vocabulary:
        """Counts only words away from line ends, which no line break can have cut."""
        words: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        for line in lines:
            tokens = [t.lower() for t in _WORD.findall(line)]
            inner = tokens[1:-1]
            words.update(inner)
            for part in inner:
                if "-" in part:
                    words.update(part.split("-"))
            pairs.update(pairwise(inner))
        return cls(words=words, pairs=pairs)

    def knows(self, word: str) -> bool:
        return self.words[word.lower()] > 0

    def one_word(self, left: str, right: str) -> bool:
        """True when `left`+`right` is a word here and the pieces are not words on their own."""
        joined = (left + right).lower()
        if len(joined) < _MIN_JOINED or not self.knows(joined):
            return False
        pair = (left.lower(), right.lower())
        alone_left = self.words[pair[0]] - self.pairs[pair]
        alone_right = self.words[pair[1]] - self.pairs[pair]
        return alone_left <= 0 or alone_right <= 0


def _last_word(text: str) -> str:
    """The letters before the line end (and a hyphen). Walks back from the end: a regex anchored
    at "$" re-scans the whole joined paragraph for every line it is called on."""
    end = len(text.rstrip())
    if text[:end].endswith("-"):
        end -= 1
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return text[start:end]


def _first_word(text: str) -> str:
    m = re.match(r"\s*([^\W\d_]+)", text)
    return m.group(1) if m else ""


def _join_hyphenated(left: str, right: str, vocab: Vocabulary) -> str:
    """Join a line ending in "-" with the next one: drop the hyphen or keep it."""
    head, tail = left.rstrip(), right.lstrip()
    before, after = _last_word(head), _first_word(tail)
    if head.endswith(" -") or not before:  # "machines en -onderdelen"
        return f"{head}{tail}"
    if after.lower() in _CONJUNCTIONS or not after:  # "Handels- en Samenwerkingsovereenkomst"
        return f"{head} {tail}"
    hyphenated = f"{before}-{after}".lower()
    joined = (before + after).lower()
    keep = after[:1].isupper() or before.isupper() or len(before) == 1 or vocab.words[hyphenated] > vocab.words[joined]
    return f"{head}{tail}" if keep else f"{head[:-1]}{tail}"


def _breaks_word(left: str, right: str, vocab: Vocabulary) -> bool:
    before, after = _last_word(left), _first_word(right)
    return bool(before and after) and not left.rstrip().endswith("-") and vocab.one_word(before, after)


def join_pair(left: str, right: str, vocab: Vocabulary) -> str:
    """Two consecutive lines of one paragraph as one line."""
    if left.rstrip().endswith("-") and right.strip()[:1].isalpha():
        return _join_hyphenated(left, right, vocab)
    if _breaks_word(left, right, vocab):
        return f"{left.rstrip()}{right.lstrip()}"
    return f"{left.rstrip()} {right.lstrip()}"


def repair_split_words(text: str, vocab: Vocabulary) -> str:
    """Close gaps inside words that justified layout opened ("handels akkoorden")."""

    def close(m: re.Match[str]) -> str:
        return m.group(1) + m.group(2) if vocab.one_word(m.group(1), m.group(2)) else m.group(0)

    return _SPLIT_IN_LINE.sub(close, text)


def _ends_in_number(text: str) -> bool:
    """A table row's end: a number ("1.234,5"), perhaps a "%", then only whitespace.

    Read from the end: the regex `\\d[\\d.,]*\\s*%?\\s*$` retries every digit and space of
    a line that fails it, quadratic in a long run of them.
    """
    head = text.rstrip()
    if head.endswith("%"):
        head = head[:-1].rstrip()
    for char in reversed(head):
        if char.isdecimal():  # \d is Unicode category Nd, as isdecimal
            return True
        if char not in ".,":
            return False
    return False


def _continues(previous: str, following: str, width: int) -> bool:
    """Whether `following` continues the paragraph line `previous` or starts a new line."""
    first = following.strip()[:1]
    if not first:
        return False
    if first.islower() or previous.rstrip().endswith(("-", ",")):
        return True
    if _ends_in_number(previous) and not previous.rstrip().endswith("."):
        return False
    return len(previous.rstrip()) >= 0.6 * width


def _resumes(last: str, previous: str, following: str, width: int) -> bool:
    """A paragraph cut by a page or column break: an open sentence resumes in lower case, or
    after a full-width line ("van de Staat" | footnotes | "Israël inzake ...")."""
    if last.rstrip().endswith((".", "!", "?", ":")):
        return False
    first = following.strip()[:1]
    full_line = len(previous.rstrip()) >= 0.85 * width and not _ends_in_number(previous)
    return first.islower() or (first.isalpha() and full_line)


def typical_width(lines: Iterable[str]) -> int:
    """A document's full line width: the 90th percentile of its line lengths."""
    lengths = sorted(len(t.rstrip()) for t in lines if t.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 80


def join_lines(lines: list[str], vocab: Vocabulary, width: int = 80) -> str:
    """Raw lines as text: wrapped lines joined, words mended, blank lines and short lines ending paragraphs.

    Lines that do not continue the line before (a short line followed by a
    capital, a table row ending in a number) stay on a line of their own, so
    tables keep one row per line.
    """
    # A paragraph is kept as its output lines and joined once at its end: rebuilding one string
    # per input line copied the whole paragraph each time, quadratic in a paragraph without gaps.
    # Every kept line has text, so the last one alone decides how the paragraph ends.
    paragraphs: list[str] = []
    current: list[str] = []
    previous = ""
    gap = False
    for raw in lines:
        if not raw.strip():
            gap = bool(current)
            continue
        if current and gap and not _resumes(current[-1], previous, raw, width):
            paragraphs.append("\n".join(current))
            current = []
        if not current:
            current.append(raw.strip())
        elif _continues(previous, raw, width):
            current[-1] = join_pair(current[-1], raw, vocab)
        else:
            current[-1] = current[-1].rstrip()
            current.append(raw.strip())
        previous, gap = raw, False
    if current:
        paragraphs.append("\n".join(current))
    text = "\n".join(repair_split_words(p, vocab) for p in paragraphs)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
