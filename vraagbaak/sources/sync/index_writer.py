"""The index as sync writes it: batches of added, replaced and removed documents, each an atomic generation.

Each batch is an update from disk, which copies what it keeps and loads none of the units, term counts,
vectors or document records of the index (`store.builder`): the writer's memory is that of a batch plus
a few bytes a document (its id and where it was synced from), however large the index grows. Those are
kept between batches with the generation they belong to; another writer in between (an upload through
the service) moves the generation, and they are read again. The few whole documents a batch needs (a
question its answer supersedes) are read from the index when needed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vraagbaak.model.encoder import Encoder
from vraagbaak.store.builder import BuildReport, add_documents, remove_documents
from vraagbaak.store.generations import current_generation, document_sources, index_exists, read_documents
from vraagbaak.units import Document, ParsedDocument

logger = logging.getLogger(__name__)


@dataclass
class WriteCounts:
    added: int = 0
    replaced: int = 0
    removed: int = 0
    units: int = 0
    embedded: int = 0
    encode_seconds: float = 0.0
    write_seconds: float = 0.0
    generation: str = ""


class IndexWriter:
    """Adds and removes documents in `index_dir` with `encoder`; one writer lock per batch."""

    def __init__(self, index_dir: Path, encoder: Encoder) -> None:
        self.index_dir = index_dir
        self.encoder = encoder
        self._generation = ""
        self._sources: dict[str, str | None] = {}

    def _current_sources(self) -> dict[str, str | None]:
        if not index_exists(self.index_dir):
            return {}
        if current_generation(self.index_dir) != self._generation:
            self._generation, self._sources = document_sources(self.index_dir)
        return self._sources

    def holds(self, doc_id: str) -> bool:
        return doc_id in self._current_sources()

    def source_of(self, doc_id: str) -> str | None:
        """The open-data Id the document `doc_id` was synced from; None for one added by hand (or not held)."""
        return self._current_sources().get(doc_id)

    def documents(self, doc_ids: Collection[str]) -> dict[str, Document]:
        """The held documents among `doc_ids`, read from the index in one pass (they are not kept here)."""
        return read_documents(self.index_dir, doc_ids) if doc_ids and index_exists(self.index_dir) else {}

    def write(self, parsed: Sequence[ParsedDocument], remove: Iterable[str] = ()) -> WriteCounts:
        """Remove then add; ids not in the index are not removed, so replaying a batch after a crash is safe."""
        counts = WriteCounts()
        adding = {item.document.doc_id for item in parsed}
        gone = sorted({doc_id for doc_id in remove if doc_id not in adding and self.holds(doc_id)})
        if gone:
            report = remove_documents(gone, self.index_dir)
            self._remember(report, gone, ())
            counts.removed, counts.write_seconds, counts.generation = len(gone), report.seconds, report.generation
        if parsed:
            report = add_documents(list(parsed), self.encoder, self.index_dir)
            self._remember(report, (), [item.document for item in parsed])
            counts.added, counts.replaced = len(report.added), len(report.replaced)
            counts.units = report.units
            counts.embedded = report.embedded
            counts.encode_seconds = report.encode_seconds
            counts.write_seconds += report.seconds - report.encode_seconds
            counts.generation = report.generation
        return counts

    def _remember(self, report: BuildReport, gone: Iterable[str], written: Iterable[Document]) -> None:
        """The sources after a write of ours, without reading them back, unless the write started from a
        generation other than the one they belong to (someone else wrote first): then they are read again."""
        if report.previous != self._generation:
            self._generation, self._sources = document_sources(self.index_dir)
            return
        for doc_id in gone:
            self._sources.pop(doc_id, None)
        self._sources.update((doc.doc_id, doc.source.tk_id if doc.source else None) for doc in written)
        self._generation = report.generation
