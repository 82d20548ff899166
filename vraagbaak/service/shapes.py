"""From the core's documents and units to the API's response shapes, in one place for every route."""

from __future__ import annotations

from urllib.parse import quote

from vraagbaak.retrieval.citations import cite
from vraagbaak.retrieval.crossrefs import UnitLink, referenced_by, refs_of
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.schemas import DocumentSummary, UnitRef, UnitText
from vraagbaak.units import Document, Unit


def unit_url(unit_id: str) -> str:
    return f"/v1/units/{quote(unit_id, safe=':')}"


def with_url(link: UnitLink) -> UnitRef:
    """A link with where to fetch it; a target that is not in the index keeps its id and gets no url."""
    return UnitRef(**link.model_dump(), url=unit_url(link.unit_id) if link.doc_id is not None else None)


def summarise(document: Document, units: list[Unit]) -> DocumentSummary:
    return DocumentSummary(
        doc_id=document.doc_id,
        kind=document.kind,
        title=document.title,
        dossier=document.dossier,
        kamerstuk_nr=document.kamerstuk_nr,
        date=document.date,
        units=len(units),
        unanswered=sum(not unit.answered for unit in units),
        parties=sorted({party.strip() for unit in units if unit.party for party in unit.party.split(",")}),
    )


def unit_text(retriever: Retriever, unit: Unit) -> UnitText:
    document = retriever.content.documents[unit.doc_id]
    return UnitText(
        unit_id=unit.unit_id,
        number=unit.number,
        question_numbers=list(unit.question_numbers),
        answered=unit.answered,
        question=unit.question,
        answer=unit.answer,
        party=unit.party,
        section=unit.section,
        page=unit.page,
        footnotes=unit.footnotes,
        refs=[with_url(link) for link in refs_of(retriever, unit)],
        referenced_by=[with_url(link) for link in referenced_by(retriever, unit.unit_id)],
        citation=cite(unit, document),
    )
