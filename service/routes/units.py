"""`/v1/units/{unit_id}`: one unit in full, with its footnotes, the units it refers to and those referring to it."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, HTTPException

from indexer.retrieval.citations import cite
from indexer.retrieval.crossrefs import UnitLink, referenced_by, refs_of
from indexer.retrieval.retriever import Retriever
from indexer.units import Unit
from service.deps import RetrieverDep
from service.routes.documents import summarise
from service.schemas import UnitDetail, UnitRef, UnitText
from service.similar import similar_refs

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["units"])


def unit_url(unit_id: str) -> str:
    return f"/v1/units/{quote(unit_id, safe=':')}"


def with_url(link: UnitLink) -> UnitRef:
    """A link with where to fetch it; a target that is not in the index keeps its id and gets no url."""
    return UnitRef(**link.model_dump(), url=unit_url(link.unit_id) if link.doc_id is not None else None)


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


@router.get("/units/{unit_id}", summary="One unit with footnotes, citation and references both ways")
def get_unit(unit_id: str, retriever: RetrieverDep) -> UnitDetail:
    unit = retriever.unit(unit_id)
    if unit is None:
        raise HTTPException(status_code=404, detail=f"no unit {unit_id!r} in the index")
    document = retriever.content.documents[unit.doc_id]
    return UnitDetail(
        **unit_text(retriever, unit).model_dump(),
        doc_id=unit.doc_id,
        document=summarise(document, retriever.units_of(unit.doc_id)),
        similar=similar_refs(retriever, [unit.unit_id])[unit.unit_id],
    )
