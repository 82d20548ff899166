"""Building and updating an index: parsed documents in, a new generation on disk.

`build_index` starts from nothing. `add_documents` and `remove_documents` start
from the current generation and do work in proportion to the change, where the
libraries allow it:

- only new units are embedded, and only their text is analysed for BM25;
- FAISS vectors are added with `add_with_ids` and removed by id in the loaded
  index; an IVF index keeps its centroids until it drifts past its retraining
  limits (`vector_index.update_vector_index`, recorded in the manifest);
- units and their term counts live in parts of whole documents
  (`manifest.PartInfo`). A part the change does not touch is hard-linked into
  the new generation with its recorded checksum; a part that loses a document
  is rewritten from its verified bytes (no text is parsed or analysed); the new
  documents make a new part; small parts at the tail are merged like the digits
  of a binary counter, so an index holds few parts and a unit is rewritten a
  logarithmic number of times over its life;
- the vector map is filtered and appended, vector ids keep counting up from
  the manifest's `next_vector_id` and are never reused.

Proportional to the whole index still: FAISS serialises a whole index, so
`vectors.faiss` (like the small vector map and document list) is written and
hashed whole on every change; and every BM25 score depends on the number of
units and their mean length, so the score array is recomputed from the term
counts in memory (vectorised; no text read). Given the serving generation in
memory (`current`), an update reads nothing of the old generation but the parts
it rewrites, and hands the new generation back in memory
(`BuildReport.content`), so the service swaps to it without loading it again.
Every write goes through `generations.write_generation`, so it is atomic.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vraagbaak.errors import IndexCorruptError, VraagbaakError
from vraagbaak.model.encoder import Encoder
from vraagbaak.store.chunking import Chunk, ChunkingConfig, VectorField, chunk_unit
from vraagbaak.store.generations import (
    GenerationDraft,
    IndexContent,
    KeptPart,
    NewPart,
    Part,
    StoredGeneration,
    VectorMap,
    WrittenGeneration,
    current_generation,
    index_exists,
    load_index,
    read_for_update,
    read_part,
    write_generation,
    writer_lock,
)
from vraagbaak.store.lexical import LexicalIndex, TermCounts
from vraagbaak.store.manifest import BuildInfo, Counts, Manifest, ModelInfo, PartInfo, check_model, read_manifest
from vraagbaak.store.vector_index import (
    VectorIndexConfig,
    build_vector_index,
    trained_state,
    update_vector_index,
)
from vraagbaak.units import Document, ParsedDocument, Unit

logger = logging.getLogger(__name__)

PART_UNITS = 65_536
"""Parts grow to this many units by merging and no further, so removing a document rewrites at most this many."""
_SPARE_PARTS = 16  # parts allowed beyond ceil(units / PART_UNITS) before the smallest neighbours are merged


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
    vector_index: str = ""  # "built", "changed in place", "rebuilt: ...", "retrained: ..."
    files_linked: int = 0  # files carried over from the previous generation unchanged
    bytes_written: int = 0
    content: IndexContent | None = field(default=None, repr=False, compare=False)
    """The generation now current, in memory: what a service swaps to without reading it back."""

    @property
    def passages_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Embedded:
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
    return _Embedded(vector_map, vectors)


def _model_info(encoder: Encoder) -> ModelInfo:
    return ModelInfo(
        model_id=encoder.model_id,
        model_hash=encoder.model_hash,
        dimension=encoder.dimension,
        max_tokens=encoder.max_tokens,
        prompts=encoder.prompts,
    )


# ---------------------------------------------------------------- parts


class _PartIds:
    """Part ids, counting up from the manifest's `next_part`: a rewritten part never reuses a name."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def _new_parts(documents: Sequence[tuple[str, Sequence[Unit]]], next_id: Callable[[], int]) -> list[NewPart]:
    """`documents`' units in parts of at most PART_UNITS (a bigger document gets a part of its own)."""
    groups: list[list[tuple[str, Sequence[Unit]]]] = []
    size = 0
    for doc_id, units in documents:
        if groups and size + len(units) <= PART_UNITS:
            groups[-1].append((doc_id, units))
            size += len(units)
        else:
            groups.append([(doc_id, units)])
            size = len(units)
    parts = []
    for group in groups:
        units = [unit for _, doc_units in group for unit in doc_units]
        info = PartInfo(id=next_id(), documents={doc_id: len(doc_units) for doc_id, doc_units in group})
        lines = [unit.model_dump_json().encode("utf-8") for unit in units]
        parts.append(NewPart(info, lines, TermCounts.from_texts([unit.text for unit in units])))
    return parts


def _in_rows(units: Sequence[Unit], documents: dict[str, Document]) -> list[tuple[str, list[Unit]]]:
    """The units of an index written before parts, by document in row order (each document's units are together)."""
    blocks: list[tuple[str, list[Unit]]] = []
    for unit in units:
        if not blocks or blocks[-1][0] != unit.doc_id:
            blocks.append((unit.doc_id, []))
        blocks[-1][1].append(unit)
    if len({doc_id for doc_id, _ in blocks}) != len(blocks):
        raise IndexCorruptError("the index holds a document's units apart from each other; rebuild the index")
    seen = {doc_id for doc_id, _ in blocks}
    return blocks + [(doc_id, []) for doc_id in documents if doc_id not in seen]


def _compact(parts: list[Part], base: _Base, next_id: Callable[[], int]) -> list[Part]:
    """Merge tail parts while the one before is less than twice the last; then merge the smallest
    neighbours while there are more than ceil(units / PART_UNITS) + _SPARE_PARTS parts."""
    parts = list(parts)
    while len(parts) >= 2 and _mergeable(parts[-2], parts[-1]):
        parts[-2:] = [_merge(parts[-2], parts[-1], base, next_id())]
    limit = math.ceil(sum(part.info.units for part in parts) / PART_UNITS) + _SPARE_PARTS
    while len(parts) > limit:
        at = min(range(len(parts) - 1), key=lambda i: parts[i].info.units + parts[i + 1].info.units)
        if parts[at].info.units + parts[at + 1].info.units > PART_UNITS:
            break
        parts[at : at + 2] = [_merge(parts[at], parts[at + 1], base, next_id())]
    return parts


def _mergeable(before: Part, last: Part) -> bool:
    together = before.info.units + last.info.units
    return together <= PART_UNITS and before.info.units < 2 * last.info.units


def _merge(first: Part, second: Part, base: _Base, part_id: int) -> NewPart:
    one, two = _materialise(first, base), _materialise(second, base)
    info = PartInfo(id=part_id, documents={**one.info.documents, **two.info.documents})
    return NewPart(info, one.lines + two.lines, TermCounts.concatenate([one.terms, two.terms]))


def _materialise(part: Part, base: _Base) -> NewPart:
    """A part's units and terms in memory: a kept part is read from its generation, checksums verified."""
    return part if isinstance(part, NewPart) else read_part(base.folder, base.manifest, part.info)


# ---------------------------------------------------------------- build


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
    _check_unique(parsed)
    with writer_lock(index_dir):
        return _build_locked(
            parsed,
            encoder,
            index_dir,
            chunking or ChunkingConfig(),
            vector_config or VectorIndexConfig(),
            show_progress,
            build,
        )


def _build_locked(
    parsed: Sequence[ParsedDocument],
    encoder: Encoder,
    index_dir: Path,
    chunking: ChunkingConfig,
    vector_config: VectorIndexConfig,
    show_progress: bool,
    build: BuildInfo | None = None,
) -> BuildReport:
    started = time.perf_counter()
    documents = {item.document.doc_id: item.document for item in parsed}
    units = [unit for item in parsed for unit in item.units]
    embedded = _embed(units, encoder, chunking, first_id=0, first_row=0, show_progress=show_progress)
    encode_seconds = time.perf_counter() - started
    kind = vector_config.resolve_kind(len(embedded.map))
    vectors = build_vector_index(embedded.vectors, embedded.map.ids, kind, vector_config)
    counter = _PartIds(0)
    parts = _new_parts([(item.document.doc_id, item.units) for item in parsed], counter.take)
    manifest = Manifest(
        model=_model_info(encoder),
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
    written = write_generation(index_dir, GenerationDraft(manifest, documents, embedded.map, vectors, tuple(parts)))
    lexical = LexicalIndex.from_parts([part.terms for part in parts])
    content = IndexContent(written.manifest, documents, tuple(units), embedded.map, vectors, lexical, written.name)
    report = BuildReport(
        added=list(documents), embedded=len(embedded.map), encode_seconds=encode_seconds, vector_index="built"
    )
    return _finish(report, written, content, started)


# ---------------------------------------------------------------- updates


@dataclass(frozen=True)
class _Base(StoredGeneration):
    """The generation an update starts from: what `read_for_update` reads, and what may be reused of it."""

    owned: bool  # the update may change `vectors` in place (else: a serving index, cloned first)
    content: IndexContent | None  # units and lexical index in memory: the update returns the new ones too

    @classmethod
    def of(cls, content: IndexContent, folder: Path, *, owned: bool) -> _Base:
        return cls(
            content.generation,
            folder,
            content.manifest,
            content.documents,
            content.vector_map,
            content.vectors,
            owned,
            content,
        )


def _open(index_dir: Path, current: IndexContent | None) -> _Base:
    name = current_generation(index_dir)
    folder = index_dir / name
    if current is not None and current.generation == name:
        return _Base.of(current, folder, owned=False)
    if current is not None:
        logger.info("generation %s was replaced by %s meanwhile; updating from disk", current.generation, name)
    if read_manifest(folder).format_version < 2:  # written before parts: read whole, written in parts
        return _Base.of(load_index(index_dir), folder, owned=True)
    stored = read_for_update(index_dir)
    return _Base(name, folder, stored.manifest, stored.documents, stored.vector_map, stored.vectors, True, None)


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
    _check_unique(parsed)
    with writer_lock(index_dir):
        if not index_exists(index_dir):
            return _build_locked(parsed, encoder, index_dir, ChunkingConfig(), VectorIndexConfig(), show_progress)
        base = _open(index_dir, current)
        check_model(base.manifest, encoder.model_id, encoder.model_hash, encoder.dimension)
        report = BuildReport()
        incoming: list[ParsedDocument] = []
        for item in parsed:
            doc = item.document
            previous = base.documents.get(doc.doc_id)
            if previous is not None and previous.content_hash == doc.content_hash:
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
        unknown = [doc_id for doc_id in doc_ids if doc_id not in base.documents]
        if unknown:
            raise VraagbaakError(
                f"not in the index: {', '.join(unknown)}; see `vraagbaak index info` for the documents it holds"
            )
        report = BuildReport(removed=list(doc_ids))
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
    if manifest.format_version < 2:  # read whole: every unit goes into a new part, analysed once more
        assert base.content is not None
        ids = _PartIds(0)
        parts: list[Part] = list(_new_parts(_in_rows(base.content.units, base.documents), ids.take))
        logger.info("writing an index of format %d in %d parts (once)", manifest.format_version, len(parts))
    else:
        ids = _PartIds(manifest.next_part)
        parts = [KeptPart(info, base.folder, {f: manifest.files[f] for f in info.files}) for info in manifest.parts]
    parts, keep = _drop(parts, drop, base, ids)
    new_units = [unit for item in incoming for unit in item.units]
    new_parts = _new_parts([(item.document.doc_id, item.units) for item in incoming], ids.take)
    parts = _compact(parts + list(new_parts), base, ids.take)

    encode_started = time.perf_counter()
    if new_units:
        assert encoder is not None
        first_row = int(keep.sum())
        embedded = _embed(new_units, encoder, manifest.chunking, manifest.next_vector_id, first_row, show_progress)
    else:
        embedded = _Embedded(VectorMap.empty(), np.zeros((0, manifest.model.dimension), np.float32))
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
    update = update_vector_index(
        base.vectors,
        old_map.ids[~vector_keep],
        embedded.vectors,
        embedded.map.ids,
        manifest.vector_index,
        manifest.vector_state,
        owned=base.owned,
    )
    report.vector_index = update.action

    documents = {doc_id: doc for doc_id, doc in base.documents.items() if doc_id not in drop}
    documents.update({item.document.doc_id: item.document for item in incoming})
    new_manifest = Manifest(
        model=manifest.model,
        chunking=manifest.chunking,
        vector_index_kind=update.kind,
        vector_index=manifest.vector_index,
        counts=Counts(documents=len(documents), units=sum(part.info.units for part in parts), vectors=len(vector_map)),
        corpus={doc_id: doc.content_hash for doc_id, doc in documents.items()},
        next_vector_id=max(manifest.next_vector_id, int(vector_map.ids.max()) + 1 if len(vector_map) else 0),
        parts=[part.info for part in parts],
        next_part=ids.next,
        vector_state=update.state,
    )
    written = write_generation(
        base.folder.parent, GenerationDraft(new_manifest, documents, vector_map, update.index, tuple(parts))
    )
    content = None
    if base.content is not None:  # the next generation in memory, from the one in memory
        old = base.content
        units = old.units if keep.all() else tuple(u for u, kept in zip(old.units, keep.tolist(), strict=True) if kept)
        if old.lexical.counts is not None:
            lexical = old.lexical.updated(keep, TermCounts.concatenate([part.terms for part in new_parts]))
        else:  # format 1: every part is new, in memory
            lexical = LexicalIndex.from_parts([_materialise(part, base).terms for part in parts])
        units += tuple(new_units)
        content = IndexContent(written.manifest, documents, units, vector_map, update.index, lexical, written.name)
    return _finish(report, written, content, started)


def _drop(parts: list[Part], drop: set[str], base: _Base, ids: _PartIds) -> tuple[list[Part], np.ndarray]:
    """`parts` without the documents `drop`, and which rows (units) of the old order stay.

    A part holding none of them stays as it is (to be linked); one holding some is rewritten
    from its verified bytes as a new part; one holding only those goes.
    """
    kept: list[Part] = []
    keep_rows: list[np.ndarray] = []
    for part in parts:
        documents = part.info.documents
        if drop.isdisjoint(documents):
            kept.append(part)
            keep_rows.append(np.ones(part.info.units, bool))
            continue
        keep = np.repeat(np.array([doc_id not in drop for doc_id in documents], bool), list(documents.values()))
        keep_rows.append(keep)
        remaining = {doc_id: count for doc_id, count in documents.items() if doc_id not in drop}
        if remaining:
            whole = _materialise(part, base)
            lines = [line for line, stays in zip(whole.lines, keep.tolist(), strict=True) if stays]
            kept.append(NewPart(PartInfo(id=ids.take(), documents=remaining), lines, whole.terms.select(keep)))
    return kept, np.concatenate(keep_rows) if keep_rows else np.zeros(0, bool)


def _finish(
    report: BuildReport, written: WrittenGeneration, content: IndexContent | None, started: float
) -> BuildReport:
    counts = written.manifest.counts
    report.documents, report.units, report.vectors = counts.documents, counts.units, counts.vectors
    report.generation = written.name
    report.files_linked = len(written.linked)
    report.bytes_written = written.bytes_written
    report.content = content
    report.seconds = time.perf_counter() - started
    return report
