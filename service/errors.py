"""Domain errors and validation errors as HTTP responses: a readable `detail`, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    ManifestMismatchError,
    ModelError,
    ParseError,
    QueryError,
    VraagbaakError,
)

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


def _field(loc: Sequence[str | int]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:] or parts[:1]
    return ".".join(parts) or "body"


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
            text = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
            message = f"{_field(loc)}: {text}"
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
    if status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path)
    return JSONResponse({"detail": "internal server error; the server log has the details"}, status_code=500)


# FastAPI's own words when a JSON body is not UTF-8; said plainly instead.
_UNDECODABLE_BODY = "There was an error parsing the body"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNDECODABLE_BODY:
        return JSONResponse({"detail": "body: not valid JSON in UTF-8 (undecodable bytes)"}, status_code=400)
    return await http_exception_handler(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(VraagbaakError, _domain_error)
    app.add_exception_handler(Exception, _unexpected)
