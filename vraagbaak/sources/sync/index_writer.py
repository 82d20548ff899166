"""The index as sync writes it: batches of added, replaced and removed documents, each an atomic generation.

The generation just written stays in memory and is the base of the next batch, so a long sync reads the
index from disk once, not once per batch; another writer in between (an upload through the service) is
noticed by the builder, which then starts from disk.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vraagbaak.model.encoder import Encoder
from vraagbaak.store.builder import add_documents, remove_documents
from vraagbaak.store.generations import IndexContent, index_exists, load_index
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
        self._current: IndexContent | None = None

    def _content(self) -> IndexContent | None:
        if self._current is None and index_exists(self.index_dir):
            self._current = load_index(self.index_dir)
        return self._current

    def document(self, doc_id: str) -> Document | None:
        content = self._content()
        return None if content is None else content.documents.get(doc_id)

    def holds(self, doc_id: str) -> bool:
        return self.document(doc_id) is not None

    def write(self, parsed: Sequence[ParsedDocument], remove: Iterable[str] = ()) -> WriteCounts:
        """Remove then add; ids not in the index are not removed, so replaying a batch after a crash is safe."""
        counts = WriteCounts()
        adding = {item.document.doc_id for item in parsed}
        gone = sorted({doc_id for doc_id in remove if doc_id not in adding and self.holds(doc_id)})
        if gone:
            report = remove_documents(gone, self.index_dir, current=self._content())
            self._current = report.content
            counts.removed, counts.write_seconds, counts.generation = len(gone), report.seconds, report.generation
        if parsed:
            report = add_documents(list(parsed), self.encoder, self.index_dir, current=self._content())
            self._current = report.content
            counts.added, counts.replaced = len(report.added), len(report.replaced)
            counts.units = report.units
            counts.embedded = report.embedded
            counts.encode_seconds = report.encode_seconds
            counts.write_seconds += report.seconds - report.encode_seconds
            counts.generation = report.generation
        return counts
