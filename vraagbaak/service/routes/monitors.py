"""`/v1/monitors`: saved searches with an Atom feed of close matches in documents added after saving.

Creating and removing a monitor needs the admin key; reading its feed does
not, so a feed reader can poll it: the id is the secret (192 random bits).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError

from vraagbaak.retrieval.request import SearchFilters
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.batching import QueryBatcher
from vraagbaak.service.deps import BatcherDep, RetrieverDep, require_admin
from vraagbaak.service.errors import new_error_id
from vraagbaak.service.monitors.atom import ATOM_TYPE, Feed, FeedEntry, render_feed
from vraagbaak.service.monitors.following import ROLE_TITLES, arrivals
from vraagbaak.service.monitors.matching import close_matches
from vraagbaak.service.monitors.store import Monitor, MonitorDatabaseError, MonitorStore, check_monitor_id
from vraagbaak.service.schemas import MonitorRequest, MonitorResponse
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.service.shapes import unit_url

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["monitors"])
_store_lock = threading.Lock()
SUMMARY_CHARS = 300


DATABASE_DOWN = "the monitor database cannot be used; the server log has the details"


def _open_store(request: Request) -> MonitorStore:
    store: MonitorStore | None = getattr(request.app.state, "monitor_store", None)
    if store is None:
        with _store_lock:
            store = getattr(request.app.state, "monitor_store", None)
            if store is None:
                settings: ServiceSettings = request.app.state.settings
                store = MonitorStore(settings.monitor_db or settings.index_dir / "monitors.sqlite3")
                request.app.state.monitor_store = store
    return store


def monitor_store(request: Request) -> Iterator[MonitorStore]:
    """The app's monitor database, opened (and created or migrated) on first use.

    A database that cannot be used (a newer schema, not SQLite, locked past the timeout) is a 503 with
    an error id; the path and SQLite's message go to the log only.
    """
    try:
        yield _open_store(request)
    except (MonitorDatabaseError, sqlite3.Error) as error:
        error_id = new_error_id()
        logger.error("monitor database failed (error id %s): %s", error_id, error)
        raise HTTPException(status_code=503, detail=f"{DATABASE_DOWN} (error id {error_id})") from error


StoreDep = Annotated[MonitorStore, Depends(monitor_store)]


def valid_id(monitor_id: str) -> str:
    """A malformed id is a 422 that says what an id looks like, before any database lookup."""
    problem = check_monitor_id(monitor_id)
    if problem is not None:
        raise RequestValidationError([{"type": "value_error", "loc": ("path", "monitor_id"), "msg": problem}])
    return monitor_id


MonitorId = Annotated[str, Depends(valid_id)]


def _found(store: MonitorStore, monitor_id: str) -> Monitor:
    monitor = store.get(monitor_id)
    if monitor is None:
        raise HTTPException(status_code=404, detail="no monitor with this id (it may have been deleted)")
    return monitor


def feed_url(request: Request, monitor_id: str) -> str:
    return str(request.url_for("monitor_feed", monitor_id=monitor_id))


def _response(request: Request, monitor: Monitor) -> MonitorResponse:
    return MonitorResponse(
        monitor_id=monitor.monitor_id,
        question=monitor.question,
        filters=SearchFilters.model_validate_json(monitor.filters),
        created=monitor.created,
        feed_url=feed_url(request, monitor.monitor_id),
    )


@router.post(
    "/monitors",
    summary="Save a search: its feed lists close matches in documents added from now on",
    status_code=201,
    dependencies=[Depends(require_admin)],
)
def create_monitor(
    body: MonitorRequest, request: Request, retriever: RetrieverDep, batcher: BatcherDep, store: StoreDep
) -> MonitorResponse:
    vector = batcher.encode(retriever, body.question)
    monitor = store.create(
        body.question,
        body.filters.model_dump_json(),
        vector,
        retriever.encoder.model_id,
        retriever.content.documents.keys(),
    )
    logger.info("monitor %s… created", monitor.monitor_id[:6])
    return _response(request, monitor)


@router.get("/monitors/{monitor_id}", summary="A saved search (no key: the id is the secret)")
def get_monitor(monitor_id: MonitorId, request: Request, store: StoreDep) -> MonitorResponse:
    return _response(request, _found(store, monitor_id))


@router.delete(
    "/monitors/{monitor_id}",
    summary="Remove a saved search and its feed",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(require_admin)],
)
def delete_monitor(monitor_id: MonitorId, store: StoreDep) -> Response:
    if not store.delete(monitor_id):
        raise HTTPException(status_code=404, detail="no monitor with this id (it may have been deleted)")
    return Response(status_code=204)


def _vector(store: MonitorStore, monitor: Monitor, retriever: Retriever, batcher: QueryBatcher) -> np.ndarray:
    """The saved vector while the index's model is the one it was made with; else encode again and save."""
    model = retriever.encoder.model_id
    if (
        monitor.vector is not None
        and monitor.vector_model == model
        and len(monitor.vector) == retriever.encoder.dimension
    ):
        return monitor.vector
    vector = batcher.encode(retriever, monitor.question)
    store.save_vector(monitor.monitor_id, vector, model)
    return vector


@router.get(
    "/monitors/{monitor_id}/feed.atom",
    name="monitor_feed",
    summary="Atom feed of close matches in documents added after the search was saved (no key needed)",
    response_class=Response,
    responses={200: {"content": {ATOM_TYPE: {}}}},
)
def monitor_feed(
    monitor_id: MonitorId, request: Request, retriever: RetrieverDep, batcher: BatcherDep, store: StoreDep
) -> Response:
    monitor = _found(store, monitor_id)
    store.sync_documents(retriever.content.documents.keys(), retriever.generation)
    if monitor.zaak is not None:
        return _follow_feed(request, retriever, store, monitor, monitor.zaak)
    matches = close_matches(
        retriever, monitor, _vector(store, monitor, retriever, batcher), store.documents_after(monitor.after_seq)
    )
    base = str(request.base_url).rstrip("/")
    entries = []
    for match in matches:
        unit, document = match.hit.unit, match.hit.document
        label = f"vraag {unit.number}" if unit.number is not None else (unit.section or "passage")
        entries.append(
            FeedEntry(
                entry_id=f"urn:vraagbaak:unit:{quote(unit.unit_id, safe=':')}",
                title=f"{document.title} — {label}",
                link=f"{base}{unit_url(unit.unit_id)}",
                updated=match.seen.first_seen,
                summary=_shorten(unit.question or unit.answer),
                content=f"{unit.question}\n\n{unit.answer}".strip(),
            )
        )
    feed = Feed(
        feed_id=f"urn:vraagbaak:monitor:{monitor.monitor_id}",
        title=f"Vraagbaak: {_shorten(monitor.question, 120)}",
        subtitle="Nieuwe documenten met een antwoord dat dicht bij deze vraag ligt",
        self_link=feed_url(request, monitor.monitor_id),
        updated=max([monitor.created, *(match.seen.first_seen for match in matches)]),
        entries=entries,
    )
    headers = {"Cache-Control": "no-cache"}
    return Response(content=render_feed(feed), media_type=ATOM_TYPE, headers=headers)


def _follow_feed(request: Request, retriever: Retriever, store: MonitorStore, monitor: Monitor, zaak: str) -> Response:
    """The feed of a followed set of questions: an entry for its answer and for each postponement notice."""
    arrived = arrivals(retriever, zaak, store.documents_after(monitor.after_seq))
    base = str(request.base_url).rstrip("/")
    entries = [
        FeedEntry(
            entry_id=f"urn:vraagbaak:document:{quote(item.document.doc_id, safe='')}",
            title=f"{ROLE_TITLES[item.role]}: {item.document.title}",
            link=f"{base}/v1/documents/{quote(item.document.doc_id, safe='')}",
            updated=item.seen.first_seen,
            summary=_shorten(item.document.postponement or item.document.subject or item.document.title),
            content=item.document.postponement or item.document.title,
        )
        for item in arrived
    ]
    feed = Feed(
        feed_id=f"urn:vraagbaak:monitor:{monitor.monitor_id}",
        title=f"Vraagbaak volgt: {_shorten(monitor.question, 120)}",
        subtitle=f"Antwoord en uitstelberichten op de vragen van zaak {zaak}",
        self_link=feed_url(request, monitor.monitor_id),
        updated=max([monitor.created, *(item.seen.first_seen for item in arrived)]),
        entries=entries,
    )
    return Response(content=render_feed(feed), media_type=ATOM_TYPE, headers={"Cache-Control": "no-cache"})


def _shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
