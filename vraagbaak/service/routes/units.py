"""`/v1/units/{unit_id}`: one unit in full, with its footnotes, the units it refers to and those referring to it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException

from vraagbaak.service.deps import RetrieverDep
from vraagbaak.service.schemas import UnitDetail
from vraagbaak.service.shapes import unit_detail

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["units"])


@router.get("/units/{unit_id}", summary="One unit with footnotes, citation and references both ways")
def get_unit(unit_id: str, retriever: RetrieverDep) -> UnitDetail:
    unit = retriever.unit(unit_id)
    if unit is None:
        raise HTTPException(status_code=404, detail=f"no unit {unit_id!r} in the index")
    return unit_detail(retriever, unit)
