"""Request counts and latency histograms, written in Prometheus' text format by hand.

Routes are labelled by their template (`/v1/units/{unit_id}`), never the raw
path, so the number of series stays bounded; unmatched paths share one label.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterable

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer.retrieval import Retriever
from service.batching import BatchStats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)
UNMATCHED = "<unmatched>"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}"


def _number(value: float) -> str:
    if value == math.inf:
        return "+Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


class _Histogram:
    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * len(BUCKETS)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.total += seconds
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.counts[i] += 1
                break


class Metrics:
    """In-process counters; one instance per app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._latency: dict[tuple[str, str], _Histogram] = {}
        self.index_updates: dict[str, int] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, route, str(status))
            self._requests[key] = self._requests.get(key, 0) + 1
            self._latency.setdefault((method, route), _Histogram()).observe(seconds)

    def count_update(self, action: str) -> None:
        with self._lock:
            self.index_updates[action] = self.index_updates.get(action, 0) + 1

    def render(self, retriever: Retriever | None, batch: BatchStats) -> str:
        with self._lock:
            requests = sorted(self._requests.items())
            latency = sorted((key, list(h.counts), h.total) for key, h in self._latency.items())
            updates = sorted(self.index_updates.items())
        lines: list[str] = []

        def family(name: str, kind: str, help_: str, samples: Iterable[str]) -> None:
            lines.extend([f"# HELP {name} {help_}", f"# TYPE {name} {kind}", *samples])

        family(
            "vraagbaak_http_requests_total",
            "counter",
            "HTTP requests by method, route template and status code.",
            (f"vraagbaak_http_requests_total{_labels(method=m, route=r, status=s)} {n}" for (m, r, s), n in requests),
        )
        samples: list[str] = []
        for (method, route), counts, total in latency:
            cumulative = 0
            for bound, count in zip(BUCKETS, counts, strict=True):
                cumulative += count
                le = _number(bound)
                samples.append(
                    f"vraagbaak_http_request_duration_seconds_bucket{_labels(method=method, route=route, le=le)}"
                    f" {cumulative}"
                )
            base = _labels(method=method, route=route)
            samples.append(f"vraagbaak_http_request_duration_seconds_sum{base} {total!r}")
            samples.append(f"vraagbaak_http_request_duration_seconds_count{base} {cumulative}")
        family(
            "vraagbaak_http_request_duration_seconds",
            "histogram",
            "Time from request to the end of the response, by route template.",
            samples,
        )
        family(
            "vraagbaak_ready",
            "gauge",
            "1 when the index and model are loaded.",
            [f"vraagbaak_ready {int(retriever is not None)}"],
        )
        if retriever is not None:
            sizes = retriever.content.manifest.counts
            for what, value in (("documents", sizes.documents), ("units", sizes.units), ("vectors", sizes.vectors)):
                family(
                    f"vraagbaak_index_{what}",
                    "gauge",
                    f"{what.capitalize()} in the loaded index.",
                    [f"vraagbaak_index_{what} {value}"],
                )
            info = _labels(generation=retriever.generation, model=retriever.encoder.model_id)
            family(
                "vraagbaak_index_info",
                "gauge",
                "The loaded index generation and model.",
                [f"vraagbaak_index_info{info} 1"],
            )
        family(
            "vraagbaak_index_updates_total",
            "counter",
            "Index changes made through the admin API, by action.",
            (f"vraagbaak_index_updates_total{_labels(action=a)} {n}" for a, n in updates),
        )
        family(
            "vraagbaak_encode_batches_total",
            "counter",
            "Model calls made by the query micro-batcher.",
            [f"vraagbaak_encode_batches_total {batch.batches}"],
        )
        family(
            "vraagbaak_encode_questions_total",
            "counter",
            "Questions encoded by the micro-batcher.",
            [f"vraagbaak_encode_questions_total {batch.questions}"],
        )
        family(
            "vraagbaak_encode_batch_size_max",
            "gauge",
            "Largest micro-batch so far.",
            [f"vraagbaak_encode_batch_size_max {batch.largest}"],
        )
        family(
            "vraagbaak_encode_seconds_total",
            "counter",
            "Time spent in micro-batched model calls.",
            [f"vraagbaak_encode_seconds_total {batch.encode_seconds!r}"],
        )
        return "\n".join(lines) + "\n"


class MetricsMiddleware:
    """Times every HTTP request and records it under its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics, templates: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self.metrics = metrics
        self._templates = templates
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def _template(self, scope: Scope) -> str:
        """The route template of a request that never reached the router (a middleware refused it)."""
        if self._compiled is None:
            self._compiled = [(compile_path(template)[0], template) for template in self._templates()]
        path = scope["path"]
        if path.startswith("/static/"):
            return "/static"
        return next((template for pattern, template in self._compiled if pattern.match(path)), UNMATCHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = getattr(scope.get("route"), "path", None) or self._template(scope)
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)
