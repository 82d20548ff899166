"""Pure ASGI middleware: security headers on every response, a limit on request bodies.

Both are plain ASGI (not `BaseHTTPMiddleware`), so they add no task per
request and never buffer responses.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# /docs and /redoc run Swagger UI and ReDoc from our own files (service/docs.py), no inline script;
# ReDoc injects its styles and searches in a blob: worker, and the pages show no document text, so
# only there the policy allows inline styles and that worker.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 for a body over the limit `limit_for(scope)` picks, before the app reads any of it.

    A declared Content-Length over the limit is refused without reading; a
    body without one (chunked) is read up to the limit and then replayed.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        too_large = f"the request body is larger than the limit of {limit} bytes"
        declared = [value for name, value in scope["headers"] if name == b"content-length"]
        if declared:
            try:
                length = int(declared[0])
            except ValueError:
                await _send_json(send, 400, "the Content-Length header is not a number")
                return
            if length > limit:
                await _send_json(send, 413, too_large)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_json(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@dataclass
class Ticket:
    """One request's share of the limit; the handler of a batch raises `weight` to its questions."""

    weight: int = 1
    pending: bool = False  # a batch not weighed yet: it does not count against the others' room


class InFlight:
    """The weight of the requests being served, against VRAAGBAAK_MAX_IN_FLIGHT.

    A request weighs one; a batch of searches weighs one per question, capped
    at the limit so that a large batch still runs on an idle server. Its
    weight is known only once its body is read: until then it is pending, and
    batches are weighed against the work already weighed, so two batches that
    arrive together never refuse each other. A lock, because handlers run in
    the threadpool.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.pending = 0
        self.refused = 0
        self._lock = threading.Lock()

    @property
    def busy_message(self) -> str:
        return f"the server is busy ({self.limit} requests in flight); retry shortly"

    def admit(self, pending: bool = False) -> Ticket | None:
        """A ticket of weight one, or None (refused) when the limit is reached."""
        with self._lock:
            if self.count >= self.limit:
                self.refused += 1
                return None
            self.count += 1
            self.pending += pending
            return Ticket(1, pending)

    def weigh(self, ticket: Ticket, questions: int) -> bool:
        """Raise `ticket` to a batch of `questions`; False (weight unchanged) when the others leave no room."""
        weight = min(questions, self.limit)
        with self._lock:
            if ticket.pending:
                ticket.pending = False
                self.pending -= 1
            others = self.count - self.pending - ticket.weight
            if others + weight > self.limit:
                self.refused += 1
                return False
            self.count += weight - ticket.weight
            ticket.weight = weight
            return True

    def release(self, ticket: Ticket) -> None:
        with self._lock:
            self.count -= ticket.weight
            if ticket.pending:
                self.pending -= 1


class OverloadMiddleware:
    """503 with Retry-After once `in_flight` is at its limit, instead of an unbounded queue.

    Health, readiness and metrics stay exempt, so probes still see a busy
    server as alive.
    """

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(
        self, app: ASGIApp, in_flight: InFlight, weighed_paths: tuple[str, ...] = (), retry_after_s: int = 1
    ) -> None:
        self.app = app
        self.in_flight = in_flight
        self.weighed_paths = weighed_paths  # POSTs whose handler weighs them (`InFlight.weigh`)
        self.retry_after = str(retry_after_s).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        ticket = self.in_flight.admit(pending=scope["method"] == "POST" and scope["path"] in self.weighed_paths)
        if ticket is None:
            body = json.dumps({"detail": self.in_flight.busy_message}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", self.retry_after),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["ticket"] = ticket
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight.release(ticket)
