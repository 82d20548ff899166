"""The labels that open questions and answers in answers to schriftelijke vragen.

Every publisher prints them a little differently: "Vraag 1" / "Antwoord 1",
"Antwoord op vraag 3", "Antwoord vraag 4-7:", "Antwoorden 5 en 6", "Vraag 2 t/m 6",
"Vraag 7, 8, 9 10 en 11" (a comma lost), a bare "1" or "1." line before the
question and a bare "Antwoord" after it. A label owns its line; text after
it on the same line ("Vraag 1: Bent u …", "Vraag 1   Welke …" in collapsed
text) is the start of its body.

All patterns here are anchored and free of nested quantifiers, so matching a
line costs time in proportion to the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_NUMBER = r"\d{1,3}[a-z]?"
_JOINER = r"(?:\s*,\s*|\s*&\s*|\s+en\s+|\s*t/m\s*|\s+tot en met\s+|\s*[-–]\s*|\s+)"
NUMBER_LIST = rf"{_NUMBER}(?:{_JOINER}{_NUMBER})*"

_QUESTION = re.compile(rf"^\s*Vra(?:ag|gen)\s+(?P<numbers>{NUMBER_LIST})\b\s*[:.]?\s*(?P<rest>.*)$")
_ANSWER = re.compile(
    rf"^\s*Antwoord(?:en)?(?:\s+op)?(?:\s+(?:vraag|vragen))?(?:\s+(?P<numbers>{NUMBER_LIST})\b)?\s*(?P<colon>[:.]?)\s*(?P<rest>.*)$"
)
# A bare question number, alone on its line ("1", "1.", "1)"): the ministry .docx layout.
BARE_NUMBER = re.compile(r"^\s*(?P<number>\d{1,3})\s*+[.)]?\s*$")
# "1. Wat wordt bedoeld …": numbered questions with unlabelled answers (Algemene Rekenkamer).
DOTTED_QUESTION = re.compile(r"^\s*(?P<number>\d{1,3})\.\s+(?P<rest>[A-ZÀ-Ý‘'\"“(].*)$")

_RANGE = re.compile(r"(\d{1,3})[a-z]?(?:\s*t/m\s*|\s+tot en met\s+|\s*[-–]\s*)(\d{1,3})")
_MAX_RANGE = 40


class LabelKind(Enum):
    QUESTION = "question"
    ANSWER = "answer"
    BARE_NUMBER = "bare_number"
    DOTTED = "dotted"


@dataclass(frozen=True)
class Label:
    """A recognised label: its kind, the question numbers it names, and text after it."""

    kind: LabelKind
    numbers: tuple[int, ...]
    rest: str


def parse_numbers(spec: str) -> tuple[int, ...]:
    """ "4, 5, 7 en 8" -> (4, 5, 7, 8); "2 t/m 6" -> (2, …, 6); sub-letters ("2a") keep their number."""
    numbers: list[int] = []
    position = 0
    for m in _RANGE.finditer(spec):
        numbers.extend(int(n) for n in re.findall(r"\d{1,3}", spec[position : m.start()]))
        low, high = int(m.group(1)), int(m.group(2))
        numbers.extend(range(low, high + 1) if low < high <= low + _MAX_RANGE else (low, high))
        position = m.end()
    numbers.extend(int(n) for n in re.findall(r"\d{1,3}", spec[position:]))
    return tuple(dict.fromkeys(numbers))


def _body_allowed(rest: str) -> bool:
    """Text after a label must look like the start of a sentence, not like running text
    ("Vraag 3 is al beantwoord" has lower case; "Antwoord 2 oktober" is a date)."""
    rest = rest.strip()
    return not rest or rest[0].isupper() or rest[0] in "‘'\"“(«"


def match_label(text: str) -> Label | None:
    """The label that opens `text`, if any."""
    if m := _QUESTION.match(text):
        if _body_allowed(m.group("rest")):
            return Label(LabelKind.QUESTION, parse_numbers(m.group("numbers")), m.group("rest").strip())
        return None
    if m := _ANSWER.match(text):
        rest = m.group("rest").strip()
        if not _body_allowed(rest) or (rest and not m.group("numbers") and not m.group("colon")):
            return None  # "Antwoord van Minister …", "Antwoorden Algemene Rekenkamer …": a heading, not a label
        numbers = parse_numbers(m.group("numbers")) if m.group("numbers") else ()
        return Label(LabelKind.ANSWER, numbers, rest)
    if m := BARE_NUMBER.match(text):
        return Label(LabelKind.BARE_NUMBER, (int(m.group("number")),), "")
    if m := DOTTED_QUESTION.match(text):
        return Label(LabelKind.DOTTED, (int(m.group("number")),), m.group("rest").strip())
    return None
