"""A fresh index of parsed documents, and what a build and an update share: embedding and the report."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vraagbaak.errors import VraagbaakError
from vraagbaak.model.encoder import Encoder
from vraagbaak.store.builder.parts import PartIds, new_parts
from vraagbaak.store.chunking import Chunk, ChunkingConfig, VectorField, chunk_unit
from vraagbaak.store.generations import (
    GenerationDraft,
    IndexContent,
    VectorMap,
    WrittenGeneration,
    write_generation,
    writer_lock,
)
from vraagbaak.store.lexical import LexicalIndex
from vraagbaak.store.manifest import BuildInfo, Counts, Manifest, ModelInfo
from vraagbaak.store.vector_index import VectorIndexConfig, build_vector_index, trained_state
from vraagbaak.store.vector_rows import VectorRows
from vraagbaak.units import ParsedDocument, Unit

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
    previous: str = ""  # the generation it started from ("" for a build)
    vector_index: str = ""  # "built", "changed in place", "rebuilt: ...", "retrained: ..."
    files_linked: int = 0  # files carried over from the previous generation unchanged
    bytes_written: int = 0
    content: IndexContent | None = field(default=None, repr=False, compare=False)
    """The generation now current, in memory: what a service swaps to without reading it back."""

    @property
    def passages_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Embedded:
    map: VectorMap
    vectors: np.ndarray


def check_unique(parsed: Sequence[ParsedDocument]) -> None:
    seen: set[str] = set()
    for item in parsed:
        doc_id = item.document.doc_id
        if doc_id in seen:
            raise VraagbaakError(f"document id {doc_id!r} occurs twice in the input (same file name in two folders?)")
        seen.add(doc_id)


def embed_units(
    units: Sequence[Unit],
    encoder: Encoder,
    chunking: ChunkingConfig,
    first_id: int,
    first_row: int,
    show_progress: bool,
) -> Embedded:
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
    return Embedded(vector_map, vectors)


def model_info(encoder: Encoder) -> ModelInfo:
    """What the manifest records of the model: the encoder's attributes of the same names."""
    return ModelInfo.model_validate(encoder, from_attributes=True)


def build_index(
    parsed: Sequence[ParsedDocument],
    encoder: Encoder,
    index_dir: Path,
    *,
    chunking: ChunkingConfig | None = None,
    vector_config: VectorIndexConfig | None = None,
    show_progress: bool = False,
    build: BuildInfo | None = None,
) -> BuildReport:
    """A fresh index of `parsed`, replacing whatever `index_dir` held (atomically); `build` says in the
    manifest how its vectors were computed (engine, workers, devices)."""
    check_unique(parsed)
    with writer_lock(index_dir):
        return build_locked(
            parsed,
            encoder,
            index_dir,
            chunking or ChunkingConfig(),
            vector_config or VectorIndexConfig(),
            show_progress,
            build,
        )


def build_locked(
    parsed: Sequence[ParsedDocument],
    encoder: Encoder,
    index_dir: Path,
    chunking: ChunkingConfig,
    vector_config: VectorIndexConfig,
    show_progress: bool,
    build: BuildInfo | None = None,
) -> BuildReport:
    """`build_index` with the writer lock already held."""
    started = time.perf_counter()
    documents = {item.document.doc_id: item.document for item in parsed}
    units = [unit for item in parsed for unit in item.units]
    embedded = embed_units(units, encoder, chunking, first_id=0, first_row=0, show_progress=show_progress)
    encode_seconds = time.perf_counter() - started
    kind = vector_config.resolve_kind(len(embedded.map))
    vectors = build_vector_index(embedded.vectors, embedded.map.ids, kind, vector_config)
    counter = PartIds(0)
    parts = new_parts([(item.document.doc_id, item.units) for item in parsed], counter.take)
    manifest = Manifest(
        model=model_info(encoder),
        chunking=chunking,
        vector_index_kind=kind,
        vector_index=vector_config,
        counts=Counts(documents=len(documents), units=len(units), vectors=len(embedded.map)),
        corpus={doc_id: doc.content_hash for doc_id, doc in documents.items()},
        next_vector_id=len(embedded.map),
        parts=[part.info for part in parts],
        next_part=counter.next,
        vector_state=trained_state(vectors),
        build=build,
    )
    stored = VectorRows(None, np.zeros(0, bool), embedded.vectors) if kind == "flat" else vectors
    written = write_generation(index_dir, GenerationDraft(manifest, documents, embedded.map, stored, tuple(parts)))
    lexical = LexicalIndex.from_parts([part.terms for part in parts])
    content = IndexContent(written.manifest, documents, tuple(units), embedded.map, vectors, lexical, written.name)
    report = BuildReport(
        added=list(documents), embedded=len(embedded.map), encode_seconds=encode_seconds, vector_index="built"
    )
    return finish(report, written, content, started)


def finish(
    report: BuildReport, written: WrittenGeneration, content: IndexContent | None, started: float
) -> BuildReport:
    """`report` completed with what was written: counts, generation, files linked and bytes, time taken."""
    counts = written.manifest.counts
    report.documents, report.units, report.vectors = counts.documents, counts.units, counts.vectors
    report.generation = written.name
    report.files_linked = len(written.linked)
    report.bytes_written = written.bytes_written
    report.content = content
    report.seconds = time.perf_counter() - started
    return report
