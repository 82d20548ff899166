"""Building and updating an index: parsed documents in, a new generation on disk.

`build_index` starts from nothing; `add_documents` and `remove_documents`
start from the current generation and re-embed only what is new. Vectors of
kept units are read back from FAISS, vector ids keep counting up from the
manifest's `next_vector_id`, and BM25 is rebuilt from unit text (cheap).
Every write goes through `store.write_generation`, so it is atomic.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.errors import VraagbaakError
from indexer.model.encoder import Encoder
from indexer.store.chunking import Chunk, ChunkingConfig, VectorField, chunk_unit
from indexer.store.generations import IndexContent, VectorMap, index_exists, load_index, write_generation, writer_lock
from indexer.store.lexical import LexicalIndex
from indexer.store.manifest import Counts, Manifest, ModelInfo, check_model
from indexer.store.vector_index import VectorIndexConfig, build_vector_index, stored_vectors
from indexer.units import Document, ParsedDocument, Unit

logger = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build or update did, for the CLI summary and the admin API."""

    documents: int = 0
    units: int = 0
    vectors: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded: int = 0
    seconds: float = 0.0
    encode_seconds: float = 0.0
    generation: str = ""

    @property
    def passages_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Embedded:
    units: list[Unit]
    map: VectorMap
    vectors: np.ndarray


def _check_unique(parsed: Sequence[ParsedDocument]) -> None:
    seen: set[str] = set()
    for item in parsed:
        doc_id = item.document.doc_id
        if doc_id in seen:
            raise VraagbaakError(f"document id {doc_id!r} occurs twice in the input (same file name in two folders?)")
        seen.add(doc_id)


def _embed(
    units: Sequence[Unit],
    encoder: Encoder,
    chunking: ChunkingConfig,
    first_id: int,
    first_row: int,
    show_progress: bool,
) -> _Embedded:
    """Chunk and encode `units`; each field is encoded in one call, which sorts by length."""
    chunks: list[Chunk] = []
    rows: list[int] = []
    for offset, unit in enumerate(units):
        for chunk in chunk_unit(unit, chunking, encoder.count_tokens):
            chunks.append(chunk)
            rows.append(first_row + offset)
    vectors = np.zeros((len(chunks), encoder.dimension), np.float32)
    question_pos = [i for i, chunk in enumerate(chunks) if chunk.field is VectorField.QUESTION]
    answer_pos = [i for i, chunk in enumerate(chunks) if chunk.field is VectorField.ANSWER]
    encode_questions = encoder.encode_queries if chunking.question_prompt == "query" else encoder.encode_passages
    if question_pos:
        vectors[question_pos] = encode_questions([chunks[i].text for i in question_pos], show_progress=show_progress)
    if answer_pos:
        vectors[answer_pos] = encoder.encode_passages([chunks[i].text for i in answer_pos], show_progress=show_progress)
    vector_map = VectorMap(
        ids=np.arange(first_id, first_id + len(chunks), dtype=np.int64),
        unit_rows=np.asarray(rows, dtype=np.int32),
        fields=np.asarray([VectorMap.field_code(chunk.field) for chunk in chunks], dtype=np.int8),
        parts=np.asarray([chunk.part for chunk in chunks], dtype=np.int16),
    )
    return _Embedded(list(units), vector_map, vectors)


def _model_info(encoder: Encoder) -> ModelInfo:
    return ModelInfo(
        model_id=encoder.model_id,
        model_hash=encoder.model_hash,
        dimension=encoder.dimension,
        max_tokens=encoder.max_tokens,
        prompts=encoder.prompts,
    )


def _assemble(
    documents: dict[str, Document],
    kept_units: list[Unit],
    kept_map: VectorMap,
    kept_vectors: np.ndarray,
    new: _Embedded,
    model: ModelInfo,
    chunking: ChunkingConfig,
    vector_config: VectorIndexConfig,
    previous_next_id: int = 0,
) -> IndexContent:
    """One generation's content from kept and newly embedded units; vector ids are never reused."""
    units = tuple(kept_units + new.units)
    vector_map = VectorMap(
        ids=np.concatenate([kept_map.ids, new.map.ids]),
        unit_rows=np.concatenate([kept_map.unit_rows, new.map.unit_rows]).astype(np.int32),
        fields=np.concatenate([kept_map.fields, new.map.fields]),
        parts=np.concatenate([kept_map.parts, new.map.parts]),
    )
    all_vectors = np.concatenate([kept_vectors, new.vectors]) if len(kept_vectors) else new.vectors
    kind = vector_config.resolve_kind(len(vector_map))
    vectors = build_vector_index(all_vectors, vector_map.ids, kind, vector_config)
    manifest = Manifest(
        model=model,
        chunking=chunking,
        vector_index_kind=kind,
        vector_index=vector_config,
        counts=Counts(documents=len(documents), units=len(units), vectors=len(vector_map)),
        corpus={doc_id: doc.content_hash for doc_id, doc in documents.items()},
        next_vector_id=max(previous_next_id, int(vector_map.ids.max()) + 1 if len(vector_map) else 0),
    )
    lexical = LexicalIndex.build([unit.text for unit in units])
    return IndexContent(manifest, documents, units, vector_map, vectors, lexical)


def build_index(
    parsed: Sequence[ParsedDocument],
    encoder: Encoder,
    index_dir: Path,
    *,
    chunking: ChunkingConfig | None = None,
    vector_config: VectorIndexConfig | None = None,
    show_progress: bool = False,
) -> BuildReport:
    """A fresh index of `parsed`, replacing whatever `index_dir` held (atomically)."""
    _check_unique(parsed)
    with writer_lock(index_dir):
        return _build_locked(
            parsed,
            encoder,
            index_dir,
            chunking or ChunkingConfig(),
            vector_config or VectorIndexConfig(),
            show_progress,
        )


def _build_locked(
    parsed: Sequence[ParsedDocument],
    encoder: Encoder,
    index_dir: Path,
    chunking: ChunkingConfig,
    vector_config: VectorIndexConfig,
    show_progress: bool,
) -> BuildReport:
    started = time.perf_counter()
    documents = {item.document.doc_id: item.document for item in parsed}
    units = [unit for item in parsed for unit in item.units]
    embedded = _embed(units, encoder, chunking, first_id=0, first_row=0, show_progress=show_progress)
    encode_seconds = time.perf_counter() - started
    empty = np.zeros((0, encoder.dimension), np.float32)
    content = _assemble(
        documents, [], VectorMap.empty(), empty, embedded, _model_info(encoder), chunking, vector_config
    )
    report = BuildReport(added=list(documents), embedded=len(embedded.map), encode_seconds=encode_seconds)
    report.generation = write_generation(index_dir, content)
    return _summarise(report, content, started)


def _keep(current: IndexContent, drop: set[str]) -> tuple[list[Unit], VectorMap, np.ndarray]:
    """Units and vectors of every document not in `drop`, with unit rows renumbered."""
    keep_rows = [row for row, unit in enumerate(current.units) if unit.doc_id not in drop]
    new_row = np.full(len(current.units), -1, np.int32)
    new_row[keep_rows] = np.arange(len(keep_rows), dtype=np.int32)
    vmap = current.vector_map
    keep_vectors = new_row[vmap.unit_rows] >= 0 if len(vmap) else np.zeros(0, bool)
    ids, stored = stored_vectors(current.vectors)
    by_id = dict(zip(ids.tolist(), range(len(ids)), strict=True))
    kept_ids = vmap.ids[keep_vectors]
    vectors = stored[[by_id[int(i)] for i in kept_ids]] if len(kept_ids) else np.zeros((0, stored.shape[1]), np.float32)
    kept_map = VectorMap(
        kept_ids, new_row[vmap.unit_rows[keep_vectors]], vmap.fields[keep_vectors], vmap.parts[keep_vectors]
    )
    return [current.units[row] for row in keep_rows], kept_map, vectors


def add_documents(
    parsed: Sequence[ParsedDocument],
    encoder: Encoder,
    index_dir: Path,
    *,
    show_progress: bool = False,
) -> BuildReport:
    """Add or replace documents; one already indexed with the same content hash is left alone."""
    started = time.perf_counter()
    _check_unique(parsed)
    with writer_lock(index_dir):
        if not index_exists(index_dir):
            return _build_locked(parsed, encoder, index_dir, ChunkingConfig(), VectorIndexConfig(), show_progress)
        current = load_index(index_dir)
        check_model(current.manifest, encoder.model_id, encoder.model_hash, encoder.dimension)
        report = BuildReport()
        incoming: list[ParsedDocument] = []
        for item in parsed:
            doc = item.document
            previous = current.documents.get(doc.doc_id)
            if previous is not None and previous.content_hash == doc.content_hash:
                report.unchanged.append(doc.doc_id)
                continue
            (report.replaced if previous is not None else report.added).append(doc.doc_id)
            incoming.append(item)
        if not incoming:
            return _summarise(report, current, started)
        kept_units, kept_map, kept_vectors = _keep(current, {item.document.doc_id for item in incoming})
        documents = {k: v for k, v in current.documents.items() if k not in report.replaced}
        documents.update({item.document.doc_id: item.document for item in incoming})
        new_units = [unit for item in incoming for unit in item.units]
        embedded = _embed(
            new_units,
            encoder,
            current.manifest.chunking,
            current.manifest.next_vector_id,
            len(kept_units),
            show_progress,
        )
        manifest = current.manifest
        content = _assemble(
            documents,
            kept_units,
            kept_map,
            kept_vectors,
            embedded,
            manifest.model,
            manifest.chunking,
            manifest.vector_index,
            manifest.next_vector_id,
        )
        report.generation = write_generation(index_dir, content)
        report.embedded = len(embedded.map)
        return _summarise(report, content, started)


def remove_documents(doc_ids: Sequence[str], index_dir: Path) -> BuildReport:
    """Remove documents and their vectors; nothing is re-embedded. Unknown ids are an error."""
    started = time.perf_counter()
    with writer_lock(index_dir):
        current = load_index(index_dir)
        unknown = [doc_id for doc_id in doc_ids if doc_id not in current.documents]
        if unknown:
            raise VraagbaakError(
                f"not in the index: {', '.join(unknown)}; see `vraagbaak index info` for the documents it holds"
            )
        drop = set(doc_ids)
        kept_units, kept_map, kept_vectors = _keep(current, drop)
        documents = {k: v for k, v in current.documents.items() if k not in drop}
        manifest = current.manifest
        empty = _Embedded([], VectorMap.empty(), np.zeros((0, manifest.model.dimension), np.float32))
        content = _assemble(
            documents,
            kept_units,
            kept_map,
            kept_vectors,
            empty,
            manifest.model,
            manifest.chunking,
            manifest.vector_index,
            manifest.next_vector_id,
        )
        report = BuildReport(removed=list(doc_ids))
        report.generation = write_generation(index_dir, content)
        return _summarise(report, content, started)


def _summarise(report: BuildReport, content: IndexContent, started: float) -> BuildReport:
    report.documents = len(content.documents)
    report.units = len(content.units)
    report.vectors = len(content.vector_map)
    report.seconds = time.perf_counter() - started
    return report
