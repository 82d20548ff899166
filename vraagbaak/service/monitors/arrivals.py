"""What the monitors' database learns when the service takes up an index generation.

A feed is read without a key, so reading it must not write (nor run the
model). The writes a feed used to do on the way happen here instead, at the
moment documents arrive: whenever the service starts serving a generation
(start-up, upload, removal, reload, a replica picking one up), the
generation's document ids are recorded as seen, and the saved question vectors
that another model made are encoded again with the new one. A database that
does not exist yet is left alone: no monitor, nothing to keep up to date (the
first monitor records the documents it starts from).
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from fastapi import FastAPI

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.batching import QueryBatcher
from vraagbaak.service.monitors.store import MonitorDatabaseError, MonitorStore
from vraagbaak.service.settings import ServiceSettings

logger = logging.getLogger(__name__)

_store_lock = threading.Lock()


def store_of(app: FastAPI) -> MonitorStore:
    """The app's monitor database (one object per app; the file is opened per call)."""
    store: MonitorStore | None = getattr(app.state, "monitor_store", None)
    if store is None:
        with _store_lock:
            store = getattr(app.state, "monitor_store", None)
            if store is None:
                settings: ServiceSettings = app.state.settings
                store = MonitorStore(settings.monitor_db or settings.index_dir / "monitors.sqlite3")
                app.state.monitor_store = store
    return store


def take_up(app: FastAPI, retriever: Retriever) -> None:
    """Record `retriever`'s documents as seen and bring saved vectors to its model; never raises.

    Blocking (SQLite, and the model for stale vectors): call it from a worker thread. A failure is
    logged and tried again at the next generation; meanwhile feeds keep their previous entries.
    """
    store = store_of(app)
    if not store.path.exists():
        return
    try:
        store.sync_documents(retriever.content.documents.keys(), retriever.generation)
        model, dimension = retriever.encoder.model_id, retriever.encoder.dimension
        stale = store.stale_vectors(model, dimension)
        batcher: QueryBatcher = app.state.batcher
        for monitor_id, question in stale:
            store.save_vector(monitor_id, batcher.encode(retriever, question), model)
        if stale:
            logger.info("%d monitor question(s) encoded again for model %s", len(stale), model)
    except (MonitorDatabaseError, sqlite3.Error) as error:
        logger.error("could not update the monitor database for generation %s: %s", retriever.generation, error)
    except Exception:  # the swap it follows has happened; a monitor problem must not undo an upload's answer
        logger.exception("could not update the monitor database for generation %s", retriever.generation)
