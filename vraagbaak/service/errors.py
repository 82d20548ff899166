"""Domain errors and validation errors as HTTP responses: a readable `detail`, never a traceback.

Server-side failures (5xx, and the 409 of a locked index) answer with stable
text and an `error_id`; the exception's own message, which may name server
paths or repeat a library's words, goes to the log under the same id.
Client errors that name the bad input (400, 422) keep their message.
"""

from __future__ import annotations

import errno
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vraagbaak.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    ManifestMismatchError,
    ModelError,
    ParseError,
    QueryError,
    VraagbaakError,
    field_path,
    problem_text,
)
from vraagbaak.service.batching import EngineDownError, EngineTimeoutError

logger = logging.getLogger(__name__)

_LOCATIONS = ("body", "query", "path", "header", "cookie")
_STATUS: list[tuple[type[VraagbaakError], int]] = [
    (QueryError, 422),
    (ParseError, 422),
    (IndexLockedError, 409),
    (IndexNotFoundError, 503),
    (IndexCorruptError, 503),
    (ManifestMismatchError, 503),
    (ModelError, 503),
    (IndexWriteError, 507),  # Insufficient Storage: a full disk, the old index still serves
]


# What a client reads about a failure on the server side; the most specific class first.
_PUBLIC: list[tuple[type[VraagbaakError], str]] = [
    (IndexLockedError, "another process is writing the index; try again when it is done"),
    (
        IndexNotFoundError,
        "no index in the configured index directory; build one with `vraagbaak index build` "
        "(or set VRAAGBAAK_INDEX_DIR)",
    ),
    (IndexCorruptError, "the index is damaged or incomplete; rebuild it with `vraagbaak index build`"),
    (ManifestMismatchError, "the index was built with another model, dimension or format version; rebuild it"),
    (ModelError, "the embedding model could not be loaded or run"),
]
WRITE_FAILED = "could not write the index; the previous index is unchanged"
DISK_FULL = "could not write the index: the disk is full; the previous index is unchanged"
INTERNAL = "internal server error; the server log has the details"
ENGINE_TIMEOUT = "the query engine did not answer in time; retry shortly"
ENGINE_DOWN = "the query engine is not available; retry later"


def new_error_id() -> str:
    """16 hex digits that tie a client's error body to its log record."""
    return secrets.token_hex(8)


def public_message(error: VraagbaakError) -> str:
    """Stable text for a server-side failure: no paths, no library messages."""
    if isinstance(error, IndexWriteError):
        cause = error.__cause__
        return DISK_FULL if isinstance(cause, OSError) and cause.errno == errno.ENOSPC else WRITE_FAILED
    return next((text for kind, text in _PUBLIC if isinstance(error, kind)), INTERNAL)


def _field(loc: Sequence[str | int]) -> str:
    """The field a request error is about, without where in the request it was ("body", "query")."""
    if loc and loc[0] in _LOCATIONS:
        return field_path(loc[1:], whole=str(loc[0]))
    return field_path(loc, whole="body")


def describe_errors(errors: Sequence[Any]) -> tuple[str, list[dict[str, Any]]]:
    """A one-line message naming each bad field, and the errors without the offending input."""
    messages: list[str] = []
    cleaned: list[dict[str, Any]] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            position = loc[1] if len(loc) > 1 else "?"
            message = f"body: not valid JSON ({reason} at character {position})"
            loc = ("body",)
        else:
            message = f"{_field(loc)}: {problem_text(error)}"
        messages.append(message)
        cleaned.append({"loc": list(loc), "msg": message.split(": ", 1)[1], "type": error.get("type", "")})
    return "; ".join(messages), cleaned


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail, errors = describe_errors(exc.errors())
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


def status_of(error: VraagbaakError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 422


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VraagbaakError)
    status = status_of(exc)
    if status == 422:  # the message names the bad input, for the client
        return JSONResponse({"detail": str(exc)}, status_code=status)
    error_id = new_error_id()
    level = logging.ERROR if status >= 500 else logging.WARNING
    logger.log(level, "%s %s failed (error id %s): %s", request.method, request.url.path, error_id, exc)
    return JSONResponse({"detail": public_message(exc), "error_id": error_id}, status_code=status)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    error_id = new_error_id()
    logger.exception("%s %s failed (error id %s): %s", request.method, request.url.path, error_id, exc)
    return JSONResponse({"detail": INTERNAL, "error_id": error_id}, status_code=500)


async def _engine_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EngineTimeoutError | EngineDownError)
    error_id = new_error_id()
    logger.error("%s %s failed (error id %s): %s", request.method, request.url.path, error_id, exc)
    # Retry-After: a timeout is load that passes; a dead or stuck engine takes a restart or a long call.
    detail, retry_after = (ENGINE_TIMEOUT, "5") if isinstance(exc, EngineTimeoutError) else (ENGINE_DOWN, "30")
    return JSONResponse({"detail": detail, "error_id": error_id}, status_code=503, headers={"Retry-After": retry_after})


# FastAPI's own words when a JSON body is not UTF-8; said plainly instead.
_UNDECODABLE_BODY = "There was an error parsing the body"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNDECODABLE_BODY:
        return JSONResponse({"detail": "body: not valid JSON in UTF-8 (undecodable bytes)"}, status_code=400)
    state = request.app.state
    load_error_id = getattr(state, "load_error_id", None)
    if exc.status_code == 503 and load_error_id is not None and getattr(state, "load_error", None) is not None:
        # "not ready" because the start-up load failed: the id its log record carries
        body = {"detail": exc.detail, "error_id": load_error_id}
        return JSONResponse(body, status_code=503, headers=exc.headers)
    return await http_exception_handler(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(VraagbaakError, _domain_error)
    app.add_exception_handler(EngineTimeoutError, _engine_error)
    app.add_exception_handler(EngineDownError, _engine_error)
    app.add_exception_handler(Exception, _unexpected)
