"""Citations: everything a drafter needs to cite a unit, and the line to paste.

Built from the unit and its document only, so the API, the CLI and the
evaluation report cite the same way.
"""

from __future__ import annotations

import datetime

from pydantic import BaseModel, ConfigDict

from vraagbaak.dutch_dates import format_dutch_date
from vraagbaak.units import Document, DocumentKind, Unit


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_title: str
    kind: DocumentKind
    dossier: str | None
    kamerstuk_nr: str | None
    question_number: int | None
    question_numbers: tuple[int, ...] = ()
    answered: bool = True
    party: str | None
    section: str | None
    page: int | None
    date: datetime.date | None
    footnotes: dict[int, str]
    refs: tuple[str, ...]
    formatted: str
    url: str | None = None
    """The document's public page (officielebekendmakingen.nl or tweedekamer.nl) where the source names one."""


def kamerstuk_label(document: Document) -> str | None:
    if not document.dossier:
        return None
    return f"Kamerstuk {document.dossier}" + (f", nr. {document.kamerstuk_nr}" if document.kamerstuk_nr else "")


def _title_with_kamerstuk(document: Document) -> str:
    """The title, followed by the kamerstuk unless the title already names it."""
    label = kamerstuk_label(document)
    if label is None or (document.dossier and document.dossier in document.title.replace(" ", "")):
        return document.title
    return f"{document.title} ({label})"


def _vergaderjaar(value: str) -> str:
    """ "2023-2024" -> "2023/24", the way the Handelingen are cited."""
    first, _, second = value.partition("-")
    return f"{first}/{second[-2:]}" if second else value


def _numbers_phrase(unit: Unit, word: str) -> str:
    """ "vraag 2", "vragen 4 en 5" """
    numbers = unit.question_numbers
    if len(numbers) == 1:
        return f"{word} {numbers[0]}"
    return (
        f"{word[:-2] + 'gen' if word.endswith('aag') else word} "
        + ", ".join(map(str, numbers[:-1]))
        + (f" en {numbers[-1]}")
    )


def _asked_by(document: Document) -> str:
    if not document.questioners:
        return ""
    member = "het lid" if len(document.questioners) == 1 else "de leden"
    names = document.questioners
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" en {names[-1]}"
    return f" van {member} {listed}"


def _aanhangsel(document: Document, answered: str) -> str:
    """ "Aanhangsel Handelingen II 2023/24, nr. 1108, zaak …, antwoord op {answered} van het lid Bontenbal (CDA)" """
    year = f" {_vergaderjaar(document.vergaderjaar)}" if document.vergaderjaar else ""
    parts = [f"Aanhangsel Handelingen II{year}"]
    if document.aanhangsel_nr:
        parts.append(f"nr. {document.aanhangsel_nr}")
    if document.zaaknummer:
        parts.append(f"zaak {document.zaaknummer}")
    return ", ".join(parts) + f", antwoord op {answered}{_asked_by(document)}"


def _aanhangsel_citation(unit: Unit, document: Document) -> str:
    """ "Aanhangsel Handelingen II 2023/24, nr. 1108, antwoord op vraag 2 van het lid Bontenbal (CDA)" """
    return _aanhangsel(document, _numbers_phrase(unit, "vraag"))


def _question_citation(unit: Unit, document: Document) -> str:
    """ "Schriftelijke vragen van het lid Boswijk (CDA), 2024Z18792, vraag 3 (nog niet beantwoord)" """
    lead = f"Schriftelijke vragen{_asked_by(document)}"
    parts = [lead, document.zaaknummer or "", _numbers_phrase(unit, "vraag") + " (nog niet beantwoord)"]
    return ", ".join(part for part in parts if part)


def format_citation(unit: Unit, document: Document) -> str:
    """A ready-to-paste Dutch citation line."""
    source = _title_with_kamerstuk(document)
    if not unit.answered and unit.number is not None:
        lead = _question_citation(unit, document)
    elif document.kind is DocumentKind.WRITTEN_ANSWERS and unit.number is not None:
        lead = _aanhangsel_citation(unit, document)
    elif document.kind is DocumentKind.QA_LIST and unit.number is not None:
        lead = f"Antwoord op vraag {unit.number}, {source}"
    elif document.kind is DocumentKind.WRITTEN_CONSULTATION and unit.number is not None:
        by = f"de inbreng van de {unit.party}-fractie" if unit.party else "de inbreng"
        lead = f"Antwoord van het kabinet op {by} (antwoord {unit.number}), {source}"
    else:
        lead = source + (f", § {unit.section}" if unit.section else "")
    extras = [f"p. {unit.page}" if unit.page else "", format_dutch_date(document.date) if document.date else ""]
    return ", ".join([lead, *[extra for extra in extras if extra]])


def format_document_citation(document: Document) -> str:
    """The document as a whole, ready to paste: "Aanhangsel Handelingen II 2023/24, nr. 1108, zaak 2024Z14815,
    antwoord op vragen van het lid Bontenbal (CDA), 5 juni 2024"; other kinds: title (kamerstuk), date."""
    if document.kind is DocumentKind.WRITTEN_ANSWERS and (document.vergaderjaar or document.aanhangsel_nr):
        lead = _aanhangsel(document, "vragen")
    else:
        lead = _title_with_kamerstuk(document)
    return ", ".join([lead, format_dutch_date(document.date)] if document.date else [lead])


def cite(unit: Unit, document: Document) -> Citation:
    return Citation(
        document_title=document.title,
        kind=document.kind,
        dossier=document.dossier,
        kamerstuk_nr=document.kamerstuk_nr,
        question_number=unit.number if document.kind is not DocumentKind.PROSE else None,
        question_numbers=unit.question_numbers,
        answered=unit.answered,
        party=unit.party,
        section=unit.section,
        page=unit.page,
        date=document.date,
        footnotes=unit.footnotes,
        refs=unit.refs,
        formatted=format_citation(unit, document),
        url=document.url,
    )
