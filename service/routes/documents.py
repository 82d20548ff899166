"""`/v1/documents`: what the index holds (reading only; changes are in admin.py)."""

from __future__ import annotations

import logging
from pathlib import PurePath

from fastapi import APIRouter, HTTPException

from indexer.retrieval.retriever import Retriever
from indexer.units import Document, Unit
from service.deps import RetrieverDep
from service.schemas import DocumentDetail, DocumentList, DocumentSummary, UnitBrief

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["documents"])


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


def unknown_document(doc_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"no document {doc_id!r} in the index; GET /v1/documents lists them")


@router.get("/documents", summary="Documents in the index, with unit counts and parties")
def list_documents(retriever: RetrieverDep) -> DocumentList:
    documents = [
        summarise(document, retriever.units_of(doc_id))
        for doc_id, document in sorted(retriever.content.documents.items())
    ]
    return DocumentList(count=len(documents), index_generation=retriever.generation, documents=documents)


def document_detail(retriever: Retriever, doc_id: str) -> DocumentDetail:
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
            | {"submitted", "received", "postponement"}
        ),
        questioners=list(document.questioners),
        unit_list=[
            UnitBrief(
                unit_id=u.unit_id,
                number=u.number,
                question_numbers=list(u.question_numbers),
                answered=u.answered,
                question=u.question,
                party=u.party,
                page=u.page,
            )
            for u in units
        ],
    )


@router.get("/documents/{doc_id}", summary="One document and the ids of its units")
def get_document(doc_id: str, retriever: RetrieverDep) -> DocumentDetail:
    return document_detail(retriever, doc_id)
