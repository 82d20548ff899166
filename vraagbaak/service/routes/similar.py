"""`/v1/similar`: "ook eerder gevraagd" for a list of units at once (a page of search results).

The same lists `GET /v1/units/{id}` gives in `similar`, for up to MAX_K units
in one request, so a result page asks once instead of once per card. Stored
vectors only: no model call, about one matrix product.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from vraagbaak.retrieval.query import MAX_K
from vraagbaak.service.deps import RetrieverDep
from vraagbaak.service.schemas import SimilarRef
from vraagbaak.service.shapes import similar_refs

router = APIRouter(prefix="/v1", tags=["units"])


class SimilarResponse(BaseModel):
    index_generation: str
    similar: dict[str, list[SimilarRef]] = Field(description="Per unit id asked, its near-duplicate questions.")


@router.get("/similar", summary="Near-duplicate questions (ook eerder gevraagd) of up to 50 units")
def similar(
    retriever: RetrieverDep,
    unit_id: Annotated[list[str], Query(min_length=1, max_length=MAX_K, description="Unit ids; repeat the parameter.")],
) -> SimilarResponse:
    unknown = [value for value in unit_id if retriever.unit(value) is None]
    if unknown:
        raise HTTPException(status_code=404, detail=f"no unit {unknown[0]!r} in the index")
    return SimilarResponse(index_generation=retriever.generation, similar=similar_refs(retriever, unit_id))
