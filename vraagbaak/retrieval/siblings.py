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
    """Scores how well a query's specifics agree with each unit's question, in [-1, 1]."""

    def __init__(self, unit_questions: Sequence[str], common_share: float = COMMON_SHARE) -> None:
        found = [specifics(question) for question in unit_questions]
        counts = Counter(word for words in found for word in words)
        limit = max(2.0, common_share * len(unit_questions))
        # Years stay however common: telling 2023 from 2024 is the point.
        self.common = frozenset(word for word, count in counts.items() if count > limit and not _YEAR.match(word))
        self._units = [words - self.common for words in found]
        self._years = [years(words) for words in self._units]

    def query(self, question: str) -> frozenset[str]:
        return specifics(question) - self.common

    def score(self, wanted: frozenset[str], row: int) -> float:
        """Share of the query's specifics the unit's question names, less 1 when their years disagree.

        Years disagree when both name years and none is shared: the 2023 sibling of a 2021 query.
        """
        if not wanted:
            return 0.0
        have = self._units[row]
        score = len(wanted & have) / len(wanted)
        wanted_years = years(wanted)
        if wanted_years and self._years[row] and not wanted_years & self._years[row]:
            score -= 1.0
        return score

    def scores(self, question: str, rows: Sequence[int]) -> list[float]:
        wanted = self.query(question)
        return [self.score(wanted, row) for row in rows] if wanted else [0.0] * len(rows)
