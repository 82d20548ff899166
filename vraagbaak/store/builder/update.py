"""Adding, replacing and removing documents: the next generation from the current one, in proportion to the change."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vraagbaak.errors import VraagbaakError
from vraagbaak.model.encoder import Encoder
from vraagbaak.store.builder.build import BuildReport, Embedded, build_locked, check_unique, embed_units, finish
from vraagbaak.store.builder.parts import PartIds, compact, drop_documents, new_parts
from vraagbaak.store.chunking import ChunkingConfig
from vraagbaak.store.generations import (
    DOCUMENTS,
    DocumentList,
    GenerationDraft,
    IndexContent,
    KeptPart,
    Part,
    StoredGeneration,
    VectorMap,
    current_generation,
    index_exists,
    read_for_update,
    write_generation,
    writer_lock,
)
from vraagbaak.store.lexical import TermCounts
from vraagbaak.store.manifest import Counts, Manifest, check_model, verify_file
from vraagbaak.store.streamed import StoredDocuments
from vraagbaak.store.vector_index import (
    FaissIndex,
    IndexKind,
    VectorIndexConfig,
    VectorIndexState,
    update_vector_index,
)
from vraagbaak.store.vector_rows import StoredRows, VectorRows, read_rows
from vraagbaak.units import Document, ParsedDocument

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Base(StoredGeneration):
    """The generation an update starts from: what `read_for_update` reads, and what may be reused of it."""

    content: IndexContent | None  # a serving index in memory (never changed: cloned); the update returns the next

    @classmethod
    def of(cls, content: IndexContent, folder: Path) -> _Base:
        return cls(
            content.generation,
            folder,
            content.manifest,
            content.vector_map,
            content.vectors,
            content,
        )


@dataclass(frozen=True)
class _NextVectors:
    """The next generation's vectors: what it stores, and the FAISS index in memory where one is needed."""

    stored: FaissIndex | VectorRows
    index: FaissIndex | None
    kind: IndexKind
    state: VectorIndexState | None
    action: str


def _next_vectors(
    base: _Base, removed: np.ndarray, keep: np.ndarray, embedded: Embedded, ids: np.ndarray
) -> _NextVectors:
    """The vectors of `base` that `keep` marks (the others are `removed`), then `embedded`'s.

    An exact index stored as rows stays rows: the new generation's file is copied from the old one
    and nothing is loaded, unless the serving index in memory (`base.content`) is to be updated for
    the swap. Everything else goes through FAISS: an approximate index, a format-2 index (a FAISS
    file, written as rows from now on) and an index that crosses into another kind.
    """
    config, dimension = base.manifest.vector_index, base.manifest.model.dimension
    count = int(keep.sum()) + len(embedded.map)
    rows = base.vectors if isinstance(base.vectors, StoredRows) else None
    if rows is not None and config.resolve_kind(count) == "flat":
        index = None
        if base.content is not None:
            args = (removed, embedded.vectors, embedded.map.ids, config, None)
            index = update_vector_index(base.content.vectors, *args, owned=False).index
        return _NextVectors(VectorRows(rows, keep, embedded.vectors), index, "flat", None, "changed in place")
    if base.content is not None:
        current, owned = base.content.vectors, False
    elif rows is not None:  # crossing into an approximate kind: every vector is needed, once
        verify_file(rows.path.parent, rows.path.name, base.manifest)
        current, owned = read_rows(rows, base.vector_map.ids, dimension, config, verify=False), True
    else:
        current, owned = base.vectors, True
    update = update_vector_index(
        current, removed, embedded.vectors, embedded.map.ids, config, base.manifest.vector_state, owned=owned
    )
    if update.kind == "flat":  # rows in the vector map's order, whatever order FAISS keeps them in
        matrix = update.index.reconstruct_batch(np.ascontiguousarray(ids, np.int64)) if len(ids) else embedded.vectors
        stored: FaissIndex | VectorRows = VectorRows(None, np.zeros(0, bool), matrix)
    else:
        stored = update.index
    return _NextVectors(stored, update.index, update.kind, update.state, update.action)


def _open(index_dir: Path, current: IndexContent | None) -> _Base:
    name = current_generation(index_dir)
    folder = index_dir / name
    if current is not None and current.generation == name:
        return _Base.of(current, folder)
    if current is not None:
        logger.info("generation %s was replaced by %s meanwhile; updating from disk", current.generation, name)
    stored = read_for_update(index_dir)
    return _Base(name, folder, stored.manifest, stored.vector_map, stored.vectors, None)


def add_documents(
    parsed: Sequence[ParsedDocument],
    encoder: Encoder,
    index_dir: Path,
    *,
    show_progress: bool = False,
    current: IndexContent | None = None,
) -> BuildReport:
    """Add or replace documents; one already indexed with the same content hash is left alone.

    `current`: the current generation as already loaded (a serving retriever's); the update
    then starts from it instead of reading the index, and never changes it.
    """
    started = time.perf_counter()
    check_unique(parsed)
    with writer_lock(index_dir):
        if not index_exists(index_dir):
            return build_locked(parsed, encoder, index_dir, ChunkingConfig(), VectorIndexConfig(), show_progress)
        base = _open(index_dir, current)
        check_model(base.manifest, encoder.model_id, encoder.model_hash, encoder.dimension)
        report = BuildReport(previous=base.name)
        incoming: list[ParsedDocument] = []
        for item in parsed:
            doc = item.document
            previous = base.manifest.corpus.get(doc.doc_id)
            if previous == doc.content_hash:
                report.unchanged.append(doc.doc_id)
                continue
            (report.replaced if previous is not None else report.added).append(doc.doc_id)
            incoming.append(item)
        if not incoming:
            report.content = base.content
            counts = base.manifest.counts
            report.documents, report.units, report.vectors = counts.documents, counts.units, counts.vectors
            report.seconds = time.perf_counter() - started
            report.generation = base.name
            return report
        return _update(base, set(report.replaced), incoming, encoder, show_progress, report, started)


def remove_documents(doc_ids: Sequence[str], index_dir: Path, *, current: IndexContent | None = None) -> BuildReport:
    """Remove documents and their vectors; nothing is re-embedded. Unknown ids are an error."""
    started = time.perf_counter()
    with writer_lock(index_dir):
        base = _open(index_dir, current)
        unknown = [doc_id for doc_id in doc_ids if doc_id not in base.manifest.corpus]
        if unknown:
            raise VraagbaakError(
                f"not in the index: {', '.join(unknown)}; see `vraagbaak index info` for the documents it holds"
            )
        report = BuildReport(removed=list(doc_ids), previous=base.name)
        return _update(base, set(doc_ids), [], None, False, report, started)


def _update(
    base: _Base,
    drop: set[str],
    incoming: Sequence[ParsedDocument],
    encoder: Encoder | None,
    show_progress: bool,
    report: BuildReport,
    started: float,
) -> BuildReport:
    """The generation after dropping the documents `drop` and adding `incoming`, written and made current."""
    manifest = base.manifest
    ids = PartIds(manifest.next_part)
    parts: list[Part] = [
        KeptPart(info, base.folder, {f: manifest.files[f] for f in info.files}) for info in manifest.parts
    ]
    parts, keep = drop_documents(parts, drop, ids)
    new_units = [unit for item in incoming for unit in item.units]
    added_parts = new_parts([(item.document.doc_id, item.units) for item in incoming], ids.take)
    parts = compact(parts + list(added_parts), ids.take)

    encode_started = time.perf_counter()
    if new_units:
        assert encoder is not None
        first_row = int(keep.sum())
        embedded = embed_units(new_units, encoder, manifest.chunking, manifest.next_vector_id, first_row, show_progress)
    else:
        embedded = Embedded(VectorMap.empty(), np.zeros((0, manifest.model.dimension), np.float32))
    report.encode_seconds = time.perf_counter() - encode_started
    report.embedded = len(embedded.map)

    # The vector map filtered and appended; the FAISS index changed in place.
    old_map = base.vector_map
    vector_keep = keep[old_map.unit_rows] if len(old_map) else np.zeros(0, bool)
    new_row = (np.cumsum(keep, dtype=np.int64) - 1).astype(np.int32)
    vector_map = VectorMap(
        ids=np.concatenate([old_map.ids[vector_keep], embedded.map.ids]),
        unit_rows=np.concatenate([new_row[old_map.unit_rows[vector_keep]], embedded.map.unit_rows]).astype(np.int32),
        fields=np.concatenate([old_map.fields[vector_keep], embedded.map.fields]),
        parts=np.concatenate([old_map.parts[vector_keep], embedded.map.parts]),
    )
    update = _next_vectors(base, old_map.ids[~vector_keep], vector_keep, embedded, vector_map.ids)
    report.vector_index = update.action

    # The document list in the order of the corpus: the kept ones in their order, then the new ones.
    added = tuple(item.document for item in incoming)
    corpus = {doc_id: digest for doc_id, digest in manifest.corpus.items() if doc_id not in drop}
    corpus.update((doc.doc_id, doc.content_hash) for doc in added)
    documents: dict[str, Document] | DocumentList
    if base.content is not None:
        documents = {doc_id: doc for doc_id, doc in base.content.documents.items() if doc_id not in drop}
        documents.update((doc.doc_id, doc) for doc in added)
    else:
        kept = StoredDocuments(base.folder / DOCUMENTS, manifest.files[DOCUMENTS], frozenset(drop))
        documents = DocumentList(kept, added)
    new_manifest = Manifest(
        model=manifest.model,
        chunking=manifest.chunking,
        vector_index_kind=update.kind,
        vector_index=manifest.vector_index,
        counts=Counts(documents=len(corpus), units=sum(part.info.units for part in parts), vectors=len(vector_map)),
        corpus=corpus,
        next_vector_id=max(manifest.next_vector_id, int(vector_map.ids.max()) + 1 if len(vector_map) else 0),
        parts=[part.info for part in parts],
        next_part=ids.next,
        vector_state=update.state,
    )
    written = write_generation(
        base.folder.parent, GenerationDraft(new_manifest, documents, vector_map, update.stored, tuple(parts))
    )
    content = None
    if base.content is not None:  # the next generation in memory, from the one in memory
        old = base.content
        units = old.units if keep.all() else tuple(u for u, kept in zip(old.units, keep.tolist(), strict=True) if kept)
        lexical = old.lexical.updated(keep, TermCounts.concatenate([part.terms for part in added_parts]))
        units += tuple(new_units)
        assert update.index is not None and isinstance(documents, dict)
        content = IndexContent(written.manifest, documents, units, vector_map, update.index, lexical, written.name)
    return finish(report, written, content, started)
