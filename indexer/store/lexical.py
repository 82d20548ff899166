"""BM25 over unit text with Dutch analysis, on bm25s and PyStemmer.

Analysis: lower-case, accent folding, word tokens, Dutch stopwords removed,
Dutch Snowball stems. Stopwords are folded too, so "één" and "een" both go.
The index is rebuilt from unit text on every write: tokenising a few
thousand units takes milliseconds and spares us an incremental BM25.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

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


class LexicalIndex:
    """BM25 scores for every unit, in the order of the units it was built from."""

    def __init__(self, bm25: object, size: int) -> None:
        self._bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if texts:
            bm25.index([analyze(text) for text in texts], show_progress=False)
        return cls(bm25, len(texts))

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of each unit; units outside `mask` score 0."""
        if self.size == 0:
            return np.zeros(0, np.float32)
        terms = [term for term in analyze(query) if term in self._vocabulary]
        if not terms:
            return np.zeros(self.size, np.float32)
        scores = np.asarray(self._bm25.get_scores(terms), dtype=np.float32)  # type: ignore[attr-defined]
        if mask is not None:
            scores = np.where(mask, scores, np.float32(0))
        return scores

    def document_frequency(self) -> dict[str, float]:
        """Share of units containing each term, for weighting highlights."""
        if self.size == 0:
            return {}
        indptr = np.asarray(self._bm25.scores["indptr"])  # type: ignore[attr-defined]
        counts = np.diff(indptr) / self.size
        return {term: float(counts[column]) for term, column in self._vocabulary.items() if column < len(counts)}

    @property
    def _vocabulary(self) -> dict[str, int]:
        return self._bm25.vocab_dict  # type: ignore[attr-defined]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._bm25.save(str(folder), show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        import bm25s

        if size == 0:
            return cls(bm25s.BM25(), 0)
        bm25 = bm25s.BM25.load(str(folder), load_corpus=False, mmap=False)
        return cls(bm25, size)
