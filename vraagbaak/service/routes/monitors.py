"""`/v1/monitors`: saved searches with an Atom feed of close matches in documents added after saving.

Creating and removing a monitor needs the admin key; reading its feed does
not, so a feed reader can poll it: the id is the secret (192 random bits).
A read without a key only reads: no database write, no model call (the
documents' first-seen times and the saved vectors are kept up to date when
documents arrive, `vraagbaak.service.monitors.arrivals`). Links start with
VRAAGBAAK_PUBLIC_URL (`vraagbaak.service.links`), never with the Host header.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError

from vraagbaak.retrieval.request import SearchFilters
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.deps import BatcherDep, RetrieverDep, require_admin
from vraagbaak.service.errors import new_error_id
from vraagbaak.service.links import public_base
from vraagbaak.service.monitors.arrivals import store_of
from vraagbaak.service.monitors.atom import ATOM_TYPE, Feed, FeedEntry, render_feed
from vraagbaak.service.monitors.following import ROLE_TITLES, arrivals
from vraagbaak.service.monitors.matching import close_matches
from vraagbaak.service.monitors.store import Monitor, MonitorDatabaseError, MonitorStore, check_monitor_id
from vraagbaak.service.schemas import MonitorRequest, MonitorResponse
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.service.shapes import unit_url

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["monitors"])
SUMMARY_CHARS = 300


DATABASE_DOWN = "the monitor database cannot be used; the server log has the details"
NEW_MODEL = "this feed is being brought up to the index's new model; retry shortly"


def monitor_store(request: Request) -> Iterator[MonitorStore]:
    """The app's monitor database, opened (and created or migrated) on first use.

    A database that cannot be used (a newer schema, not SQLite, locked past the timeout) is a 503 with
    an error id; the path and SQLite's message go to the log only.
    """
    try:
        yield store_of(request.app)
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


def _base(request: Request) -> str:
    settings: ServiceSettings = request.app.state.settings
    return public_base(request, settings)


def feed_url(request: Request, monitor_id: str) -> str:
    """Absolute from VRAAGBAAK_PUBLIC_URL (or a loopback request), else root-relative."""
    return _base(request) + request.app.url_path_for("monitor_feed", monitor_id=monitor_id)


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


def _vector(monitor: Monitor, retriever: Retriever) -> np.ndarray:
    """The saved vector; 503 while it is another model's (the swap to the new model re-encodes it)."""
    if (
        monitor.vector is not None
        and monitor.vector_model == retriever.encoder.model_id
        and len(monitor.vector) == retriever.encoder.dimension
    ):
        return monitor.vector
    logger.warning(
        "monitor %s…: saved vector is not of model %s yet", monitor.monitor_id[:6], retriever.encoder.model_id
    )
    raise HTTPException(status_code=503, detail=NEW_MODEL, headers={"Retry-After": "30"})


@router.get(
    "/monitors/{monitor_id}/feed.atom",
    name="monitor_feed",
    summary="Atom feed of close matches in documents added after the search was saved (no key needed)",
    response_class=Response,
    responses={200: {"content": {ATOM_TYPE: {}}}},
)
def monitor_feed(monitor_id: MonitorId, request: Request, retriever: RetrieverDep, store: StoreDep) -> Response:
    """Read-only: the database opened read-only, the saved vector, the loaded index."""
    monitor = _found(store, monitor_id)
    if monitor.zaak is not None:
        return _follow_feed(request, retriever, store, monitor, monitor.zaak)
    matches = close_matches(retriever, monitor, _vector(monitor, retriever), store.documents_after(monitor.after_seq))
    base = _base(request)
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
    base = _base(request)
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
