"""Replicas: serve the generation another process wrote, by polling the index's `CURRENT` pointer.

Several `vraagbaak serve` processes (or containers) can read one index
directory on shared storage while one writer at a time (the writer lock)
changes it. Each replica with `VRAAGBAAK_RELOAD_POLL_S` set reads `CURRENT`
(a few bytes) every interval and, when it names another generation than the
one served, runs the ordinary reload (`IndexUpdater.reload`): the new
retriever is loaded beside the old one and swapped in, so requests in
flight are not disturbed. A generation that fails to load is logged once
and retried only when `CURRENT` moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio.to_thread
from fastapi import FastAPI

from vraagbaak.errors import VraagbaakError
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.service.updates import IndexUpdater
from vraagbaak.store.generations import current_generation

logger = logging.getLogger(__name__)


def start_replica_watch(app: FastAPI) -> asyncio.Task[None] | None:
    """The watcher for this app, or None when the poll interval setting is 0."""
    settings: ServiceSettings = app.state.settings
    if settings.reload_poll_s <= 0:
        return None
    logger.info("watching %s for new index generations every %.1f s", settings.index_dir, settings.reload_poll_s)
    return asyncio.create_task(watch_generation(app, settings.reload_poll_s), name="replica-watch")


async def stop_replica_watch(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def watch_generation(app: FastAPI, poll_s: float) -> None:
    """Until cancelled: reload whenever `CURRENT` names a generation other than the one served."""
    settings: ServiceSettings = app.state.settings
    updater: IndexUpdater = app.state.updater
    failed: str | None = None
    while True:
        await asyncio.sleep(poll_s)
        serving: Retriever | None = app.state.retriever
        if serving is None and app.state.load_error is None:
            continue  # the start-up load is still running
        try:
            current = await anyio.to_thread.run_sync(current_generation, settings.index_dir)
        except VraagbaakError as error:
            logger.debug("no generation to pick up yet: %s", error)
            continue
        if current in {failed, serving.generation if serving is not None else None}:
            continue
        try:
            reloaded = await anyio.to_thread.run_sync(updater.reload)
        except Exception as error:  # a broken generation must not stop the watch
            failed = current
            logger.error("cannot load index generation %s; still serving the previous one: %s", current, error)
            continue
        failed = None
        logger.info("picked up index generation %s (was %s)", reloaded.index_generation, reloaded.previous_generation)
