"""`/v1/search`: earlier answers to a new question, one at a time or in a batch."""

from __future__ import annotations

import datetime
import logging
import time
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from vraagbaak.retrieval.query import MAX_K
from vraagbaak.retrieval.retriever import Retriever, SearchMode
from vraagbaak.retrieval.search import (
    MAX_QUESTION_CHARS,
    SORT_HELP,
    SearchFilters,
    SearchRequest,
    SearchResponse,
    SearchSort,
    answer_search,
)
from vraagbaak.service.batching import QueryBatcher
from vraagbaak.service.deps import BatcherDep, RetrieverDep, SettingsDep, weigh_batch
from vraagbaak.service.export import CSV_TYPE, MARKDOWN_TYPE, to_csv, to_markdown
from vraagbaak.service.schemas import BatchRequest, BatchResponse
from vraagbaak.units import DocumentKind

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["search"])

# Questions of a batch per trip through the engine queue: single searches asked meanwhile go between trips.
BATCH_CHUNK = 8

# Query-string names of the GET form, by the field of SearchRequest they fill.
_QUERY_NAMES = {"question": "q", "parties": "party", "doc_ids": "doc_id", "kinds": "kind"}


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    MD = "md"


def run_search(request: SearchRequest, retriever: Retriever, batcher: QueryBatcher, default_k: int) -> SearchResponse:
    """The shared search, with the question encoded through the micro-batcher."""
    return answer_search(request, retriever, default_k, encode=lambda question: batcher.encode(retriever, question))


@router.post("/search", summary="Search with a JSON body")
def search(
    request: SearchRequest, retriever: RetrieverDep, batcher: BatcherDep, settings: SettingsDep
) -> SearchResponse:
    return run_search(request, retriever, batcher, settings.top_k)


def _query_errors(error: ValidationError) -> list[dict[str, Any]]:
    """Errors located at the query-string parameter the user typed, not the model field."""
    errors = []
    for item in error.errors(include_url=False, include_input=False):
        loc = [part for part in item["loc"] if part != "filters"]
        if loc and isinstance(loc[0], str):
            loc[0] = _QUERY_NAMES.get(loc[0], loc[0])
        errors.append({**item, "loc": ("query", *loc)})
    return errors


def export(response: SearchResponse, format_: ExportFormat, base_url: str) -> Response:
    """The result list as a file to download: CSV (safe against formula injection) or Markdown."""
    if format_ is ExportFormat.CSV:
        body, media, suffix = to_csv(response, base_url), CSV_TYPE, "csv"
    else:
        body, media, suffix = to_markdown(response, base_url), MARKDOWN_TYPE, "md"
    headers = {"Content-Disposition": f'attachment; filename="vraagbaak-resultaten.{suffix}"'}
    return Response(content=body.encode("utf-8"), media_type=media, headers=headers)


@router.get(
    "/search",
    summary="Search from a URL: /v1/search?q=...&k=5 (&format=csv or md to export)",
    response_model=SearchResponse,
    responses={200: {"content": {CSV_TYPE: {}, MARKDOWN_TYPE: {}}}},
)
def search_get(
    http: Request,
    retriever: RetrieverDep,
    batcher: BatcherDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question.")],
    k: Annotated[int | None, Query(ge=1, le=MAX_K, description="Default: VRAAGBAAK_TOP_K.")] = None,
    mode: SearchMode = SearchMode.HYBRID,
    party: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006 - FastAPI copies query defaults
    doc_id: Annotated[list[str], Query(max_length=100)] = [],  # noqa: B006
    kind: Annotated[list[DocumentKind], Query(max_length=len(DocumentKind))] = [],  # noqa: B006
    dossier: Annotated[str | None, Query(max_length=200)] = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    include_unanswered: bool = False,
    include_similar: Annotated[bool, Query(description="Give each result its `similar` list.")] = False,
    sort: Annotated[SearchSort, Query(description=SORT_HELP)] = SearchSort.RELEVANCE,
    format_: Annotated[
        ExportFormat, Query(alias="format", description="json (default), or csv / md: the results as a file.")
    ] = ExportFormat.JSON,
) -> Any:
    try:
        request = SearchRequest(
            question=q,
            k=k,
            mode=mode,
            sort=sort,
            include_similar=include_similar,
            filters=SearchFilters(
                parties=party,
                doc_ids=doc_id,
                kinds=kind,
                dossier=dossier,
                date_from=date_from,
                date_to=date_to,
                include_unanswered=include_unanswered,
            ),
        )
    except ValidationError as error:
        raise RequestValidationError(_query_errors(error)) from error
    response = run_search(request, retriever, batcher, settings.top_k)
    return response if format_ is ExportFormat.JSON else export(response, format_, str(http.base_url))


@router.post("/search/batch", summary="Up to 100 questions in one call")
def search_batch(
    request: BatchRequest,
    retriever: RetrieverDep,
    batcher: BatcherDep,
    settings: SettingsDep,
    http: Request,
) -> BatchResponse:
    """Encoded through the micro-batcher in chunks of `BATCH_CHUNK`, so a batch never holds the engine
    for long; against VRAAGBAAK_MAX_IN_FLIGHT it weighs one per question."""
    weigh_batch(http, len(request.questions))
    started = time.perf_counter()
    k = request.k or settings.top_k
    questions = request.questions
    vectors: list[np.ndarray | None] = [None] * len(questions)
    if request.mode is not SearchMode.LEXICAL:
        vectors = [
            vector
            for start in range(0, len(questions), BATCH_CHUNK)
            for vector in batcher.encode_many(retriever, questions[start : start + BATCH_CHUNK])
        ]
    encode_ms = (time.perf_counter() - started) * 1000 / len(questions)
    responses = []
    for question, vector in zip(questions, vectors, strict=True):
        one = SearchRequest(question=question, k=k, mode=request.mode, filters=request.filters)
        # took_ms of each: its share of the batch's encoding plus its own ranking.
        responses.append(
            answer_search(one, retriever, k, vector=vector, started=time.perf_counter() - encode_ms / 1000)
        )
    return BatchResponse(
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        index_generation=retriever.generation,
        responses=responses,
    )
