"""Dutch text analysis: text to the terms that BM25, highlights and sibling matching compare.

Lower-case, accent folding, word tokens, Dutch stopwords (bm25s's list) removed,
Dutch Snowball stems (PyStemmer). Stopwords are folded too, so "één" and "een"
both go. The index stores terms made here and queries are analysed here, so
both sides always agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r"\w\w+")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_DUTCH

    return frozenset(fold_accents(word.lower()) for word in STOPWORDS_DUTCH)


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # PyStemmer ships no type hints
    import Stemmer

    return Stemmer.Stemmer("dutch")


class _CombiningMarks(dict[int, int | None]):
    """A `str.translate` table that deletes combining marks, filled in per code point as text shows them."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_COMBINING_MARKS = _CombiningMarks()


def fold_accents(text: str) -> str:
    if text.isascii():  # most Dutch text: NFKD leaves ASCII as it is, and it has no marks
        return text
    # One C-level pass instead of a Python generator per character (this runs on every highlight sentence).
    return unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)


def analyze(text: str) -> list[str]:
    """Text to BM25 terms."""
    words = [word for word in _TOKEN.findall(fold_accents(text.lower())) if word not in _stopwords()]
    return list(_stemmer().stemWords(words))
