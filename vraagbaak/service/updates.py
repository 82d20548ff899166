"""Index changes made through the admin API, with an atomic swap of the serving retriever.

Each change writes a new index generation (`vraagbaak.store.builder`), starting
from the generation the service holds in memory, and gets the new one back in
memory: a new `Retriever` is made from it off to the side (nothing is read
back from disk or verified again) and then replaces `app.state.retriever` in
one assignment. Requests that already hold the old retriever finish on it;
new requests get the new one. A lock keeps this process's changes in order;
the index's own writer lock keeps other processes out (when one has written
meanwhile, the builder notices and starts from disk).

Uploads are parsed first, in a worker process under the parse time and
memory limits (`vraagbaak.parsing.isolation`), and only then is the lock
taken to write: a slow or hostile file holds up no other change, and one
the worker refuses leaves the serving index as it was.
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

from vraagbaak.errors import ParseError
from vraagbaak.model.encoder import Encoder
from vraagbaak.model.tokens import length_function_for
from vraagbaak.parsing import DOCUMENT_SUFFIXES
from vraagbaak.parsing.isolation import ParseLimits, ParseWorker
from vraagbaak.parsing.readers import Format, sniff_format
from vraagbaak.retrieval.retriever import Retriever, open_retriever
from vraagbaak.service.memory import MallocTrimmer
from vraagbaak.service.metrics import Metrics
from vraagbaak.service.monitors.arrivals import take_up
from vraagbaak.service.schemas import ReloadResponse, UpdateResponse
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.store.builder import BuildReport, add_documents, remove_documents
from vraagbaak.store.generations import read_index_manifest
from vraagbaak.text.windows import LengthFunction
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)

_SUFFIXES = {Format.PDF: ".pdf", Format.DOCX: ".docx", Format.MARKDOWN: ".md", Format.TEXT: ".txt"}
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def sniffed_suffix(raw: bytes, name: str) -> str:
    """The file suffix for an upload of unnamed type, from its first bytes; the worker reads the rest.

    A zip can only be a Word document (anything else fails to parse), so its
    directory is not read here, in the serving process.
    """
    if raw.startswith(_ZIP_MAGICS):
        return ".docx"
    return _SUFFIXES[sniff_format(raw, name)]  # magic bytes and a bounded look at the head: cheap


class IndexUpdater:
    """Adds, removes and reloads for one app; every method blocks, so call it from a worker thread."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._lock = threading.Lock()  # index writes only: parsing happens before it is taken
        self._parser_lock = threading.Lock()
        self.parser: ParseWorker | None = None
        """The worker that parses uploads under the settings' limits; started by the first upload."""
        self._counter: tuple[Encoder, LengthFunction] | None = None
        self.trimmer = MallocTrimmer()
        """Hands the memory a swap freed back to the system (service/memory.py: what it fixed, measured)."""

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
        take_up(self.app, retriever)  # documents arrive: the monitors' bookkeeping, so feed reads only read
        self.trimmer.after_swap()  # the build's scratch space and the generation before: free, but resident
        logger.info(
            "now serving index generation %s (%d documents, %d units)",
            retriever.generation,
            len(retriever.content.documents),
            len(retriever.content.units),
        )

    def document_path(self, doc_id: str, suffix: str = ".txt") -> Path:
        """Where an upload is kept; refuses any id that would land outside the data directory."""
        folder = (self.settings.data_dir / "documents").resolve()
        path = (folder / f"{doc_id}{suffix}").resolve()
        if path.parent != folder:
            raise HTTPException(status_code=422, detail=f"doc_id: {doc_id!r} is not a plain file name")
        return path

    def add(self, retriever: Retriever, doc_id: str, text: str) -> UpdateResponse:
        """Uploaded text (the JSON route): parsed in the worker, kept as `<doc_id>.txt`."""
        started = time.perf_counter()
        path = self.document_path(doc_id)
        count = self._length_function(retriever.encoder)
        parsed = self._worker().parse_text(text, doc_id, str(path), length_function=count)
        if not parsed.units:
            raise ParseError(f"found no questions, answers or passages in the text of {doc_id!r}")
        return self._write(retriever, parsed, text.encode("utf-8"), path, started)

    def add_file(self, retriever: Retriever, doc_id: str, raw: bytes, suffix: str = "") -> UpdateResponse:
        """An uploaded file's bytes: parsed in the worker, kept as `<doc_id><suffix>`.

        `suffix` follows the declared Content-Type; empty means: tell from the
        content. Messages name the upload as `<doc_id><suffix>`, never a path
        on the server.
        """
        started = time.perf_counter()
        path = self.document_path(doc_id, ".txt")  # refuses an unsafe id before anything else
        suffix = suffix or sniffed_suffix(raw, doc_id)
        name = f"{doc_id}{suffix}"
        path = self.document_path(doc_id, suffix)
        count = self._length_function(retriever.encoder)
        parsed = self._worker().parse_bytes(raw, doc_id, name, length_function=count)
        if not parsed.units:
            raise ParseError(f"{name}: found no questions, answers or passages")
        document = parsed.document.model_copy(update={"source_path": str(path)})
        return self._write(retriever, parsed.model_copy(update={"document": document}), raw, path, started)

    def close(self) -> None:
        """Stop the parse worker, if one was started."""
        with self._parser_lock:
            if self.parser is not None:
                self.parser.close()
                self.parser = None

    def _worker(self) -> ParseWorker:
        with self._parser_lock:
            if self.parser is None:
                self.parser = ParseWorker(ParseLimits.from_settings(self.settings))
            return self.parser

    def _length_function(self, encoder: Encoder) -> LengthFunction:
        """The encoder's token counter in a form the worker can rebuild; worked out once per encoder."""
        with self._parser_lock:
            if self._counter is None or self._counter[0] is not encoder:
                self._counter = (encoder, length_function_for(encoder, self.settings.model_cache))
            return self._counter[1]

    def _write(
        self, retriever: Retriever, parsed: ParsedDocument, raw: bytes, path: Path, started: float
    ) -> UpdateResponse:
        """Under the lock: the new index generation, the original kept beside it, the swap."""
        doc_id = parsed.document.doc_id
        with self._lock:
            current: Retriever = self.app.state.retriever or retriever
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{doc_id}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(raw)
                report = add_documents([parsed], current.encoder, self.settings.index_dir, current=current.content)
                os.replace(temporary, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
            self._remove_originals(doc_id, keep=path)
            status = "added" if report.added else "replaced" if report.replaced else "unchanged"
            if status != "unchanged":
                self._swap(self._retriever_for(report, current))
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

    def _retriever_for(self, report: BuildReport, current: Retriever) -> Retriever:
        """The retriever of the generation the builder just wrote, from the content it handed back."""
        if report.content is None:  # another process wrote meanwhile, so the builder started from disk
            return Retriever.load(self.settings.index_dir, current.encoder, current.fusion)
        return Retriever(report.content, current.encoder, current.fusion)

    def _remove_originals(self, doc_id: str, keep: Path | None = None) -> None:
        """The kept originals of `doc_id` in any format but `keep` (a PDF replaced by a DOCX, a removal)."""
        for suffix in DOCUMENT_SUFFIXES:
            with contextlib.suppress(HTTPException, FileNotFoundError):
                path = self.document_path(doc_id, suffix)
                if path != keep:
                    path.unlink()

    def remove(self, retriever: Retriever, doc_id: str) -> UpdateResponse:
        started = time.perf_counter()
        with self._lock:
            current: Retriever = self.app.state.retriever or retriever
            if current.document(doc_id) is None:
                raise HTTPException(
                    status_code=404, detail=f"no document {doc_id!r} in the index; GET /v1/documents lists them"
                )
            report = remove_documents([doc_id], self.settings.index_dir, current=current.content)
            self._swap(self._retriever_for(report, current))
            self.metrics.count_update("removed")
            self._remove_originals(doc_id)
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
