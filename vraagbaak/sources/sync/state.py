"""What sync remembers between runs, in SQLite beside the index: checkpoints, and each entity's fate.

A run is resumable because nothing here moves ahead of the index. A page of the source is first written to
the index (one atomic generation), and only then are its entities' states and the kind's checkpoint
committed, in one transaction. A run killed in between sees the page again on its next start: the index
already holds its documents with the same content hash, so they are left alone, not embedded twice.

Each entity is remembered by the hash of the facts sync keeps of it, so an entity the source re-sends
unchanged (it re-emits tens of thousands after a data fix) costs one comparison, no download, no embedding.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from vraagbaak.errors import VraagbaakError

logger = logging.getLogger(__name__)


class SyncStateError(VraagbaakError):
    """The sync database cannot be opened or read (a newer schema, a corrupt file)."""


SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    kind TEXT PRIMARY KEY,
    changed_since TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    tk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    soort TEXT NOT NULL,
    zaak_nummers TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    file_sha256 TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT,
    entity TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_state ON entities (state);
CREATE TABLE IF NOT EXISTS zaak_entities (
    zaak_nummer TEXT NOT NULL,
    tk_id TEXT NOT NULL,
    PRIMARY KEY (zaak_nummer, tk_id)
);
"""


_IDS_PER_QUERY = 500
"""Below SQLite's default limit of bound parameters in one statement."""


class EntityState(StrEnum):
    """Where one source entity stands."""

    INDEXED = "indexed"  # its document is in the index
    SUPERSEDED = "superseded"  # a question or notice whose Zaak has an answer: the answer's units stand for it
    FAILED = "failed"  # its file could not be fetched or parsed; retried by later runs
    DELETED = "deleted"  # the source marked it Verwijderd; it left the index
    EMPTY = "empty"  # parsed, but nothing to index (no text, no units)


@dataclass(frozen=True)
class Entity:
    """One remembered source entity."""

    tk_id: str
    doc_id: str
    soort: str
    zaak_nummers: tuple[str, ...]
    record_hash: str
    file_sha256: str | None
    state: EntityState
    reason: str | None
    attempts: int
    changed_at: str | None
    entity: dict[str, Any]
    """The entity as the source sent it (OData JSON), so a failed one can be retried without asking again."""


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _entity(row: sqlite3.Row) -> Entity:
    return Entity(
        tk_id=row["tk_id"],
        doc_id=row["doc_id"],
        soort=row["soort"],
        zaak_nummers=tuple(json.loads(row["zaak_nummers"])),
        record_hash=row["record_hash"],
        file_sha256=row["file_sha256"],
        state=EntityState(row["state"]),
        reason=row["reason"],
        attempts=row["attempts"],
        changed_at=row["changed_at"],
        entity=json.loads(row["entity"]),
    )


class SyncState:
    """The sync database; short transactions, WAL so the service may read while sync writes."""

    def __init__(self, path: Path, timeout_s: float = 30.0) -> None:
        self.path = path
        self.timeout_s = timeout_s
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise SyncStateError(f"{path} was written by a newer Vraagbaak (schema {version} > {SCHEMA_VERSION})")
            conn.executescript(SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode: each statement is its own transaction (reads, the schema)."""
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        except sqlite3.Error as error:
            raise SyncStateError(f"cannot open the sync database {self.path}: {error}") from error
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            yield conn
        except sqlite3.DatabaseError as error:
            raise SyncStateError(f"the sync database {self.path} is unreadable: {error}") from error
        finally:
            conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a kill before COMMIT leaves the database as it was."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- reading

    def checkpoint(self, kind: str) -> str | None:
        """The `ApiGewijzigdOp` up to which `kind` is synced, as the source wrote it; None before a first run."""
        with self._connect() as conn:
            row = conn.execute("SELECT changed_since FROM checkpoints WHERE kind = ?", (kind,)).fetchone()
        return None if row is None else str(row[0])

    def checkpoints(self) -> dict[str, str]:
        with self._connect() as conn:
            return {row[0]: row[1] for row in conn.execute("SELECT kind, changed_since FROM checkpoints")}

    def get(self, tk_id: str) -> Entity | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM entities WHERE tk_id = ?", (tk_id,)).fetchone()
        return None if row is None else _entity(row)

    def get_many(self, tk_ids: Iterable[str]) -> dict[str, Entity]:
        """The remembered ones of these entities, in one query per few hundred (a batch's worth)."""
        wanted = sorted(set(tk_ids))
        found: dict[str, Entity] = {}
        with self._connect() as conn:
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                chunk = wanted[start : start + _IDS_PER_QUERY]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(f"SELECT * FROM entities WHERE tk_id IN ({marks})", chunk).fetchall()
                found.update((row["tk_id"], _entity(row)) for row in rows)
        return found

    def of_zaken(self, zaak_nummers: Iterable[str]) -> list[Entity]:
        """Every remembered entity of these Zaken (deleted ones aside), oldest change first."""
        nummers = sorted(set(zaak_nummers))
        if not nummers:
            return []
        marks = ",".join("?" * len(nummers))
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT DISTINCT e.* FROM entities e JOIN zaak_entities z ON z.tk_id = e.tk_id "
                f"WHERE z.zaak_nummer IN ({marks}) AND e.state != ? ORDER BY e.changed_at, e.tk_id",
                (*nummers, EntityState.DELETED.value),
            ).fetchall()
        return [_entity(row) for row in rows]

    def failed(self, max_attempts: int) -> list[Entity]:
        """Entities whose file could not be fetched or parsed, with tries left."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM entities WHERE state = ? AND attempts < ? ORDER BY changed_at, tk_id",
                (EntityState.FAILED.value, max_attempts),
            ).fetchall()
        return [_entity(row) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._connect() as conn:
            rows = conn.execute("SELECT state, COUNT(*) FROM entities GROUP BY state").fetchall()
        return {row[0]: row[1] for row in rows}

    def reasons(self, limit: int = 20) -> list[tuple[str, str, str]]:
        """(tk_id, doc_id, reason) of failed entities, most recent first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT tk_id, doc_id, reason FROM entities WHERE state = ? ORDER BY updated_at DESC LIMIT ?",
                (EntityState.FAILED.value, limit),
            ).fetchall()
        return [(row[0], row[1], row[2] or "") for row in rows]

    # -- writing

    def commit(self, entities: Iterable[Entity], checkpoint: tuple[str, str] | None = None) -> None:
        """Remember these entities' states and move a kind's checkpoint, all or nothing."""
        now = _now()
        with self._transaction() as conn:
            for item in entities:
                conn.execute(
                    "INSERT OR REPLACE INTO entities (tk_id, doc_id, soort, zaak_nummers, record_hash, file_sha256, "
                    "state, reason, attempts, changed_at, entity, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        item.tk_id,
                        item.doc_id,
                        item.soort,
                        json.dumps(list(item.zaak_nummers)),
                        item.record_hash,
                        item.file_sha256,
                        item.state.value,
                        item.reason,
                        item.attempts,
                        item.changed_at,
                        json.dumps(item.entity, ensure_ascii=False, sort_keys=True),
                        now,
                    ),
                )
                conn.execute("DELETE FROM zaak_entities WHERE tk_id = ?", (item.tk_id,))
                conn.executemany(
                    "INSERT OR IGNORE INTO zaak_entities (zaak_nummer, tk_id) VALUES (?, ?)",
                    [(nummer, item.tk_id) for nummer in item.zaak_nummers],
                )
            if checkpoint is not None:
                kind, changed_since = checkpoint
                conn.execute(
                    "INSERT INTO checkpoints (kind, changed_since, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(kind) DO UPDATE SET changed_since = excluded.changed_since, "
                    "updated_at = excluded.updated_at",
                    (kind, changed_since, now),
                )

    def integrity_ok(self) -> bool:
        with self._connect() as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
