"""`/v1/documents`: what the index holds (reading only; changes are in admin.py)."""

from __future__ import annotations

import logging
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.zaken import related_documents
from vraagbaak.service.deps import RetrieverDep
from vraagbaak.service.schemas import DocumentDetail, DocumentList, UnitWindow
from vraagbaak.service.shapes import summarise, unit_brief, unit_text

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["documents"])

# Units in full per response (?full=true): the document view of a long document pages through it.
MAX_WINDOW = 200
DEFAULT_WINDOW = 100


def unknown_document(doc_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"no document {doc_id!r} in the index; GET /v1/documents lists them")


@router.get("/documents", summary="Documents in the index, with unit counts and parties")
def list_documents(retriever: RetrieverDep) -> DocumentList:
    documents = [
        summarise(document, retriever.units_of(doc_id))
        for doc_id, document in sorted(retriever.content.documents.items())
    ]
    return DocumentList(count=len(documents), index_generation=retriever.generation, documents=documents)


def unit_window(retriever: Retriever, doc_id: str, offset: int, limit: int, around: str | None) -> UnitWindow:
    """`limit` units in full from `offset`; with `around`, the run that holds that unit, a quarter down."""
    units = retriever.units_of(doc_id)
    if around is not None:
        position = next((i for i, unit in enumerate(units) if unit.unit_id == around), None)
        if position is None:
            raise HTTPException(status_code=404, detail=f"no unit {around!r} in document {doc_id!r}")
        offset = max(0, min(position - limit // 4, len(units) - limit))
    chosen = units[offset : offset + limit]
    return UnitWindow(
        offset=offset, limit=limit, total=len(units), units=[unit_text(retriever, unit) for unit in chosen]
    )


def document_detail(retriever: Retriever, doc_id: str, window: UnitWindow | None = None) -> DocumentDetail:
    document = retriever.document(doc_id)
    if document is None:
        raise unknown_document(doc_id)
    units = retriever.units_of(doc_id)
    return DocumentDetail(
        **summarise(document, units).model_dump(),
        source_file=PurePath(document.source_path).name,  # never the server's directories
        content_hash=document.content_hash,
        warnings=list(document.warnings),
        **document.model_dump(
            include={"vergaderjaar", "aanhangsel_nr", "zaaknummer", "addressee", "answered_by", "subject"}
            | {"submitted", "received", "postponement", "source"}
        ),
        url=document.url,
        related=related_documents(retriever, doc_id),
        questioners=list(document.questioners),
        unit_list=[unit_brief(unit) for unit in units],
        window=window,
    )


@router.get("/documents/{doc_id}", summary="One document, the ids of its units, and with ?full=true their text")
def get_document(
    doc_id: str,
    retriever: RetrieverDep,
    full: Annotated[bool, Query(description="Add `window`: units in full, in document order.")] = False,
    offset: Annotated[int, Query(ge=0, description="With full: the first unit of the window, from 0.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_WINDOW, description="With full: units in the window.")] = DEFAULT_WINDOW,
    unit: Annotated[
        str | None, Query(max_length=200, description="With full: the window holding this unit (offset ignored).")
    ] = None,
) -> DocumentDetail:
    if retriever.document(doc_id) is None:
        raise unknown_document(doc_id)
    window = unit_window(retriever, doc_id, offset, limit, unit) if full else None
    return document_detail(retriever, doc_id, window)
