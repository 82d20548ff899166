"""The FastAPI application: `create_app(settings, retriever)`; run it with
`uvicorn vraagbaak.service.app:create_app --factory` or `vraagbaak serve`.

The model and index load once, in the lifespan, in a worker thread: the
process answers `/healthz` at once and `/readyz` turns 200 when the retriever
is in place. Tests inject a retriever and skip the load.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from vraagbaak.errors import VraagbaakError
from vraagbaak.retrieval.retriever import Retriever, open_retriever
from vraagbaak.service.batching import QueryBatcher
from vraagbaak.service.docs import install_docs
from vraagbaak.service.errors import install_error_handlers, new_error_id, public_message
from vraagbaak.service.metrics import Metrics, MetricsMiddleware
from vraagbaak.service.middleware import BodyLimitMiddleware, InFlight, OverloadMiddleware, SecurityHeadersMiddleware
from vraagbaak.service.monitors.arrivals import take_up
from vraagbaak.service.replica_watch import start_replica_watch, stop_replica_watch
from vraagbaak.service.routes import admin, documents, health, monitors, questions, search, similar, units
from vraagbaak.service.schemas import ERROR_RESPONSES
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.service.updates import IndexUpdater

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
UPLOAD_PATH = "/v1/documents"


def _version() -> str:
    try:
        return version("vraagbaak")
    except PackageNotFoundError:
        return "0.0.0"


async def _load_retriever(app: FastAPI) -> None:
    settings: ServiceSettings = app.state.settings

    def load() -> Retriever:
        retriever = open_retriever(
            settings.index_dir,
            settings.model_cache,
            batch_size=settings.encode_batch_size,
            engine=settings.query_engine,
        )
        retriever.encode(["opwarmen"])  # the first model call is slow; pay it before /readyz says yes
        return retriever

    logger.info("loading the index at %s", settings.index_dir)
    try:
        retriever = await anyio.to_thread.run_sync(load)
    except VraagbaakError as error:
        app.state.load_error_id = new_error_id()
        app.state.load_error = public_message(error)  # clients see this; the paths stay in the log
        logger.error("cannot serve (error id %s): %s", app.state.load_error_id, error)
        return
    except Exception as error:
        app.state.load_error_id = new_error_id()
        app.state.load_error = "loading the index or model failed; the server log has the details"
        logger.exception("loading the index or model failed (error id %s): %s", app.state.load_error_id, error)
        return
    if app.state.retriever is None:  # an admin reload may have been quicker
        app.state.retriever = retriever
        await anyio.to_thread.run_sync(take_up, app, retriever)  # monitors: the documents seen at start-up
    logger.info(
        "ready: index generation %s, %d documents, %d units, model %s",
        retriever.generation,
        len(retriever.content.documents),
        len(retriever.content.units),
        retriever.encoder.model_id,
    )


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    loading = None if app.state.retriever is not None else asyncio.create_task(_load_retriever(app))
    if loading is None:  # a retriever handed in: the monitors learn its documents as after a load
        await anyio.to_thread.run_sync(take_up, app, app.state.retriever)
    watching = start_replica_watch(app)  # replicas: pick up generations other processes write
    try:
        yield
    finally:
        await stop_replica_watch(watching)
        if loading is not None and not loading.done():
            loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loading
        await anyio.to_thread.run_sync(app.state.batcher.close)
        serving: Retriever | None = app.state.retriever
        if serving is not None:
            await anyio.to_thread.run_sync(serving.encoder.close)  # the reference encoder's process, if started


def create_app(settings: ServiceSettings | None = None, retriever: Retriever | None = None) -> FastAPI:
    """The service; `retriever` skips the start-up load (tests, embedding in another program)."""
    settings = settings or ServiceSettings()
    app = FastAPI(
        title="Vraagbaak",
        summary="Earlier government answers to Dutch parliamentary questions, with citations.",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,  # our own /docs and /redoc: from package files, not a CDN (service/docs.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.retriever = retriever
    app.state.load_error = None
    app.state.load_error_id = None
    app.state.metrics = Metrics()
    app.state.batcher = QueryBatcher(
        settings.batch_max, settings.batch_wait_ms / 1000, timeout_s=settings.encode_timeout_s
    )
    app.state.updater = IndexUpdater(app)
    app.state.in_flight = InFlight(settings.max_in_flight)

    install_error_handlers(app)
    install_docs(app)
    for module in (search, units, similar, documents, questions, admin, monitors, health):
        app.include_router(module.router, responses=ERROR_RESPONSES)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def body_limit(scope: Scope) -> int:
        if scope["method"] == "POST" and scope["path"] == UPLOAD_PATH:
            return settings.max_upload_bytes
        return settings.max_body_bytes

    # Added innermost first: security headers wrap everything, so even a 413 carries them.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],
        )
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    app.add_middleware(OverloadMiddleware, in_flight=app.state.in_flight, weighed_paths=("/v1/search/batch",))
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics, templates=lambda: app.openapi()["paths"])
    app.add_middleware(SecurityHeadersMiddleware)
    return app
