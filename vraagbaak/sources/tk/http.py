"""GET with politeness and persistence: a shared rate limit, retries with backoff, and strict bodies.

The TK service is near-time and has had outages; a sync runs unattended for hours. So every request
waits its turn (one limiter for all threads), transient failures (429, 500, 502, 503, 504, timeouts,
dropped or truncated connections, a JSON endpoint answering HTML or half a document) are retried with
exponential backoff and jitter, honouring `Retry-After` up to a cap, and what still fails raises a
domain error naming the URL. A partial page is never returned as if it were whole.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx

from vraagbaak.sources.tk.errors import (
    DocumentNotFoundError,
    ResourceTooLargeError,
    SourceRequestError,
    SourceResponseError,
    SourceUnavailableError,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_JSON_BYTES = 64 * 1024 * 1024  # a page of 250 documents with expands is well under 10 MB
MAX_ERROR_BODY = 64 * 1024

T = TypeVar("T")


class RateLimiter:
    """Spaces request starts at least `1 / requests_per_second` apart, across threads (a bucket of one)."""

    def __init__(
        self, requests_per_second: float | None, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        if requests_per_second is not None and requests_per_second <= 0:
            raise ValueError(f"requests_per_second must be > 0 or None, got {requests_per_second}")
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start: float | None = None

    def acquire(self) -> None:
        """Block until this caller may start a request. Sleeping under the lock is the point: it queues."""
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            if self._next_start is not None and now < self._next_start:
                self._sleep(self._next_start - now)
                now = max(self._clock(), self._next_start)
            self._next_start = now + self._interval


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; None if absent or odd."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        logger.debug("unreadable Retry-After %r ignored", text)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait: exponential backoff with equal jitter, `Retry-After` capped."""

    max_retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    retry_after_max_s: float = 300.0

    def delay(self, attempt: int, retry_after: float | None, jitter: float) -> float:
        """The wait before retry number `attempt + 1`; `jitter` is a uniform draw from [0, 1)."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_max_s)
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return ceiling / 2 + jitter * ceiling / 2


class _RetryableBody(Exception):
    """A 200 whose body breaks the protocol; worth another try, then a SourceResponseError."""


def describe(url: str) -> str:
    """The URL as sent, percent-escapes decoded, for messages and logs a person reads."""
    return unquote(url)


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _read_capped(response: httpx.Response, limit: int, on_excess: Callable[[int], Exception]) -> bytes:
    """The body, streamed, refusing (by raising `on_excess(size)`) anything over `limit` bytes."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise on_excess(int(declared))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise on_excess(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _error_detail(response: httpx.Response) -> str:
    """The OData error message (`{"error": {"message": ...}}`) if there is one, else the start of the body."""
    try:
        body = _read_capped(response, MAX_ERROR_BODY, lambda n: _RetryableBody(f"{n} bytes"))
    except (httpx.HTTPError, _RetryableBody):
        return ""
    try:
        message = json.loads(body)["error"]["message"]
        return str(message)
    except (ValueError, KeyError, TypeError):
        return body[:300].decode("utf-8", "replace").strip()


class RetryingHttp:
    """One `httpx.Client` (thread-safe, keep-alive) behind the limiter and the retry policy."""

    def __init__(
        self,
        *,
        timeout_s: float,
        policy: RetryPolicy,
        limiter: RateLimiter,
        user_agent: str,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._policy = policy
        self._limiter = limiter
        self._sleep = sleep
        self._now = now
        self._jitter = jitter or random.random
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": user_agent},
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def get_json(self, url: str) -> dict[str, Any]:
        """A JSON object from a JSON endpoint; anything else (type, syntax, truncation) is retried, then raised."""

        def read(response: httpx.Response) -> dict[str, Any]:
            kind = media_type(response)
            if kind != "application/json":
                raise _RetryableBody(f"content type {kind or 'missing'} where JSON was expected")
            body = _read_capped(response, MAX_JSON_BYTES, lambda n: _RetryableBody(f"a JSON body of {n} bytes"))
            try:
                payload = json.loads(body)
            except ValueError as e:
                raise _RetryableBody(f"not valid JSON ({len(body)} bytes, truncated?): {e}") from e
            if not isinstance(payload, dict):
                raise _RetryableBody(f"JSON {type(payload).__name__} where an object was expected")
            return payload

        return self._retrying(url, read, accept="application/json")

    def get_bytes(self, url: str, max_bytes: int) -> tuple[bytes, httpx.Headers]:
        """A file, streamed and refused (ResourceTooLargeError, not retried) past `max_bytes`."""
        where = describe(url)

        def too_large(size: int) -> Exception:
            return ResourceTooLargeError(f"{where}: {size} bytes or more, over the maximum of {max_bytes}")

        def read(response: httpx.Response) -> tuple[bytes, httpx.Headers]:
            return _read_capped(response, max_bytes, too_large), response.headers

        return self._retrying(url, read, accept="*/*")  # a JSON-only Accept could get a 406 for a PDF

    def _retrying(self, url: str, read: Callable[[httpx.Response], T], accept: str) -> T:
        where = describe(url)
        failure, body_failure = "", False
        attempts = self._policy.max_retries + 1
        for attempt in range(attempts):
            self._limiter.acquire()
            retry_after: float | None = None
            try:
                with self._client.stream("GET", url, headers={"Accept": accept}) as response:
                    status = response.status_code
                    if status in RETRY_STATUSES:
                        retry_after = parse_retry_after(response.headers.get("retry-after"), self._now())
                        failure, body_failure = f"HTTP {status}", False
                    elif status == 404:
                        raise DocumentNotFoundError(f"{where}: not found (HTTP 404) {_error_detail(response)}".strip())
                    elif status >= 400:
                        detail = _error_detail(response)
                        raise SourceRequestError(f"{where}: refused with HTTP {status}: {detail}".rstrip(": "))
                    else:
                        return read(response)
            except httpx.TooManyRedirects as e:
                raise SourceResponseError(f"{where}: {e}") from e
            except httpx.DecodingError as e:
                failure, body_failure = f"undecodable body: {e}", True
            except httpx.TimeoutException as e:
                failure, body_failure = f"timed out ({type(e).__name__})", False
            except httpx.TransportError as e:
                failure, body_failure = f"{type(e).__name__}: {e}", False
            except _RetryableBody as e:
                failure, body_failure = str(e), True
            if attempt + 1 == attempts:
                break
            delay = self._policy.delay(attempt, retry_after, self._jitter())
            logger.warning(
                "GET %s failed (%s); retry %d of %d in %.1f s", where, failure, attempt + 1, attempts - 1, delay
            )
            self._sleep(delay)
        error = SourceResponseError if body_failure else SourceUnavailableError
        raise error(f"GET {where} failed after {attempts} attempts; last: {failure}")
