"""The hit rule: which returned units answer a question.

A returned unit hits a gold entry when its `doc_id` equals the gold's `doc`
and, if the gold has a number, `q` is one of the question numbers the unit
answers (one shared answer to "Vraag 4 en 5" answers both); if `q` is null, when
the gold's snippet occurs in the unit's text (question + newline + answer)
after normalisation. Each gold is credited once, at its first hit, so a
ranking's relevance list never holds more relevant ids than there are golds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from vraagbaak.eval.dataset import Gold

_NON_ALNUM = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """NFKC, case-folded, every run of characters that are not letters or digits collapsed to one space."""
    return _NON_ALNUM.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


@lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    return normalise(text)


@dataclass(frozen=True)
class Retrieved:
    """What the judge needs of a returned unit; built from a SearchHit or an API result."""

    unit_id: str
    doc_id: str
    number: int | None
    text: str
    numbers: tuple[int, ...] = ()  # every question number the unit answers, when more than `number`

    @classmethod
    def from_parts(
        cls,
        unit_id: str,
        doc_id: str,
        number: int | None,
        question: str,
        answer: str,
        numbers: tuple[int, ...] = (),
    ) -> Retrieved:
        """`text` as `Unit.text` builds it: question and answer on separate lines, or the answer alone."""
        return cls(unit_id, doc_id, number, f"{question}\n{answer}" if question else answer, tuple(numbers))


def is_hit(gold: Gold, unit: Retrieved) -> bool:
    if unit.doc_id != gold.doc:
        return False
    if gold.q is not None:
        return gold.q in (unit.numbers or (unit.number,))
    assert gold.snippet is not None  # Gold validates this
    needle = _normalised(gold.snippet)
    return bool(needle) and needle in _normalised(unit.text)


def gold_key(index: int) -> str:
    return f"gold:{index}"


def judge(ranking: Sequence[Retrieved], golds: Sequence[Gold]) -> list[str]:
    """The ranking as ids for the metrics: a unit that hits a not-yet-credited gold becomes that gold's key.

    The relevant set for the question is then `{gold_key(i) for i in range(len(golds))}`, so every gold
    counts once however many units satisfy it.
    """
    credited: set[int] = set()
    judged: list[str] = []
    for unit in ranking:
        match = next((i for i, gold in enumerate(golds) if i not in credited and is_hit(gold, unit)), None)
        if match is None:
            judged.append(unit.unit_id)
        else:
            credited.add(match)
            judged.append(gold_key(match))
    return judged


def relevant_keys(golds: Sequence[Gold]) -> set[str]:
    return {gold_key(i) for i in range(len(golds))}
