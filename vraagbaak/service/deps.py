"""Dependencies: what handlers take from `app.state`, and the admin key check."""

from __future__ import annotations

import hmac
import threading
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.batching import QueryBatcher
from vraagbaak.service.key_guard import KeyGuard
from vraagbaak.service.metrics import Metrics
from vraagbaak.service.middleware import InFlight, Ticket
from vraagbaak.service.settings import ServiceSettings

ADMIN_DISABLED = "admin routes are disabled: no API key is configured (set VRAAGBAAK_API_KEY)"
KEY_MISSING = "missing API key: send it as the X-API-Key header or as Authorization: Bearer <key>"
KEY_WRONG = "invalid API key"
KEY_LIMITED = "too many wrong API keys from this address; try again in {seconds} s"

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The admin API key.")
_bearer = HTTPBearer(auto_error=False, description="The admin API key as a bearer token.")
_guard_lock = threading.Lock()


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


# FastAPI runs a plain `def` dependency in its threadpool: one thread hop per dependency per request,
# which cost more than the lookups themselves (issue 29). These read app.state and never block.
async def _retriever_dep(request: Request) -> Retriever:
    return get_retriever(request)


async def _settings_dep(request: Request) -> ServiceSettings:
    return get_settings(request)


async def _batcher_dep(request: Request) -> QueryBatcher:
    return get_batcher(request)


async def _metrics_dep(request: Request) -> Metrics:
    return get_metrics(request)


RetrieverDep = Annotated[Retriever, Depends(_retriever_dep)]
SettingsDep = Annotated[ServiceSettings, Depends(_settings_dep)]
BatcherDep = Annotated[QueryBatcher, Depends(_batcher_dep)]
MetricsDep = Annotated[Metrics, Depends(_metrics_dep)]


def _key_guard(request: Request) -> KeyGuard:
    guard: KeyGuard | None = getattr(request.app.state, "key_guard", None)
    if guard is None:
        with _guard_lock:
            guard = getattr(request.app.state, "key_guard", None)
            if guard is None:
                settings: ServiceSettings = request.app.state.settings
                guard = KeyGuard(settings.key_failures_per_minute)
                request.app.state.key_guard = guard
    return guard


def key_is_right(request: Request, settings: ServiceSettings, given: str) -> bool:
    """Compare `given` with the configured key; a wrong one counts against the client's allowance.

    429 with Retry-After while the client is over it, before any comparison (so a right key then
    tells nothing either).
    """
    guard = _key_guard(request)
    client = request.client.host if request.client is not None else "unknown"
    wait = guard.retry_after(client)
    if wait is not None:
        raise HTTPException(
            status_code=429, detail=KEY_LIMITED.format(seconds=wait), headers={"Retry-After": str(wait)}
        )
    assert settings.api_key is not None
    if hmac.compare_digest(given.encode(), settings.api_key.get_secret_value().encode()):
        return True
    guard.failed(client)
    return False


def _given(api_key: str | None, bearer: HTTPAuthorizationCredentials | None) -> str | None:
    return api_key or (bearer.credentials if bearer is not None else None)


def require_admin(
    request: Request,
    settings: SettingsDep,
    api_key: Annotated[str | None, Security(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """Admin routes need the configured key; with none configured they are off."""
    if settings.api_key is None:
        raise HTTPException(status_code=403, detail=ADMIN_DISABLED)
    given = _given(api_key, bearer)
    if not given:
        raise HTTPException(status_code=401, detail=KEY_MISSING, headers={"WWW-Authenticate": "Bearer"})
    if not key_is_right(request, settings, given):
        raise HTTPException(status_code=403, detail=KEY_WRONG)


async def has_admin_key(
    request: Request,
    settings: SettingsDep,
    api_key: Annotated[str | None, Security(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> bool:
    """For routes open to all that show more to an operator (`/readyz`, `/metrics`): True with the right key.

    No key, or none configured: False. A wrong key: False, and counted like one sent to an admin route.
    """
    given = _given(api_key, bearer)
    if settings.api_key is None or not given:
        return False
    return key_is_right(request, settings, given)


AdminKeyDep = Annotated[bool, Depends(has_admin_key)]
