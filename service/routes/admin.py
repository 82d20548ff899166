"""Admin routes, behind the API key: upload or delete a document, reload the index."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from service.deps import RetrieverDep, require_admin
from service.schemas import DOC_ID_PATTERN, DocumentUpload, ReloadResponse, UpdateResponse
from service.updates import IndexUpdater

router = APIRouter(
    prefix="/v1",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={
        401: {"description": "No API key sent."},
        403: {"description": "Wrong API key, or admin disabled (no key configured)."},
    },
)

DocId = Annotated[str, Path(pattern=DOC_ID_PATTERN, description="The document's id.")]


def _updater(request: Request) -> IndexUpdater:
    updater: IndexUpdater = request.app.state.updater
    return updater


UpdaterDep = Annotated[IndexUpdater, Depends(_updater)]


@router.post(
    "/documents",
    summary="Upload a text document: parse it and add it to the index",
    status_code=201,
    responses={200: {"description": "Already indexed with the same content."}, 409: {"description": "Index busy."}},
)
def upload_document(
    upload: DocumentUpload, retriever: RetrieverDep, updater: UpdaterDep, response: Response
) -> UpdateResponse:
    result = updater.add(retriever, upload.doc_id, upload.text)
    if result.status == "unchanged":
        response.status_code = 200
    return result


@router.delete("/documents/{doc_id}", summary="Remove a document and its units from the index")
def delete_document(doc_id: DocId, retriever: RetrieverDep, updater: UpdaterDep) -> UpdateResponse:
    return updater.remove(retriever, doc_id)


@router.post("/admin/reload", summary="Re-read the index directory (after `vraagbaak index build` elsewhere)")
def reload_index(updater: UpdaterDep) -> ReloadResponse:
    return updater.reload()
