"""Where each set of schriftelijke vragen stands: open, postponed, overdue or answered.

A set of questions is a Zaak: its question document, any postponement notices ("Mededeling (uitstel
antwoord)") and its answer, linked by the Zaak number the source gives synced documents and the heading
prints on uploads. An answer or notice whose Zaak is unknown stands alone, as its own set.

The rule (README, "Where each question stands"): the government answers within the term (three weeks,
`VRAAGBAAK_ANSWER_TERM_DAYS`) after the questions were sent in ("ingezonden"). A postponement notice
moves the due date to the date it names, or else to another term after the notice. A set past its due
date without an answer is overdue. A notice that says the questions were answered by letter counts as
the answer, on the date it names.
"""

from __future__ import annotations

import datetime
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from vraagbaak.dutch_dates import find_dutch_dates
from vraagbaak.retrieval.zaken import zaak_nummers_of
from vraagbaak.units import Document, DocumentKind

DEFAULT_TERM_DAYS = 21
_PARTY = re.compile(r"\(([^()]+)\)\s*$")
_ANSWERED_ELSEWHERE = re.compile(
    r"\b(?:zijn|is|werden|werd)\s+(?:(?!niet\b|nog\b)\w+\s+){0,3}?beantwoord\b", re.IGNORECASE
)
"""A notice saying the questions were answered (by letter, in a debate): "zijn beantwoord middels een brief"."""
_PROMISE = re.compile(
    r"\b(?:verwacht\w*|streef\w*|streven|zullen|zal|hoop\w*|uiterlijk|voor het eind)\b", re.IGNORECASE
)
"""Words that make "zijn beantwoord" a promise ("ik verwacht dat de vragen voor 1 juli zijn beantwoord")."""


class QuestionStatus(StrEnum):
    OPEN = "open"
    POSTPONED = "postponed"
    OVERDUE = "overdue"
    ANSWERED = "answered"


@dataclass(frozen=True)
class QuestionSet:
    """One Zaak's questions and where they stand on `today`."""

    key: str
    """The Zaak number, or the id of the one document of a set without one."""
    zaaknummer: str | None
    status: QuestionStatus
    title: str
    addressee: str | None
    questioners: tuple[str, ...]
    parties: tuple[str, ...]
    submitted: datetime.date | None
    due: datetime.date | None
    days_overdue: int
    postponed_on: datetime.date | None
    postponement: str | None
    answered_on: datetime.date | None
    answered_by: str | None
    question_docs: tuple[str, ...]
    notice_docs: tuple[str, ...]
    answer_docs: tuple[str, ...]

    @property
    def doc_ids(self) -> tuple[str, ...]:
        return (*self.question_docs, *self.notice_docs, *self.answer_docs)

    @property
    def days_to_answer(self) -> int | None:
        if self.answered_on is None or self.submitted is None:
            return None
        return (self.answered_on - self.submitted).days


def soort_role(soort: str | None) -> str | None:
    """The role the source's Soort gives a document in its Zaak: 'answer' ("Antwoord schriftelijke vragen",
    "… (nader)"), 'notice' ("Mededeling (uitstel antwoord)"), 'question' ("Schriftelijke vragen"), or None."""
    if not soort:
        return None
    if soort.startswith("Antwoord schriftelijke vragen"):
        return "answer"
    if soort.startswith("Mededeling"):
        return "notice"
    if soort.startswith("Schriftelijke vragen"):
        return "question"
    return None


def role(document: Document) -> str | None:
    """'question', 'notice' or 'answer' for the documents a question set is made of; None for the rest."""
    by_soort = soort_role(document.source.soort if document.source else None)
    if document.kind is DocumentKind.WRITTEN_ANSWERS or by_soort == "answer":
        return "answer"
    if document.kind is DocumentKind.POSTPONEMENT or by_soort == "notice":
        return "notice"
    if document.kind is DocumentKind.WRITTEN_QUESTIONS or by_soort == "question":
        return "question"
    return None


def normalise_addressee(value: str | None) -> str | None:
    """ "de minister van Buitenlandse Zaken" -> "Minister van Buitenlandse Zaken": one spelling per ministry."""
    if not value:
        return None
    text = " ".join(value.split())
    if text.lower().startswith("de "):
        text = text[3:]
    return text[:1].upper() + text[1:] if text else None


def parties_of(questioners: Iterable[str]) -> tuple[str, ...]:
    found = [match.group(1).strip() for name in questioners if (match := _PARTY.search(name))]
    return tuple(dict.fromkeys(found))


def _first(values: Iterable[datetime.date | None]) -> datetime.date | None:
    dated = [value for value in values if value is not None]
    return min(dated) if dated else None


def _submitted(document: Document) -> datetime.date | None:
    if document.submitted:
        return document.submitted
    if role(document) == "question":
        return (document.source.datum if document.source else None) or document.date
    return None


def _addressee(*groups: Sequence[Document]) -> str | None:
    """The question document's addressee, else the answer's, else the notice's."""
    return normalise_addressee(next((d.addressee for group in groups for d in group if d.addressee), None))


def _notice_date(document: Document) -> datetime.date | None:
    return document.date or (document.source.datum if document.source else None) or document.received


def assess(
    key: str, zaaknummer: str | None, documents: Sequence[Document], today: datetime.date, term_days: int
) -> QuestionSet:
    """The status of one set of documents on `today`."""
    by_role: dict[str, list[Document]] = {"question": [], "notice": [], "answer": []}
    for document in sorted(documents, key=lambda d: (d.date or datetime.date.min, d.doc_id)):
        if (kind := role(document)) is not None:
            by_role[kind].append(document)
    questions, notices, answers = by_role["question"], by_role["notice"], by_role["answer"]
    lead = (questions or answers or notices)[0]
    submitted = _first(_submitted(document) for document in documents)
    term = datetime.timedelta(days=term_days)
    due = submitted + term if submitted else None
    status, answered_on, answered_by = QuestionStatus.OPEN, None, None
    postponed_on = None
    postponement = None
    if answers:
        answer = answers[-1]
        status, answered_on, answered_by = QuestionStatus.ANSWERED, answer.received or answer.date, answer.answered_by
    for notice in notices:
        notice_on = _notice_date(notice)
        text = notice.postponement or ""
        later = [d for d in find_dutch_dates(text) if notice_on is None or d >= notice_on]
        answered_elsewhere = (
            _ANSWERED_ELSEWHERE.search(text) and not _PROMISE.search(text) and (not later or later[-1] <= today)
        )
        if not answers and answered_elsewhere:  # "zijn beantwoord middels een brief ... op 7 juni"
            status, answered_on = QuestionStatus.ANSWERED, (later[-1] if later else notice_on)
            answered_by = notice.answered_by
        elif status is not QuestionStatus.ANSWERED:
            status, postponed_on, postponement = QuestionStatus.POSTPONED, notice_on, text or None
            if later:
                due = later[-1]
            elif notice_on is not None:
                due = notice_on + term
    days_overdue = 0
    if status in (QuestionStatus.OPEN, QuestionStatus.POSTPONED) and due is not None and today > due:
        days_overdue = (today - due).days
        status = QuestionStatus.OVERDUE
    questioners = tuple(dict.fromkeys(name for d in documents for name in d.questioners))
    return QuestionSet(
        key=key,
        zaaknummer=zaaknummer,
        status=status,
        title=(questions[0].title if questions else lead.title),
        addressee=normalise_addressee(
            next((d.addressee for d in (*questions, *answers, *notices) if d.addressee), None)
        ),
        questioners=questioners,
        parties=parties_of(questioners),
        submitted=submitted,
        due=None if status is QuestionStatus.ANSWERED else due,
        days_overdue=days_overdue,
        postponed_on=postponed_on,
        postponement=postponement,
        answered_on=answered_on,
        answered_by=answered_by,
        question_docs=tuple(d.doc_id for d in questions),
        notice_docs=tuple(d.doc_id for d in notices),
        answer_docs=tuple(d.doc_id for d in answers),
    )


def question_sets(documents: Iterable[Document], today: datetime.date, term_days: int) -> list[QuestionSet]:
    """Every set of questions among `documents`, grouped by Zaak.

    A question document belongs to its first Zaak; an answer or notice to every Zaak it carries, so a
    joint answer settles each set it answers.
    """
    grouped: dict[str, list[Document]] = {}
    numbers: dict[str, str | None] = {}
    for document in documents:
        kind = role(document)
        if kind is None:
            continue
        zaken = zaak_nummers_of(document)
        for key in (zaken if kind != "question" else zaken[:1]) or (document.doc_id,):
            grouped.setdefault(key, []).append(document)
            numbers[key] = key if zaken else None
    return [assess(key, numbers[key], docs, today, term_days) for key, docs in sorted(grouped.items())]


@dataclass(frozen=True)
class QuestionFilter:
    status: QuestionStatus | None = None
    addressee: str | None = None
    party: str | None = None
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None

    def admits(self, item: QuestionSet) -> bool:
        if self.status is not None and item.status is not self.status:
            return False
        if self.addressee and (item.addressee is None or self.addressee.casefold() not in item.addressee.casefold()):
            return False
        if self.party and self.party.casefold() not in {party.casefold() for party in item.parties}:
            return False
        if self.submitted_from and (item.submitted is None or item.submitted < self.submitted_from):
            return False
        return not (self.submitted_to and (item.submitted is None or item.submitted > self.submitted_to))


def backlog_order(items: Iterable[QuestionSet]) -> list[QuestionSet]:
    """Overdue first (longest overdue first), then open and postponed by due date, then answered, newest first."""
    rank = {QuestionStatus.OVERDUE: 0, QuestionStatus.OPEN: 1, QuestionStatus.POSTPONED: 1, QuestionStatus.ANSWERED: 2}

    def key(item: QuestionSet) -> tuple[int, int, int, str]:
        if item.status is QuestionStatus.ANSWERED:
            newest = -(item.answered_on or datetime.date.min).toordinal()
            return (2, newest, 0, item.key)
        due = (item.due or datetime.date.max).toordinal()
        return (rank[item.status], -item.days_overdue, due, item.key)

    return sorted(items, key=key)


@dataclass
class Counts:
    by_status: dict[str, int] = field(default_factory=dict)
    by_addressee: dict[str, dict[str, int]] = field(default_factory=dict)
    by_party: dict[str, dict[str, int]] = field(default_factory=dict)


def count(items: Iterable[QuestionSet]) -> Counts:
    counts = Counts(by_status={status.value: 0 for status in QuestionStatus})
    for item in items:
        counts.by_status[item.status.value] += 1
        addressee = item.addressee or "onbekend"
        row = counts.by_addressee.setdefault(addressee, {status.value: 0 for status in QuestionStatus})
        row[item.status.value] += 1
        for party in item.parties or ("onbekend",):
            party_row = counts.by_party.setdefault(party, {status.value: 0 for status in QuestionStatus})
            party_row[item.status.value] += 1
    return counts


@dataclass(frozen=True)
class AnswerTimes:
    """Days from "ingezonden" to the answer, for one addressee."""

    addressee: str
    answers: int
    median: float
    p25: float
    p75: float
    minimum: int
    maximum: int


def answer_times(items: Iterable[QuestionSet], since: datetime.date) -> list[AnswerTimes]:
    """Per addressee, over the sets answered on or after `since`; most answers first."""
    days: dict[str, list[int]] = {}
    for item in items:
        waited = item.days_to_answer
        answered = item.status is QuestionStatus.ANSWERED and item.answered_on is not None
        if answered and waited is not None and waited >= 0 and item.answered_on and item.answered_on >= since:
            days.setdefault(item.addressee or "onbekend", []).append(waited)
    rows = []
    for addressee, values in days.items():
        values.sort()
        quartiles = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
        rows.append(
            AnswerTimes(
                addressee=addressee,
                answers=len(values),
                median=float(statistics.median(values)),
                p25=float(quartiles[0]),
                p75=float(quartiles[2]),
                minimum=values[0],
                maximum=values[-1],
            )
        )
    return sorted(rows, key=lambda row: (-row.answers, row.addressee))
