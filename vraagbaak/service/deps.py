"""Dependencies: what handlers take from `app.state`, and the admin key check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.batching import QueryBatcher
from vraagbaak.service.metrics import Metrics
from vraagbaak.service.middleware import InFlight, Ticket
from vraagbaak.service.settings import ServiceSettings

ADMIN_DISABLED = "admin routes are disabled: no API key is configured (set VRAAGBAAK_API_KEY)"
KEY_MISSING = "missing API key: send it as the X-API-Key header or as Authorization: Bearer <key>"
KEY_WRONG = "invalid API key"

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The admin API key.")
_bearer = HTTPBearer(auto_error=False, description="The admin API key as a bearer token.")


def get_retriever(request: Request) -> Retriever:
    retriever: Retriever | None = request.app.state.retriever
    if retriever is None:
        reason = request.app.state.load_error or "the index and model are still loading"
        raise HTTPException(status_code=503, detail=f"not ready: {reason}", headers={"Retry-After": "5"})
    return retriever


def get_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


def get_batcher(request: Request) -> QueryBatcher:
    batcher: QueryBatcher = request.app.state.batcher
    return batcher


def weigh_batch(request: Request, questions: int) -> None:
    """Count a batch as `questions` requests against the overload limit; 503 when they do not fit."""
    in_flight: InFlight = request.app.state.in_flight
    ticket: Ticket | None = getattr(request.state, "ticket", None)
    if ticket is not None and not in_flight.weigh(ticket, questions):
        raise HTTPException(status_code=503, detail=in_flight.busy_message, headers={"Retry-After": "1"})


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
BatcherDep = Annotated[QueryBatcher, Depends(get_batcher)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def require_admin(
    settings: SettingsDep,
    api_key: Annotated[str | None, Security(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """Admin routes need the configured key; with none configured they are off."""
    if settings.api_key is None or not settings.api_key.get_secret_value():
        raise HTTPException(status_code=403, detail=ADMIN_DISABLED)
    given = api_key or (bearer.credentials if bearer is not None else None)
    if not given:
        raise HTTPException(status_code=401, detail=KEY_MISSING, headers={"WWW-Authenticate": "Bearer"})
    expected = settings.api_key.get_secret_value().encode()
    if not hmac.compare_digest(given.encode(), expected):
        raise HTTPException(status_code=403, detail=KEY_WRONG)
