"""Answers that say nothing on their own: a bare "Ja."/"Nee.", or "Zie het antwoord op vraag 4".

A list of Kamervragen opens with "Bent u bekend met het bericht ...?" -> "Ja.",
and its question often matches a new question best, while the substance is in
the next answer. A pointer answer sends the reader elsewhere. Grouped search
(grouping.py) shows such a unit together with the unit it leads into (the next
one in its document) or points to (its `refs`, or "vraag N" of its own
document when the parser left refs empty), and ranks the pair by the better of
the two, so that what is shown can be read.
"""

from __future__ import annotations

import re

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.units import Unit, qa_unit_id

MAX_BARE_WORDS = 6
"""An answer opening with Ja/Nee of at most this many words is bare ("Ja, daar ben ik mee bekend.")."""
MAX_POINTER_WORDS = 12
"""An answer of at most this many words that says "zie (het) antwoord ..." is a pointer."""
MAX_POINTED = 3
MAX_SHORT_CHARS = 200
"""Longer answers are never bare: a cheap first test, run on every candidate of a grouped search."""

_YES_NO = re.compile(r"^(ja|nee|neen|jazeker|dat klopt|dat is juist)\b", re.IGNORECASE)
_POINTER = re.compile(r"\bzie\b[^.]*\bantwoord", re.IGNORECASE)
_NUMBER = re.compile(r"\b(\d{1,3})\b")


def is_pointer(answer: str) -> bool:
    """ "Zie het antwoord op vraag 7", "Nee, zie antwoord 6.": a short answer that sends the reader on."""
    return len(answer.split()) <= MAX_POINTER_WORDS and bool(_POINTER.search(answer))


def is_bare(answer: str) -> bool:
    """ "Ja.", "Nee.", "Ja, dat klopt.": a short yes or no that needs the next answer to mean anything."""
    text = answer.strip()
    return len(text.split()) <= MAX_BARE_WORDS and bool(_YES_NO.match(text))


def pointed_to(retriever: Retriever, unit: Unit) -> list[Unit]:
    """The units a pointer answer names: its refs, else the "vraag N" numbers of its own document."""
    ids = list(unit.refs) or [qa_unit_id(unit.doc_id, int(n)) for n in named_numbers(unit.answer)]
    found = [retriever.unit(unit_id) for unit_id in dict.fromkeys(ids) if unit_id != unit.unit_id]
    return [target for target in found if target is not None and target.answered][:MAX_POINTED]


def named_numbers(answer: str) -> list[str]:
    """The numbers after "zie ... antwoord", up to the end of that sentence: "vraag 6 en 7" -> ["6", "7"]."""
    found = _POINTER.search(answer)
    return _NUMBER.findall(answer[found.end() :].split(".")[0]) if found else []


def companions(retriever: Retriever, unit: Unit) -> list[Unit]:
    """The units `unit` is read with: what a pointer points to, what a bare yes or no leads into; else none."""
    if not unit.answered or not unit.question or len(unit.answer) > MAX_SHORT_CHARS:
        return []
    if is_pointer(unit.answer):
        return pointed_to(retriever, unit)
    if is_bare(unit.answer):
        following = retriever.next_unit(unit.unit_id)
        return [following] if following is not None and following.answered else []
    return []
