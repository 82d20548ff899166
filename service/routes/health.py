"""Probes and metrics: `/healthz` (process up), `/readyz` (index and model loaded), `/metrics`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from service.deps import BatcherDep, MetricsDep, get_retriever
from service.metrics import CONTENT_TYPE
from service.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> HealthResponse:
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    summary="The index and model are loaded (503 until then)",
    responses={503: {"description": "Still loading, or loading failed (the detail says why)."}},
)
async def readyz(request: Request) -> ReadyResponse:
    retriever = get_retriever(request)
    counts = retriever.content.manifest.counts
    return ReadyResponse(
        status="ready",
        index_generation=retriever.generation,
        model=retriever.encoder.model_id,
        documents=counts.documents,
        units=counts.units,
    )


@router.get("/metrics", summary="Prometheus text format", response_class=PlainTextResponse)
async def metrics(request: Request, metrics: MetricsDep, batcher: BatcherDep) -> PlainTextResponse:
    text = metrics.render(request.app.state.retriever, batcher.stats)
    return PlainTextResponse(text, media_type=CONTENT_TYPE)
