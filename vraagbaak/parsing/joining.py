"""Joining extracted lines back into running text.

PDF extraction breaks words at line ends, with a hyphen
("ontwikkelings-\\nsamenwerking") or without one ("Samenwer\\nkingsovereenkomst"),
and justified layout can split a word inside a line ("handels akkoorden").
Some text layers (pypdf's among them) have already joined the lines
themselves, leaving the break's hyphen inside a line ("elektrici-teitsnet")
and dropping the space before a capitalised word ("hetRegionaal Autisme
Centrum", "doorDeloitte"). Whether two pieces form one word is decided with
the document's own vocabulary: the words it contains whole, away from line
ends. Real hyphens stay ("Handels- en Samenwerkingsovereenkomst",
"EU-Indonesië", "oud-minister").

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
_HYPHEN_IN_LINE = re.compile(r"\b([^\W\d_]{2,})-([^\W\d_]{2,})\b")
# A lower-case function word glued to the capitalised word after it: never Dutch spelling.
_GLUED = re.compile(
    r"\b(de|het|een|van|en|in|op|te|voor|met|aan|bij|uit|naar|door|over|om|tot|of|dat|die|als)"
    r"([A-ZÀ-Ý][^\W\d_]{2,})\b"
)


def _unglued(token: str) -> list[str]:
    """A glued token as its two words ("hetRegionaal" -> "het", "Regionaal"); any other token whole."""
    glued = _GLUED.fullmatch(token)
    return [glued.group(1), glued.group(2)] if glued else [token]


@dataclass(frozen=True)
class Vocabulary:
    """Whole words of one document (lowercased) and how often word pairs occur.

    `words` counts the parts of a hyphenated word too ("handels-akkoord" counts "handels" and
    "akkoord"); `solo` counts only words that stand on their own. `glued` counts function words
    stuck to the next word ("hetRegionaal"): the mark of a text layer that joined its lines itself.
    """

    words: Counter[str]
    pairs: Counter[tuple[str, str]]
    solo: Counter[str]
    glued: int = 0

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Vocabulary:
        """Counts only words away from line ends, which no line break can have cut."""
        words: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        solo: Counter[str] = Counter()
        glued = 0
        for line in lines:
            tokens = _WORD.findall(line)[1:-1]
            inner = [part.lower() for token in tokens for part in _unglued(token)]
            glued += len(inner) - len(tokens)
            words.update(inner)
            solo.update(inner)
            for part in inner:
                if "-" in part:
                    words.update(part.split("-"))
            pairs.update(pairwise(inner))
        return cls(words=words, pairs=pairs, solo=solo, glued=glued)

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


_ADDRESS_REACH = 256
"""How far around a repair to look for the space that ends its token: bounded, so a hostile
paragraph without spaces stays linear; a token longer than this is left alone."""


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies in a web or mail address (or an overlong token): not ours to mend."""
    left = text.rfind(" ", max(0, start - _ADDRESS_REACH), start)
    right = text.find(" ", end, end + _ADDRESS_REACH)
    if (left < 0 and start > _ADDRESS_REACH) or (right < 0 and len(text) > end + _ADDRESS_REACH):
        return True
    token = text[left + 1 : right if right >= 0 else len(text)]
    return "/" in token or "@" in token or "www." in token


def repair_glued_words(text: str, vocab: Vocabulary) -> str:
    """Put back the space a text layer dropped before a capitalised word ("hetRegionaal" -> "het Regionaal").

    Only when the document also writes the capitalised word on its own, so that a brand spelt
    this way ("inHolland") stays as it is unless the document says "Holland" elsewhere.
    """

    def open_up(m: re.Match[str]) -> str:
        if not vocab.knows(m.group(2)) or _in_address(text, m.start(), m.end()):
            return m.group(0)
        return f"{m.group(1)} {m.group(2)}"

    return _GLUED.sub(open_up, text)


GLUED_LAYER = 2
"""Glued words from which a document's text layer counts as one that joined its lines itself."""


def repair_inline_hyphens(text: str, vocab: Vocabulary) -> str:
    """Drop a line-break hyphen left inside a line ("elektrici-teitsnet") where the document writes the word whole.

    A break falls between syllables, so one of its pieces is no word of the document on its own;
    a real hyphen joins two words ("defensie-industrie", "anti-dumping"), and stays even where the
    document also spells them together. Kept too: a capitalised part ("EU-Indonesië",
    "Noord-Holland"), a word the document never writes whole ("oud-minister"), web addresses.
    Only in a text layer that shows it joined its own lines (`GLUED_LAYER` glued words or more):
    elsewhere an in-line hyphen was typed ("win-win", "defensie-industrie" beside
    "defensieindustrie" in one letter), not left by a line break.
    """
    if vocab.glued < GLUED_LAYER:
        return text

    def join(m: re.Match[str]) -> str:
        before, after = m.group(1), m.group(2)
        if after[:1].isupper() or before.isupper() or _in_address(text, m.start(), m.end()):
            return m.group(0)
        if not vocab.knows(before + after) or (vocab.solo[before.lower()] and vocab.solo[after.lower()]):
            return m.group(0)
        return before + after

    return _HYPHEN_IN_LINE.sub(join, text)


def repair_words(paragraph: str, vocab: Vocabulary) -> str:
    """Every in-line word repair, in an order where none undoes another."""
    return repair_inline_hyphens(repair_glued_words(repair_split_words(paragraph, vocab), vocab), vocab)


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
    text = "\n".join(repair_words(p, vocab) for p in paragraphs)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
