"""Index changes made through the admin API, with an atomic swap of the serving retriever.

Each change writes a new index generation (`indexer.builder`), loads a new
`Retriever` for it off to the side, and then replaces `app.state.retriever`
in one assignment. Requests that already hold the old retriever finish on
it; new requests get the new one. A lock keeps this process's changes in
order; the index's own writer lock keeps other processes out.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from fastapi import FastAPI, HTTPException

from indexer.builder import add_documents, remove_documents
from indexer.errors import ParseError
from indexer.parsing import parse_text
from indexer.retrieval import Retriever, open_retriever
from indexer.store import read_index_manifest
from service.metrics import Metrics
from service.schemas import ReloadResponse, UpdateResponse
from service.settings import ServiceSettings

logger = logging.getLogger(__name__)


class IndexUpdater:
    """Adds, removes and reloads for one app; every method blocks, so call it from a worker thread."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._lock = threading.Lock()

    @property
    def settings(self) -> ServiceSettings:
        settings: ServiceSettings = self.app.state.settings
        return settings

    @property
    def metrics(self) -> Metrics:
        metrics: Metrics = self.app.state.metrics
        return metrics

    def _swap(self, retriever: Retriever) -> None:
        self.app.state.retriever = retriever  # one reference assignment: atomic for readers
        self.app.state.load_error = None
        logger.info(
            "now serving index generation %s (%d documents, %d units)",
            retriever.generation,
            len(retriever.content.documents),
            len(retriever.content.units),
        )

    def document_path(self, doc_id: str) -> Path:
        """Where an upload is kept; refuses any id that would land outside the data directory."""
        folder = (self.settings.data_dir / "documents").resolve()
        path = (folder / f"{doc_id}.txt").resolve()
        if path.parent != folder:
            raise HTTPException(status_code=422, detail=f"doc_id: {doc_id!r} is not a plain file name")
        return path

    def add(self, retriever: Retriever, doc_id: str, text: str) -> UpdateResponse:
        started = time.perf_counter()
        path = self.document_path(doc_id)
        parsed = parse_text(text, doc_id, str(path), length_function=retriever.encoder.count_tokens)
        if not parsed.units:
            raise ParseError(f"found no questions, answers or passages in the text of {doc_id!r}")
        with self._lock:
            current: Retriever = self.app.state.retriever or retriever
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{doc_id}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                report = add_documents([parsed], current.encoder, self.settings.index_dir)
                os.replace(temporary, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
            status = "added" if report.added else "replaced" if report.replaced else "unchanged"
            if status != "unchanged":
                self._swap(Retriever.load(self.settings.index_dir, current.encoder, current.fusion))
                self.metrics.count_update(status)
            serving: Retriever = self.app.state.retriever
        return UpdateResponse(
            doc_id=doc_id,
            status=status,
            units=len(serving.units_of(doc_id)),
            index_generation=serving.generation,
            documents=len(serving.content.documents),
            total_units=len(serving.content.units),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def remove(self, retriever: Retriever, doc_id: str) -> UpdateResponse:
        started = time.perf_counter()
        with self._lock:
            current: Retriever = self.app.state.retriever or retriever
            if current.document(doc_id) is None:
                raise HTTPException(
                    status_code=404, detail=f"no document {doc_id!r} in the index; GET /v1/documents lists them"
                )
            remove_documents([doc_id], self.settings.index_dir)
            self._swap(Retriever.load(self.settings.index_dir, current.encoder, current.fusion))
            self.metrics.count_update("removed")
            with contextlib.suppress(HTTPException, FileNotFoundError):
                self.document_path(doc_id).unlink()
            serving: Retriever = self.app.state.retriever
        return UpdateResponse(
            doc_id=doc_id,
            status="removed",
            units=0,
            index_generation=serving.generation,
            documents=len(serving.content.documents),
            total_units=len(serving.content.units),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def reload(self) -> ReloadResponse:
        """Re-read the index directory; the model is reloaded only if the manifest names another one."""
        started = time.perf_counter()
        settings = self.settings
        with self._lock:
            current: Retriever | None = self.app.state.retriever
            manifest = read_index_manifest(settings.index_dir)
            same_model = current is not None and (
                manifest.model.model_id == current.encoder.model_id
                and manifest.model.model_hash == current.encoder.model_hash
            )
            if current is not None and same_model:
                new = Retriever.load(settings.index_dir, current.encoder, current.fusion)
            else:
                new = open_retriever(
                    settings.index_dir,
                    settings.model_cache,
                    batch_size=settings.encode_batch_size,
                    engine=settings.query_engine,
                )
            self._swap(new)
            if current is not None and not same_model:
                current.encoder.close()  # the old model's passage process, if an upload had started one
            self.metrics.count_update("reloaded")
        return ReloadResponse(
            previous_generation=current.generation if current is not None else None,
            index_generation=new.generation,
            documents=len(new.content.documents),
            units=len(new.content.units),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )
