"""What the heading of an answer to schriftelijke vragen states about it.

The Aanhangsel prints, before "Vraag 1": the vergaderjaar and the Aanhangsel
number, "Vragen van het lid Bontenbal (CDA) aan de Minister voor Klimaat en
Energie over … (ingezonden 6 februari 2024)" and "Antwoord van Minister
Jetten (Klimaat en Energie) (ontvangen 27 februari 2024)". The ministry's
.docx has "AH 604" and the zaaknummer instead; a question document has no
"Antwoord van"; a postponement notice says "Mededeling van …" and tells in a
sentence who asked what. Every pattern runs over a bounded head of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vraagbaak.dutch_dates import MONTH_NUMBERS, MONTHS

_HEAD_CHARS = 4000
_DATE = r"(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})"
_VERGADERJAAR = re.compile(r"[Vv]ergaderjaar\s+(\d{4})\s*[–-]\s*(\d{4})")
_PUBLICATION_ID = re.compile(r"\bah-tk-(\d{4})(\d{4})-(\d{1,5})\b")
_AANHANGSEL_NR = (
    re.compile(r"gegeven antwoorden\s+(\d{1,5})\b"),
    re.compile(r"(?:^|\n)\s*AH\s+(\d{1,5})\s*(?:\n|$)"),
)
_ZAAKNUMMER = re.compile(r"\b((?:19|20)\d{2}Z\d{5})\b")
_ASKED = re.compile(r"Vragen van (?:het lid|de leden|lid) ")
_NOTICE_ASKED = re.compile(r"(?:het lid|de leden) (?=[^.]{3,300}? (?:schriftelijke )?vragen gesteld aan )")
_SUBMITTED_AT = re.compile(r"\s*\(ingezonden")
_SENTENCE_END = re.compile(r"\.\s|\.$")
_WINDOW = 1500
_ANSWERED = re.compile(r"(?:Antwoord|Mededeling) van (?P<by>.{3,300}?)\s*\(?ontvangen " + _DATE + r"\)?")
_SUBMITTED = re.compile(r"\(ingezonden " + _DATE + r"\)")
# Ends at a wide gap, a bracket, the salutation (a flattened letter has no gaps) or the text's end.
_LETTER_SUBJECT = re.compile(r"\b(?:betreft|BETREFT|Betreft)\s*:?\s+(\S.{4,200}?)(?:\s{2,}|\s*\(|\s(?=Geachte\b)|$)")
_NAME_PARTY = re.compile(r"^(?P<name>.+?)\s*\((?P<party>[^()]{1,60})\)$")
_SHARED_PARTY = re.compile(r"^(?:beiden|allen|alle drie|alle vier)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Heading:
    vergaderjaar: str | None = None
    aanhangsel_nr: str | None = None
    zaaknummer: str | None = None
    questioners: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    addressee: str | None = None
    answered_by: str | None = None
    subject: str | None = None
    submitted: date | None = None
    received: date | None = None
    letter_subject: str | None = None  # a letter's "betreft" line (answer letters of the Algemene Rekenkamer)


def _date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), MONTH_NUMBERS[month.lower()], int(day))
    except (KeyError, ValueError):
        return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,.")


def split_questioners(who: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """ "Minhas en Rudmer Heerema (beiden VVD)" -> (("Minhas (VVD)", "Rudmer Heerema (VVD)"), ("VVD",))."""
    names: list[tuple[str, str | None]] = []
    for part in re.split(r",\s*|\s+en\s+", _squash(who)):
        part = part.strip()
        if not part:
            continue
        m = _NAME_PARTY.match(part)
        names.append((m.group("name"), m.group("party")) if m else (part, None))
    # "A, B en C (beiden X)": a shared party covers the names before it that have none.
    for pos in range(len(names) - 1, -1, -1):
        name, party = names[pos]
        if party and _SHARED_PARTY.match(party):
            shared = _SHARED_PARTY.sub("", party)
            names[pos] = (name, shared)
            back = pos - 1
            while back >= 0 and names[back][1] is None:
                names[back] = (names[back][0], shared)
                back -= 1
    people = [f"{name} ({party})" if party else name for name, party in names]
    parties = list(dict.fromkeys(party for _, party in names if party))
    return tuple(people), tuple(parties)


def _who_to_what(flat: str) -> tuple[str, str, str] | None:
    """(who asked, whom, about what) from "Vragen van het lid X aan Y over Z (ingezonden …)"
    or a notice's "de leden X hebben schriftelijke vragen gesteld aan Y over Z."; found by
    plain searches in a bounded window, so no pattern can backtrack over the text."""
    if m := _ASKED.search(flat):
        start, to_word = m.end(), " aan "
    elif m := _NOTICE_ASKED.search(flat):
        start, to_word = m.end(), " gesteld aan "
    else:
        return None
    window = flat[start : start + _WINDOW]
    to_at = window.find(to_word)
    over_at = window.find(" over ", to_at + 1) if to_at > 0 else -1
    if over_at < 0:
        return None
    who = window[:to_at]
    who = re.sub(r"\s+(?:(?:hebben|heeft)\s+)?(?:schriftelijke\s+)?vragen$", "", who)
    end = _SUBMITTED_AT.search(window, over_at) or _SENTENCE_END.search(window, over_at)
    subject = window[over_at + len(" over ") : end.start() if end else len(window)]
    return _squash(who), _squash(window[to_at + len(to_word) : over_at]), _squash(subject)


def read_heading(text: str) -> Heading:
    """The heading's facts; any that are not printed stay None."""
    head = text[:_HEAD_CHARS]
    flat = _squash(head)
    fields: dict[str, object] = {}
    if m := _VERGADERJAAR.search(head):
        fields["vergaderjaar"] = f"{m.group(1)}-{m.group(2)}"
    publication = _PUBLICATION_ID.search(text[: _HEAD_CHARS * 4])
    if publication and "vergaderjaar" not in fields:
        fields["vergaderjaar"] = f"{publication.group(1)}-{publication.group(2)}"
    for pattern in _AANHANGSEL_NR:
        if m := pattern.search(head):
            fields["aanhangsel_nr"] = m.group(1)
            break
    else:
        if publication:
            fields["aanhangsel_nr"] = publication.group(3)
    if m := _ZAAKNUMMER.search(head):
        fields["zaaknummer"] = m.group(1)
    if asked := _who_to_what(flat):
        who, fields["addressee"], fields["subject"] = asked
        fields["questioners"], fields["parties"] = split_questioners(who)
    if m := _LETTER_SUBJECT.search(head):
        fields["letter_subject"] = _squash(m.group(1))
    if m := _SUBMITTED.search(flat):
        fields["submitted"] = _date(m.group(1), m.group(2), m.group(3))
    if m := _ANSWERED.search(flat):
        fields["answered_by"] = _squash(m.group("by"))
        fields["received"] = _date(m.group(2), m.group(3), m.group(4))
    return Heading(**fields)  # type: ignore[arg-type]
