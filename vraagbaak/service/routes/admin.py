"""Admin routes, behind the API key: upload or delete a document, reload the index."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, ValidationError

from vraagbaak.service.deps import RetrieverDep, require_admin
from vraagbaak.service.schemas import (
    DOC_ID_DESCRIPTION,
    DOC_ID_PATTERN,
    UPLOAD_TYPES,
    DocumentUpload,
    ReloadResponse,
    UpdateResponse,
    no_parent,
)
from vraagbaak.service.updates import IndexUpdater


@contextlib.asynccontextmanager
async def _stop_parse_worker(app: FastAPI) -> AsyncIterator[None]:
    """Merged into the app's lifespan by `include_router`: the upload parse worker stops with the app."""
    yield
    await anyio.to_thread.run_sync(app.state.updater.close)


router = APIRouter(
    prefix="/v1",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={
        401: {"description": "No API key sent."},
        403: {"description": "Wrong API key, or admin disabled (no key configured)."},
    },
    lifespan=_stop_parse_worker,
)

DocId = Annotated[str, Path(pattern=DOC_ID_PATTERN, description="The document's id.")]
UploadDocId = Annotated[
    str | None,
    Query(pattern=DOC_ID_PATTERN, description=f"The document's id, for a file upload. {DOC_ID_DESCRIPTION}"),
    AfterValidator(lambda value: value if value is None else no_parent(value)),
]
JSON_TYPE = "application/json"
ACCEPTED = ", ".join([JSON_TYPE, *UPLOAD_TYPES])


def _updater(request: Request) -> IndexUpdater:
    updater: IndexUpdater = request.app.state.updater
    return updater


UpdaterDep = Annotated[IndexUpdater, Depends(_updater)]


@dataclass(frozen=True)
class FileUpload:
    doc_id: str
    raw: bytes
    suffix: str
    """From the Content-Type; empty for application/octet-stream (told from the content)."""


async def _json_upload(request: Request) -> DocumentUpload:
    """The JSON body as FastAPI reads a declared body, with the same error messages."""
    body = await request.body()
    if not body:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    try:
        data = json.loads(body)
    except json.JSONDecodeError as error:
        invalid = {"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([{**invalid, "ctx": {"error": error.msg}}], body=error.doc) from error
    except UnicodeDecodeError as error:
        raise HTTPException(status_code=400, detail="body: not valid JSON in UTF-8 (undecodable bytes)") from error
    try:
        return DocumentUpload.model_validate(data, from_attributes=True)
    except ValidationError as error:
        raise RequestValidationError(
            [{**detail, "loc": ("body", *detail["loc"])} for detail in error.errors()], body=data
        ) from error


async def read_upload(request: Request, doc_id: UploadDocId = None) -> DocumentUpload | FileUpload:
    """JSON `{doc_id, text}`, or a file as the raw body with `?doc_id=`; its Content-Type says which."""
    declared = request.headers.get("content-type", "")
    media_type = declared.split(";", 1)[0].strip().lower()
    if media_type == JSON_TYPE or (media_type.startswith("application/") and media_type.endswith("+json")):
        if doc_id is not None:
            raise RequestValidationError(
                [{"type": "extra_forbidden", "loc": ("query", "doc_id"), "msg": "give doc_id in the JSON body only"}]
            )
        return await _json_upload(request)
    if media_type not in UPLOAD_TYPES:
        shown = repr(declared) if declared else "missing"
        raise HTTPException(status_code=415, detail=f"Content-Type {shown} is not accepted; send one of: {ACCEPTED}")
    if doc_id is None:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("query", "doc_id"), "msg": "a file upload needs ?doc_id="}]
        )
    return FileUpload(doc_id=doc_id, raw=await request.body(), suffix=UPLOAD_TYPES[media_type])


_FILE_SCHEMA: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON_TYPE: {"schema": DocumentUpload.model_json_schema()},
            **{media_type: _FILE_SCHEMA for media_type in UPLOAD_TYPES},
        },
    }
}


@router.post(
    "/documents",
    summary="Upload a document (JSON text, or a PDF, DOCX, Markdown or text file): parse it and add it to the index",
    description="JSON `{doc_id, text}`; or the file itself as the body, with its Content-Type and `?doc_id=`. "
    "The file is parsed in a worker process with a time and memory limit; one that cannot be parsed is "
    "refused with 422 and the index is unchanged.",
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {"description": "Already indexed with the same content."},
        409: {"description": "Index busy."},
        415: {"description": "A Content-Type other than JSON, PDF, DOCX, Markdown, text or octet-stream."},
    },
)
def upload_document(
    upload: Annotated[DocumentUpload | FileUpload, Depends(read_upload)],
    retriever: RetrieverDep,
    updater: UpdaterDep,
    response: Response,
) -> UpdateResponse:
    if isinstance(upload, FileUpload):
        result = updater.add_file(retriever, upload.doc_id, upload.raw, upload.suffix)
    else:
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
