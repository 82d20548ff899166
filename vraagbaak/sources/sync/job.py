"""`vraagbaak sync` put together: the source client, the state database, the model, the parse worker.

One sync at a time per index (a lock file beside the index); the index's own writer lock keeps uploads
through the service and sync writes in order. With `every`, runs repeat until interrupted; a run that the
source lets down (after every retry) is logged and the next one starts on time, from its checkpoint.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vraagbaak.errors import VraagbaakError
from vraagbaak.model.encoder import Encoder
from vraagbaak.sources.sync.index_writer import IndexWriter
from vraagbaak.sources.sync.run import Syncer, SyncOptions, SyncReport
from vraagbaak.sources.sync.settings import SyncSettings
from vraagbaak.sources.sync.state import SyncState
from vraagbaak.sources.tk.client import TkOData
from vraagbaak.sources.tk.errors import SourceError
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)

SYNC_LOCK = "sync.lock"


class SyncLockedError(VraagbaakError):
    """Another sync of the same index is running."""


@dataclass(frozen=True)
class RayOptions:
    address: str  # "" for a local Ray
    workers: int | None = None


@contextlib.contextmanager
def sync_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / SYNC_LOCK).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncLockedError(f"another `vraagbaak sync` is running on {index_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def client_for(settings: SyncSettings) -> TkOData:
    return TkOData(
        settings.tk_odata_url,
        timeout_s=settings.sync_timeout_s,
        max_retries=settings.sync_max_retries,
        requests_per_second=settings.sync_requests_per_second,
        max_resource_bytes=settings.sync_max_file_mb * 1024 * 1024,
    )


def options_for(settings: SyncSettings, **overrides: object) -> SyncOptions:
    values: dict[str, object] = {
        "kinds": tuple(settings.sync_kinds),
        "batch_documents": settings.sync_batch_documents,
        "max_attempts": settings.sync_max_attempts,
        "fetch_workers": settings.sync_fetch_workers,
    }
    values.update({name: value for name, value in overrides.items() if value is not None})
    return SyncOptions(**values)  # type: ignore[arg-type]


@contextlib.contextmanager
def _encoder(settings: SyncSettings, index_dir: Path, ray: RayOptions | None) -> Iterator[tuple[Encoder, Encoder]]:
    """(encoder that embeds, local encoder that counts tokens); the index's own model where it exists."""
    from vraagbaak.model.sentence_transformers_encoder import load_encoder
    from vraagbaak.store.generations import index_exists, read_index_manifest

    model = read_index_manifest(index_dir).model.model_id if index_exists(index_dir) else settings.model
    local = load_encoder(model, settings.model_cache, batch_size=settings.encode_batch_size)
    if ray is None:
        yield local, local
        return
    from vraagbaak.model.ray_encoding import RayEncoder

    with RayEncoder(
        local, settings.model_cache, address=ray.address or None, workers=ray.workers,
        batch_size=settings.encode_batch_size,
    ) as remote:  # fmt: skip
        remote.start()
        yield remote, local


def run_sync(
    settings: SyncSettings,
    index_dir: Path,
    options: SyncOptions,
    *,
    ray: RayOptions | None = None,
    show_progress: bool = False,
) -> SyncReport:
    """One run into `index_dir`; SourceError when the source stays unavailable (checkpoints stay where they were)."""
    from vraagbaak.model.tokens import length_function_for
    from vraagbaak.parsing.isolation import ParseLimits, ParseWorker

    with sync_lock(index_dir), _encoder(settings, index_dir, ray) as (encoder, local), client_for(settings) as client:
        length_function = length_function_for(local, settings.model_cache)
        with ParseWorker(ParseLimits.from_settings(settings)) as worker:

            def parse(raw: bytes, doc_id: str, name: str) -> ParsedDocument:
                return worker.parse_bytes(raw, doc_id, name, length_function=length_function)

            state = SyncState(settings.sync_db_path(index_dir))
            syncer = Syncer(client, state, IndexWriter(index_dir, encoder), parse, options, show_progress=show_progress)
            return syncer.run()


def run_every(
    interval_s: float,
    run_once: Callable[[], SyncReport],
    report: Callable[[SyncReport], None],
    stop: threading.Event | None = None,
) -> None:
    """Run, wait out the rest of the interval, run again; until `stop` is set or the process is interrupted."""
    import time

    stop = stop or threading.Event()
    while not stop.is_set():
        started = time.monotonic()
        try:
            report(run_once())
        except SourceError as error:
            logger.error("sync: the source let this run down, trying again in %.0f s: %s", interval_s, error)
        stop.wait(max(0.0, interval_s - (time.monotonic() - started)))
