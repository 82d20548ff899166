"""What a document says about itself: title, kamerstuk number, date.

Only the head of the document and its page furniture are searched, because
the body cites other kamerstukken that are not the document's own.

When a document names both the kamerstuk it is about and its own number
(an HTML page of a "Verslag van een schriftelijk overleg" has "Kamerstuk
36180-164" in its heading and "kamerstukdossier 36180 -196" in its
metadata), the one in the heading wins: it is what the document is about,
matching a "Lijst van vragen en antwoorden", which states only the kamerstuk
it answers questions on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vraagbaak.dutch_dates import MONTH_NUMBERS, MONTHS

_HEAD_LINES = 40
_KAMERSTUK_PATTERNS = (
    re.compile(r"Kamerstuk(?:ken)?(?: II)?\s+(\d{2}\s?\d{3})\s*-\s*(\d{1,4})\b"),
    re.compile(r"\((\d{2}\s?\d{3}(?: [IVXLC]+)?),\s*nr\.\s*(\d{1,4})\)"),
    re.compile(r"vergaderjaar \d{4}\s*[–-]\s*\d{4},\s*(\d{2}\s?\d{3}(?: [IVXLC]+)?),\s*nr\.\s*(\d{1,4})"),
)
_ISO_DATE = re.compile(r"\bdatum:?\s*(\d{4})-(\d{2})-(\d{2})\b", re.IGNORECASE)
_DUTCH_DATE = re.compile(
    r"\b(?:datum|den haag,|vastgesteld)\s*:?\s*(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})\b", re.IGNORECASE
)
_TITLE_MAX = 200


@dataclass(frozen=True)
class Metadata:
    dossier: str | None = None
    kamerstuk_nr: str | None = None
    date: date | None = None


def _ends_in_page_of(text: str) -> bool:
    """Ends in "k/N", then only whitespace. Read from the end: the regex `\\d+/\\d+\\s*$`
    retries every digit of a long run of digits, quadratic in the run."""
    head = text.rstrip()
    end = len(head)
    while end and head[end - 1].isdecimal():  # the regex's \d: Unicode category Nd, as isdecimal
        end -= 1
    return end < len(head) and end >= 2 and head[end - 1] == "/" and head[end - 2].isdecimal()


def _furniture(lines: list[str]) -> list[str]:
    return [t for t in lines if "vergaderjaar" in t or _ends_in_page_of(t)]


def find_kamerstuk(lines: list[str]) -> tuple[str | None, str | None]:
    """(dossier, nr) from the document's head, else from its page furniture."""
    for region in (lines[:_HEAD_LINES], _furniture(lines)):
        text = " ".join(t.strip() for t in region)
        for pattern in _KAMERSTUK_PATTERNS:
            if m := pattern.search(text):
                return re.sub(r"(\d{2})\s(\d{3})", r"\1\2", m.group(1)), m.group(2)
    return None, None


def find_date(lines: list[str]) -> date | None:
    text = " ".join(t.strip() for t in lines[:_HEAD_LINES])
    try:
        if m := _ISO_DATE.search(text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DUTCH_DATE.search(text):
            return date(int(m.group(3)), MONTH_NUMBERS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None
    return None


def find_metadata(lines: list[str]) -> Metadata:
    dossier, nr = find_kamerstuk(lines)
    return Metadata(dossier=dossier, kamerstuk_nr=nr, date=find_date(lines))


def shorten(text: str, limit: int = _TITLE_MAX) -> str:
    """One line of at most `limit` characters, cut at a word boundary."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(?:\s|$)", re.sub(r"\s+", " ", text).strip())
    return shorten(m.group(1) if m else text, 120)
