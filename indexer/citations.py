"""Citations: everything a drafter needs to cite a unit, and the line to paste.

Built from the unit and its document only, so the API, the CLI and the
evaluation report cite the same way.
"""

from __future__ import annotations

import datetime

from pydantic import BaseModel, ConfigDict

from indexer.dutch_dates import format_dutch_date
from indexer.units import Document, DocumentKind, Unit


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_title: str
    kind: DocumentKind
    dossier: str | None
    kamerstuk_nr: str | None
    question_number: int | None
    party: str | None
    section: str | None
    page: int | None
    date: datetime.date | None
    footnotes: dict[int, str]
    refs: tuple[str, ...]
    formatted: str


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


def format_citation(unit: Unit, document: Document) -> str:
    """A ready-to-paste Dutch citation line."""
    source = _title_with_kamerstuk(document)
    if document.kind is DocumentKind.QA_LIST and unit.number is not None:
        lead = f"Antwoord op vraag {unit.number}, {source}"
    elif document.kind is DocumentKind.WRITTEN_CONSULTATION and unit.number is not None:
        by = f"de inbreng van de {unit.party}-fractie" if unit.party else "de inbreng"
        lead = f"Antwoord van het kabinet op {by} (antwoord {unit.number}), {source}"
    else:
        lead = source + (f", § {unit.section}" if unit.section else "")
    extras = [f"p. {unit.page}" if unit.page else "", format_dutch_date(document.date) if document.date else ""]
    return ", ".join([lead, *[extra for extra in extras if extra]])


def cite(unit: Unit, document: Document) -> Citation:
    return Citation(
        document_title=document.title,
        kind=document.kind,
        dossier=document.dossier,
        kamerstuk_nr=document.kamerstuk_nr,
        question_number=unit.number if document.kind is not DocumentKind.PROSE else None,
        party=unit.party,
        section=unit.section,
        page=unit.page,
        date=document.date,
        footnotes=unit.footnotes,
        refs=unit.refs,
        formatted=format_citation(unit, document),
    )
