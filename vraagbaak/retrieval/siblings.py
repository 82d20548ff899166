"""Telling siblings apart: the specific words (years, numbers, names) a question shares with a unit.

A list of Kamervragen often asks one question several times over: for 2021
and for 2023, for Duitsland and for België, for one instrument and for the
next. Their embeddings are nearly identical, so the dense signal cannot tell
them apart; the specifics can. A query that names 2021 should prefer the unit
whose question names 2021 over the one that names 2023.

The specifics of a text are its numbers (years included) and its capitalised
words that do not open a sentence (names of countries, parties, instruments,
acronyms). Specifics that occur in many unit questions ("Kamer", "Nederland")
say nothing about one unit and are dropped, with a cut learnt from the corpus.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from vraagbaak.text.analysis import fold_accents

_TOKEN = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")
_YEAR = re.compile(r"^(19|20)\d\d$")

COMMON_SHARE = 0.02
"""A specific in more than this share of unit questions is common, not specific (learnt per index)."""


def specifics(text: str) -> frozenset[str]:
    """Numbers and capitalised non-initial words of `text`, accent-folded and case-folded.

    "Hoeveel Oekraïners kwamen in 2023 naar Nederland?" -> {"oekrainers", "2023", "nederland"}.
    Thousands separators go ("10.000" -> "10000"); a lone digit is left out (too often a list label).
    """
    found: set[str] = set()
    previous_end = 0
    for position, match in enumerate(_TOKEN.finditer(text)):
        word = match.group()
        initial = position == 0 or bool(_SENTENCE_END.search(text[previous_end : match.start()]))
        previous_end = match.end()
        if word[0].isdigit():
            number = word.replace(".", "").replace(",", "")
            if number.isdigit() and len(number) >= 2:
                found.add(number.lstrip("0") or "0")
        elif word[0].isupper() and not initial and len(word) > 1:
            found.add(fold_accents(word).casefold())
    return frozenset(found)


def years(found: Iterable[str]) -> frozenset[str]:
    return frozenset(word for word in found if _YEAR.match(word))


class SiblingScorer:
    """Scores how well a query's specifics agree with each unit's question, in [-1, 1].

    Each specific keeps the rows of the units that name it (postings), so a query's scores are a few
    array additions over its handful of specifics, not a set operation per candidate (issue 29).
    """

    def __init__(self, unit_questions: Sequence[str], common_share: float = COMMON_SHARE) -> None:
        found = [specifics(question) for question in unit_questions]
        counts = Counter(word for words in found for word in words)
        limit = max(2.0, common_share * len(unit_questions))
        # Years stay however common: telling 2023 from 2024 is the point.
        self.common = frozenset(word for word, count in counts.items() if count > limit and not _YEAR.match(word))
        postings: dict[str, list[int]] = {}
        for row, words in enumerate(found):
            for word in words - self.common:
                postings.setdefault(word, []).append(row)
        self._postings = {word: np.array(rows, dtype=np.int64) for word, rows in postings.items()}
        self._units = len(found)
        self._has_year = np.zeros(len(found), dtype=bool)
        for word, rows in self._postings.items():
            if _YEAR.match(word):
                self._has_year[rows] = True

    def query(self, question: str) -> frozenset[str]:
        return specifics(question) - self.common

    def score(self, wanted: frozenset[str], row: int) -> float:
        """Share of the query's specifics the unit's question names, less 1 when their years disagree.

        Years disagree when both name years and none is shared: the 2023 sibling of a 2021 query.
        """
        return float(self._scores(wanted, np.array([row], dtype=np.int64))[0])

    def scores(self, question: str, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        return self._scores(self.query(question), np.asarray(rows, dtype=np.int64))

    def _scores(self, wanted: frozenset[str], rows: np.ndarray) -> np.ndarray:
        if not wanted:
            return np.zeros(len(rows))
        shared = np.zeros(self._units)
        for word in wanted:
            named = self._postings.get(word)
            if named is not None:
                shared[named] += 1.0
        score = shared[rows] / len(wanted)
        wanted_years = years(wanted)
        if wanted_years:
            agrees = np.zeros(self._units, dtype=bool)
            for year in wanted_years:
                named = self._postings.get(year)
                if named is not None:
                    agrees[named] = True
            score[self._has_year[rows] & ~agrees[rows]] -= 1.0
        return score
