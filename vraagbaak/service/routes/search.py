"""`/v1/search`: earlier answers to a new question, one at a time or in a batch."""

from __future__ import annotations

import logging
import time
from enum import StrEnum
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field

from vraagbaak.retrieval.request import SearchMode, SearchQuery, SearchRequest
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.search import SearchResponse, SearchResult, answer_search
from vraagbaak.service.batching import QueryBatcher
from vraagbaak.service.deps import BatcherDep, RetrieverDep, SettingsDep, weigh_batch
from vraagbaak.service.export import CSV_TYPE, MARKDOWN_TYPE, to_csv, to_markdown
from vraagbaak.service.links import public_base
from vraagbaak.service.schemas import BatchRequest, BatchResponse
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["search"])

# Questions of a batch per trip through the engine queue: single searches asked meanwhile go between trips.
BATCH_CHUNK = 8
# Up to this many units a POST search ranks on the event loop (about a millisecond at the seed index's 305);
# above, in the threadpool, so a long BM25 pass never stalls the loop (issue 29).
RANK_INLINE_UNITS = 20_000


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    MD = "md"


class SearchGetQuery(SearchQuery):
    """The query string of `GET /v1/search`: the search, and how to return it."""

    format_: ExportFormat = Field(
        default=ExportFormat.JSON, alias="format", description="json (default), or csv / md: the results as a file."
    )


def run_search(
    request: SearchRequest,
    retriever: Retriever,
    batcher: QueryBatcher,
    settings: Settings,
    *,
    vector: np.ndarray | None = None,
    started: float | None = None,
) -> SearchResponse:
    """The shared search, with the question encoded through the micro-batcher (unless `vector` is given)."""
    return answer_search(
        request,
        retriever,
        settings.top_k,
        encode=lambda question: batcher.encode(retriever, question),
        vector=vector,
        started=started,
        group_units=settings.group_units,
    )


def flatten_documents(response: SearchResponse) -> SearchResponse:
    """A grouped response as the unit list the export writes: each document's shown units in document
    order, the documents in turn, ranked from 1; an ungrouped one as it is."""
    if response.documents is None:
        return response
    units = [unit for document in response.documents for unit in document.units]
    results = [
        SearchResult.model_validate(
            {**dict(unit), "rank": rank, "score": unit.score or 0.0, "relevance_rank": unit.relevance_rank or rank}
        )
        for rank, unit in enumerate(units, 1)
    ]
    return response.model_copy(update={"results": results})


@router.post("/search", summary="Search with a JSON body")
async def search(
    request: SearchRequest, retriever: RetrieverDep, batcher: BatcherDep, settings: SettingsDep
) -> SearchResponse:
    """A coroutine, not a threadpool `def` (issue 29): the question waits for its vector without holding a
    thread, and on a small index it is ranked right here; each thread hop cost more than the ranking."""
    started = time.perf_counter()
    vector = None if request.mode is SearchMode.LEXICAL else await batcher.encode_async(retriever, request.question)
    answer = partial(run_search, request, retriever, batcher, settings, vector=vector, started=started)
    if len(retriever.content.units) <= RANK_INLINE_UNITS:
        return answer()
    return await anyio.to_thread.run_sync(answer)


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
    query: Annotated[SearchGetQuery, Query()],
) -> Any:
    response = run_search(query.to_request(), retriever, batcher, settings)
    if query.format_ is ExportFormat.JSON:
        return response
    return export(
        flatten_documents(response), query.format_, public_base(http, settings)
    )  # links never from the Host header


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
