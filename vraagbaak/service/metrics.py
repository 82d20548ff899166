"""Request counts and latency histograms, exposed through `prometheus_client` in one registry per app.

Routes are labelled by their template (`/v1/units/{unit_id}`), never the raw
path, and methods outside the standard HTTP set share the label `other`, so
the number of series stays bounded whatever clients send.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.batching import BatchStats

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)
UNMATCHED = "<unmatched>"
OTHER_METHOD = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})


def method_label(method: str) -> str:
    """The method as sent when it is a standard HTTP method, else `other`."""
    return method if method in METHODS else OTHER_METHOD


class Metrics:
    """The app's counters in its own `CollectorRegistry` (several apps may live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "vraagbaak_http_requests",
            "HTTP requests by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self._latency = Histogram(
            "vraagbaak_http_request_duration_seconds",
            "Time from request to the end of the response, by route template.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._updates = Counter(
            "vraagbaak_index_updates",
            "Index changes made through the admin API, by action.",
            ("action",),
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method_label(method)
        self._requests.labels(method=method, route=route, status=str(status)).inc()
        self._latency.labels(method=method, route=route).observe(seconds)

    def count_update(self, action: str) -> None:
        self._updates.labels(action=action).inc()

    def render(self, retriever: Retriever | None, batch: BatchStats, with_model: bool = True) -> str:
        """The Prometheus text exposition (format 0.0.4) of the counters and the serving state;
        `vraagbaak_index_info` (generation and model id) only `with_model` (a scrape with the admin key)."""
        return generate_latest(_Scrape(self.registry, retriever, batch, with_model)).decode("utf-8")


class _Scrape:
    """One scrape: the registry's families plus gauges read from the serving state at this moment.

    prometheus_client adds a `_created` timestamp series to every counter and
    histogram; the dashboards read none, so they are left out rather than
    doubling the series (its switch for that is process-wide).
    """

    def __init__(
        self, registry: CollectorRegistry, retriever: Retriever | None, batch: BatchStats, with_model: bool
    ) -> None:
        self._registry = registry
        self._retriever = retriever
        self._batch = batch
        self._with_model = with_model

    def collect(self) -> Iterator[Metric]:
        for family in self._registry.collect():
            family.samples = [sample for sample in family.samples if not sample.name.endswith("_created")]
            yield family
        yield from self._state()

    def _state(self) -> Iterable[Metric]:
        retriever, batch = self._retriever, self._batch
        yield GaugeMetricFamily("vraagbaak_ready", "1 when the index and model are loaded.", int(retriever is not None))
        if retriever is not None:
            sizes = retriever.content.manifest.counts
            for what, value in (("documents", sizes.documents), ("units", sizes.units), ("vectors", sizes.vectors)):
                yield GaugeMetricFamily(f"vraagbaak_index_{what}", f"{what.capitalize()} in the loaded index.", value)
            if self._with_model:
                info = GaugeMetricFamily(
                    "vraagbaak_index_info", "The loaded index generation and model.", labels=("generation", "model")
                )
                info.add_metric((retriever.generation, retriever.encoder.model_id), 1)
                yield info
        yield CounterMetricFamily(
            "vraagbaak_encode_batches", "Model calls made by the query micro-batcher.", batch.batches
        )
        yield CounterMetricFamily(
            "vraagbaak_encode_questions", "Questions encoded by the micro-batcher.", batch.questions
        )
        yield GaugeMetricFamily("vraagbaak_encode_batch_size_max", "Largest micro-batch so far.", batch.largest)
        yield CounterMetricFamily(
            "vraagbaak_encode_seconds", "Time spent in micro-batched model calls.", batch.encode_seconds
        )


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
