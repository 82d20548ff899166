"""`/v1/units/{unit_id}`: one unit in full, with its footnotes and the units it refers to."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, HTTPException

from indexer.retrieval.citations import cite
from service.deps import RetrieverDep
from service.routes.documents import summarise
from service.schemas import UnitRef, UnitResponse

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["units"])


def unit_url(unit_id: str) -> str:
    return f"/v1/units/{quote(unit_id, safe=':')}"


@router.get("/units/{unit_id}", summary="One unit with footnotes, citation and references")
def get_unit(unit_id: str, retriever: RetrieverDep) -> UnitResponse:
    unit = retriever.unit(unit_id)
    if unit is None:
        raise HTTPException(status_code=404, detail=f"no unit {unit_id!r} in the index")
    document = retriever.content.documents[unit.doc_id]
    return UnitResponse(
        unit_id=unit.unit_id,
        doc_id=unit.doc_id,
        number=unit.number,
        question=unit.question,
        answer=unit.answer,
        party=unit.party,
        section=unit.section,
        page=unit.page,
        footnotes=unit.footnotes,
        refs=[UnitRef(unit_id=ref, url=unit_url(ref) if retriever.unit(ref) else None) for ref in unit.refs],
        citation=cite(unit, document),
        document=summarise(document, retriever.units_of(unit.doc_id)),
    )
