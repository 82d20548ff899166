"""From the core's documents and units to the API's response shapes, in one place for every route.

A unit's own fields are copied by `units.unit_as`; what the API adds (links to
other units, citations, the document, near-duplicates) is added here, and every
link to a unit is built by `unit_url`.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from vraagbaak.retrieval.citations import cite
from vraagbaak.retrieval.crossrefs import UnitLink, referenced_by, refs_of
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.similar import similar_links
from vraagbaak.service.schemas import DocumentSummary, SimilarRef, UnitBrief, UnitDetail, UnitRef, UnitText
from vraagbaak.units import Document, Unit, unit_as


def unit_url(unit_id: str) -> str:
    """The path of `GET /v1/units/{unit_id}` for one unit (prefix the base URL for an absolute link)."""
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


def unit_brief(unit: Unit) -> UnitBrief:
    return unit_as(UnitBrief, unit)


def unit_text(retriever: Retriever, unit: Unit) -> UnitText:
    return unit_as(UnitText, unit, **_unit_links(retriever, unit))


def unit_detail(retriever: Retriever, unit: Unit) -> UnitDetail:
    """A unit in full with its document and near-duplicates: `GET /v1/units/{unit_id}`."""
    return unit_as(
        UnitDetail,
        unit,
        **_unit_links(retriever, unit),
        document=summarise(retriever.content.documents[unit.doc_id], retriever.units_of(unit.doc_id)),
        similar=similar_refs(retriever, [unit.unit_id])[unit.unit_id],
    )


def _unit_links(retriever: Retriever, unit: Unit) -> dict[str, object]:
    """What a unit in full adds to its own fields: references both ways, and its citation."""
    return {
        "refs": [with_url(link) for link in refs_of(retriever, unit)],
        "referenced_by": [with_url(link) for link in referenced_by(retriever, unit.unit_id)],
        "citation": cite(unit, retriever.content.documents[unit.doc_id]),
    }


def similar_refs(retriever: Retriever, unit_ids: Sequence[str]) -> dict[str, list[SimilarRef]]:
    """Per unit id, its near-duplicates from the stored question vectors, each with its URL; no model call."""
    return {
        unit_id: [SimilarRef(**link.model_dump(), url=unit_url(link.unit_id)) for link in links]
        for unit_id, links in similar_links(retriever.content, unit_ids).items()
    }
