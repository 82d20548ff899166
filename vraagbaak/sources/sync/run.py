"""One sync run: the source's changes since each kind's checkpoint, into the index, resumable at any point.

Per page of the source, in batches: entities whose kept facts did not change are skipped on their hash;
deleted ones leave the index; the files of new and changed ones are fetched (a few at a time), parsed in
the isolated worker, given the source's facts and written as one generation; then their states are
committed, and after the page's last batch the kind's checkpoint. A kill at any moment loses at most the
batch in flight, and replaying it indexes nothing twice (the index already holds what was written).

A question and its answer share a Zaak. When the answer is indexed, the question document (and any
postponement notice) stays in the index as the Zaak's record but without units: the answer's units stand
for them. A file that cannot be fetched or parsed is remembered with its reason and tried again on later
runs, up to a limit; it never stops the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tqdm import tqdm

from vraagbaak.errors import VraagbaakError
from vraagbaak.parsing import layout_not_recognised
from vraagbaak.retrieval.questions import soort_role
from vraagbaak.sources.sync.index_writer import IndexWriter
from vraagbaak.sources.sync.mapping import doc_id_for, with_source, without_units, zaak_nummers
from vraagbaak.sources.sync.records_json import tk_from_json, tk_to_json
from vraagbaak.sources.sync.state import Entity, EntityState, SyncState
from vraagbaak.sources.tk.client import TkOData
from vraagbaak.sources.tk.errors import SourceError
from vraagbaak.sources.tk.records import TkDocument
from vraagbaak.sources.tk.resource import DOCX, PDF, Resource
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)

DEFAULT_KINDS = (
    "Antwoord schriftelijke vragen",
    "Schriftelijke vragen",
    "Mededeling (uitstel antwoord)",
    "Lijst van vragen en antwoorden",
    "Verslag houdende een lijst van vragen en antwoorden",
    "Verslag van een schriftelijk overleg",
)
"""Matched by prefix, so "Antwoord schriftelijke vragen (nader)" and later variants come along."""

CHECKPOINT_MARGIN = timedelta(minutes=10)

Parser = Callable[[bytes, str, str], ParsedDocument]
"""(file bytes, doc_id, file name) -> the parsed document; raises VraagbaakError when it cannot."""


@dataclass(frozen=True)
class SyncOptions:
    kinds: tuple[str, ...] = DEFAULT_KINDS
    since: datetime | None = None
    """Where a kind without a checkpoint starts; None: from the beginning of the record."""
    prefix_match: bool = True
    batch_documents: int = 50
    """Documents per index write: the most a kill can make the next run do again."""
    max_attempts: int = 5
    """Tries per file that cannot be fetched or parsed, over all runs."""
    fetch_workers: int = 4
    max_documents: int | None = None
    """Stop after this many entities were looked at (a trial run); checkpoints stay exact."""


@dataclass
class SyncReport:
    """What a run did; also what `vraagbaak bench --sections sync` reads its figures from."""

    pages: int = 0
    seen: int = 0
    unchanged: int = 0
    indexed: int = 0
    superseded: int = 0
    deleted: int = 0
    failed: int = 0
    retried: int = 0
    empty: int = 0
    unrecognised: int = 0
    """Documents whose Q&A layout the parser did not recognise (indexed as prose, with a warning)."""
    units: int = 0
    embedded: int = 0
    generation: str = ""
    fetch_seconds: float = 0.0
    parse_seconds: float = 0.0
    encode_seconds: float = 0.0
    write_seconds: float = 0.0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(document id, reason) of this run's failures."""


def _suffix(resource: Resource) -> str:
    return {PDF: ".pdf", DOCX: ".docx"}.get(resource.content_type, ".txt")


def is_answer(soort: str | None) -> bool:
    return soort_role(soort) == "answer"


def _is_superseded_kind(soort: str | None) -> bool:
    """Questions and notices: the Zaak's answer stands in for their units once it is indexed."""
    return soort_role(soort) in ("question", "notice")


class Syncer:
    """Runs syncs of one index from one source; not thread-safe (one run at a time, as the lock ensures)."""

    def __init__(
        self,
        client: TkOData,
        state: SyncState,
        writer: IndexWriter,
        parse: Parser,
        options: SyncOptions | None = None,
        *,
        show_progress: bool = False,
    ) -> None:
        self.client = client
        self.state = state
        self.writer = writer
        self.parse = parse
        self.options = options or SyncOptions()
        self.show_progress = show_progress
        self._retried: set[str] = set()

    def run(self) -> SyncReport:
        report = SyncReport()
        started = time.perf_counter()
        with tqdm(desc="sync", unit="doc", disable=not self.show_progress, dynamic_ncols=True) as bar:
            self._retry_failed(report, bar)
            for kind in self.options.kinds:
                if self._limit_reached(report):
                    break
                self._sync_kind(kind, report, bar)
        report.seconds = time.perf_counter() - started
        logger.info(
            "sync: %d seen, %d indexed, %d unchanged, %d superseded, %d deleted, %d failed in %.1f s",
            report.seen, report.indexed, report.unchanged, report.superseded, report.deleted, report.failed,
            report.seconds,
        )  # fmt: skip
        return report

    def _limit_reached(self, report: SyncReport) -> bool:
        return self.options.max_documents is not None and report.seen >= self.options.max_documents

    def _since(self, kind: str) -> datetime | None:
        """The checkpoint less a margin: an entity the source made visible late may carry an earlier stamp.

        Whatever the margin reads again costs a hash comparison per entity, no download.
        """
        stored = self.state.checkpoint(kind)
        return datetime.fromisoformat(stored) - CHECKPOINT_MARGIN if stored else self.options.since

    def _sync_kind(self, kind: str, report: SyncReport, bar: tqdm) -> None:
        since = self._since(kind)
        logger.info("sync %r from %s", kind, since.isoformat() if since else "the beginning")
        for page in self.client.iter_pages([kind], since, self.options.prefix_match):
            report.pages += 1
            documents = list(page.documents)
            room = None if self.options.max_documents is None else self.options.max_documents - report.seen
            if room is not None and room < len(documents):
                self._process(documents[:room], report, bar)  # a trial run: stop without moving the checkpoint
                return
            for start in range(0, len(documents), self.options.batch_documents):
                self._process(documents[start : start + self.options.batch_documents], report, bar)
            if page.max_api_gewijzigd_op is not None:
                self.state.commit([], checkpoint=(kind, page.max_api_gewijzigd_op.isoformat()))
            if self._limit_reached(report):
                return

    def _retry_failed(self, report: SyncReport, bar: tqdm) -> None:
        """Files that failed on earlier runs, tried again before the new changes (once per run)."""
        failed = self.state.failed(self.options.max_attempts)
        documents = [tk_from_json(entity.entity) for entity in failed]
        self._retried = {document.id for document in documents}
        for start in range(0, len(documents), self.options.batch_documents):
            batch = documents[start : start + self.options.batch_documents]
            report.retried += len(batch)
            self._process(batch, report, bar, retry=True)

    # -- one batch

    def _process(self, documents: Sequence[TkDocument], report: SyncReport, bar: tqdm, *, retry: bool = False) -> None:
        if not retry:
            report.seen += len(documents)
        entities: list[Entity] = []
        remove: set[str] = set()
        pending: list[tuple[TkDocument, Entity | None]] = []
        remembered = self.state.get_many(document.id for document in documents)
        for document in documents:
            known = remembered.get(document.id)
            if not retry and document.id in self._retried:
                report.unchanged += 1  # tried at the start of this run already
            elif document.verwijderd:
                if known is None or known.state is not EntityState.DELETED:
                    gone = known.doc_id if known else None
                    entities.append(self._entity(document, known, EntityState.DELETED, doc_id=gone))
                    if known is not None and self._owns(known.doc_id, document.id):
                        remove.add(known.doc_id)
                    if known is not None and known.state is EntityState.INDEXED and is_answer(known.soort):
                        entities.extend(self._unsuperseded(known))
                    report.deleted += 1
            elif self._unchanged(document, known, retry):
                report.unchanged += 1
            else:
                pending.append((document, known))
        parsed = self._fetch_and_parse(pending, entities, remove, report)
        add = self._link_zaken(parsed, entities, report)
        counts = self.writer.write(add, remove)
        self.state.commit(entities)
        report.indexed += sum(e.state is EntityState.INDEXED for e in entities)
        report.units += sum(len(item.units) for item in add)
        report.embedded += counts.embedded
        report.encode_seconds += counts.encode_seconds
        report.write_seconds += counts.write_seconds
        report.generation = counts.generation or report.generation
        bar.update(len(documents))
        bar.set_postfix(indexed=report.indexed, units=report.units, failed=report.failed, refresh=False)

    def _free(self, doc_id: str, tk_id: str) -> bool:
        """Whether `doc_id` may be written for this entity: unused, or already this entity's (or an upload's)."""
        return self.writer.source_of(doc_id) in (None, tk_id)

    def _owns(self, doc_id: str, tk_id: str) -> bool:
        """Whether the index holds `doc_id` as this entity's (or no synced entity's): never another's to remove."""
        return self.writer.holds(doc_id) and self._free(doc_id, tk_id)

    def _unsuperseded(self, answer: Entity) -> list[Entity]:
        """The questions and notices a deleted answer stood in for, queued to be indexed again (next run)."""
        return [
            replace(entity, state=EntityState.FAILED, attempts=0, reason="its answer left the source; indexed again")
            for entity in self.state.of_zaken(answer.zaak_nummers)
            if entity.state is EntityState.SUPERSEDED
        ]

    def _unchanged(self, document: TkDocument, known: Entity | None, retry: bool) -> bool:
        if known is None or known.record_hash != document.content_hash():
            return False
        if known.state is EntityState.FAILED:
            return not retry and known.attempts >= self.options.max_attempts
        return known.state is not EntityState.DELETED

    def _entity(
        self,
        document: TkDocument,
        known: Entity | None,
        state: EntityState,
        *,
        doc_id: str | None = None,
        file_sha256: str | None = None,
        reason: str | None = None,
    ) -> Entity:
        same = known is not None and known.record_hash == document.content_hash()
        attempts = ((known.attempts if known and same else 0) + 1) if state is EntityState.FAILED else 0
        return Entity(
            tk_id=document.id,
            doc_id=doc_id or doc_id_for(document),
            soort=document.soort or (known.soort if known else ""),
            zaak_nummers=zaak_nummers(document) or (known.zaak_nummers if known else ()),
            record_hash=document.content_hash(),
            file_sha256=file_sha256,
            state=state,
            reason=reason,
            attempts=attempts,
            changed_at=document.api_gewijzigd_op.isoformat() if document.api_gewijzigd_op else None,
            entity=tk_to_json(document),
        )

    def _fetch_and_parse(
        self,
        pending: Sequence[tuple[TkDocument, Entity | None]],
        entities: list[Entity],
        remove: set[str],
        report: SyncReport,
    ) -> list[tuple[TkDocument, ParsedDocument, Entity | None]]:
        parsed: list[tuple[TkDocument, ParsedDocument, Entity | None]] = []
        by_id = {document.id: (document, known) for document, known in pending}
        started = time.perf_counter()
        results = self.client.fetch_resources(by_id, max_workers=self.options.fetch_workers)
        taken: set[str] = set()
        for tk_id, result in results:
            document, known = by_id[tk_id]
            doc_id = doc_id_for(document)
            if doc_id in taken or not self._free(doc_id, document.id):
                doc_id = f"tk-{document.id}"  # two entities under one KOOP id: the GUID keeps them apart
            taken.add(doc_id)
            report.fetch_seconds += time.perf_counter() - started
            if isinstance(result, SourceError):
                self._fail(document, known, str(result), entities, report)
                started = time.perf_counter()
                continue
            parse_started = time.perf_counter()
            try:
                item = self.parse(result.data, doc_id, f"{doc_id}{_suffix(result)}")
            except VraagbaakError as error:
                self._fail(document, known, str(error), entities, report)
                continue
            finally:
                report.parse_seconds += time.perf_counter() - parse_started
                started = time.perf_counter()
            if layout_not_recognised(item):
                report.unrecognised += 1
                logger.warning("sync: %s (%s): %s", doc_id, document.soort, "; ".join(item.document.warnings))
            if known is not None and known.doc_id != doc_id and self._owns(known.doc_id, document.id):
                remove.add(known.doc_id)  # the source gave it a KOOP id since: one id, not two
            entity = self._entity(document, known, EntityState.INDEXED, doc_id=doc_id, file_sha256=result.sha256)
            entities.append(entity)
            parsed.append((document, with_source(item, document), known))
        return parsed

    def _fail(
        self, document: TkDocument, known: Entity | None, reason: str, entities: list[Entity], report: SyncReport
    ) -> None:
        logger.warning("sync: %s (%s) not indexed: %s", doc_id_for(document), document.id, reason)
        entities.append(self._entity(document, known, EntityState.FAILED, reason=reason[:500]))
        report.failed += 1
        report.failures.append((doc_id_for(document), reason))

    def _link_zaken(
        self,
        parsed: Sequence[tuple[TkDocument, ParsedDocument, Entity | None]],
        entities: list[Entity],
        report: SyncReport,
    ) -> list[ParsedDocument]:
        """The batch's documents as they go into the index, and earlier questions the new answers stand for."""
        batch_zaken = {nummer for document, _, _ in parsed for nummer in zaak_nummers(document)}
        remembered = self.state.of_zaken(batch_zaken)
        answered = {  # an answer without units (a scan without text) stands in for nothing
            nummer
            for document, item, _ in parsed
            if is_answer(document.soort) and item.units
            for nummer in zaak_nummers(document)
        } | {
            nummer
            for entity in remembered
            if is_answer(entity.soort) and entity.state is EntityState.INDEXED
            for nummer in entity.zaak_nummers
        }
        states = {entity.tk_id: index for index, entity in enumerate(entities)}
        add: list[ParsedDocument] = []
        for document, item, _ in parsed:
            if _is_superseded_kind(document.soort) and answered.intersection(zaak_nummers(document)):
                position = states[document.id]
                item = without_units(item.document, entities[position].record_hash)
                entities[position] = replace(entities[position], state=EntityState.SUPERSEDED)
                report.superseded += 1
            elif not item.units:
                position = states[document.id]
                entities[position] = replace(entities[position], state=EntityState.EMPTY)
                report.empty += 1
            add.append(item)
        in_batch = {document.id for document, _, _ in parsed}
        superseded = [
            entity
            for entity in remembered
            if entity.tk_id not in in_batch
            and entity.state is EntityState.INDEXED
            and _is_superseded_kind(entity.soort)
            and answered.intersection(entity.zaak_nummers)
        ]
        stored = self.writer.documents([entity.doc_id for entity in superseded if entity.doc_id])
        for entity in superseded:
            if entity.doc_id in stored:
                add.append(without_units(stored[entity.doc_id], entity.record_hash))
            entities.append(replace(entity, state=EntityState.SUPERSEDED))
            report.superseded += 1
        return add


def describe(report: SyncReport) -> Iterable[str]:
    """The lines `vraagbaak sync` prints after a run."""
    yield (
        f"sync: {report.seen} entities seen on {report.pages} pages; {report.indexed} indexed, "
        f"{report.unchanged} unchanged, {report.superseded} superseded by their answer, {report.deleted} deleted, "
        f"{report.empty} without units, {report.failed} failed ({report.retried} retried from earlier runs); "
        f"{report.unrecognised} with a Q&A layout not recognised (indexed as prose)"
    )
    yield (
        f"  {report.units} units, {report.embedded} passages embedded; fetch {report.fetch_seconds:.1f} s, "
        f"parse {report.parse_seconds:.1f} s, embed {report.encode_seconds:.1f} s, write {report.write_seconds:.1f} s, "
        f"total {report.seconds:.1f} s" + (f"; generation {report.generation}" if report.generation else "")
    )
    for doc_id, reason in report.failures[:20]:
        yield f"  failed: {doc_id}: {reason}"
