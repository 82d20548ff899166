"""Probes and metrics: `/healthz` (process up), `/readyz` (index and model loaded, engine answering), `/metrics`.

All three answer without a key (probes and scrapers must reach them). What they show to anyone is what
the API shows anyway (the index generation is in every search response, the counts in /v1/documents);
the model id, which says what to aim at, only with the admin key (`X-API-Key` or a bearer token).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse

from vraagbaak.service.deps import AdminKeyDep, BatcherDep, MetricsDep, get_retriever
from vraagbaak.service.metrics import CONTENT_TYPE
from vraagbaak.service.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> HealthResponse:
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    summary="The index and model are loaded and the query engine answers (503 otherwise)",
    responses={503: {"description": "Loading, load failed, or the query engine is dead or stuck (see detail)."}},
)
async def readyz(request: Request, batcher: BatcherDep, keyed: AdminKeyDep) -> ReadyResponse:
    retriever = get_retriever(request)
    problem = batcher.problem
    if problem is not None:
        raise HTTPException(status_code=503, detail=f"not ready: {problem}", headers={"Retry-After": "30"})
    counts = retriever.content.manifest.counts
    return ReadyResponse(
        status="ready",
        index_generation=retriever.generation,
        model=retriever.encoder.model_id if keyed else None,
        documents=counts.documents,
        units=counts.units,
    )


@router.get("/metrics", summary="Prometheus text format", response_class=PlainTextResponse)
async def metrics(request: Request, metrics: MetricsDep, batcher: BatcherDep, keyed: AdminKeyDep) -> PlainTextResponse:
    text = metrics.render(request.app.state.retriever, batcher.stats, with_model=keyed)
    return PlainTextResponse(text, media_type=CONTENT_TYPE)
