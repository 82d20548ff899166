"""The monitors' SQLite database: saved searches, and when each document was first seen.

The index keeps no time a document was added, so this database does: every
time the service takes up a new index generation (start-up, upload, removal,
reload) or a monitor is created, the loaded index's document ids are synced
into `documents`, and a document seen for the first time gets the next
sequence number and the time of that sync. A monitor remembers the highest
sequence number at its creation; its feed looks at documents above it.

Reading a feed needs no key, so it only reads: `get` and `documents_after`
open the file read-only (`mode=ro`), never create, migrate or write it. All
writing happens on the keyed calls and when documents arrive.

One file next to the index (stdlib sqlite3), created on first use. The schema
is versioned with `PRAGMA user_version`: `MIGRATIONS[n]` takes version n to
n + 1, each in one transaction, so a database of any earlier version (or an
empty file) is brought up to date on open. WAL lets feeds be read while a
monitor is written; every call opens its own connection, so threads share
nothing but the file.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MONITOR_ID_BYTES = 24
"""secrets.token_urlsafe(24): 192 random bits, 32 URL-safe characters."""
MONITOR_ID_PATTERN = r"^[A-Za-z0-9_-]{32}$"
_MONITOR_ID = re.compile(MONITOR_ID_PATTERN)

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: saved searches and the first-seen time of every document.
    """
    CREATE TABLE monitors (
        id TEXT PRIMARY KEY,
        question TEXT NOT NULL,
        filters TEXT NOT NULL,
        created TEXT NOT NULL,
        after_seq INTEGER NOT NULL
    );
    CREATE TABLE documents (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL UNIQUE,
        first_seen TEXT NOT NULL
    );
    """,
    # 1 -> 2: the saved question's vector, so reading a feed needs no model call while the model is the same.
    """
    ALTER TABLE monitors ADD COLUMN vector BLOB;
    ALTER TABLE monitors ADD COLUMN vector_model TEXT;
    """,
    # 2 -> 3: a monitor may follow one set of questions (a Zaak) instead of a search.
    """
    ALTER TABLE monitors ADD COLUMN zaak TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class MonitorDatabaseError(Exception):
    """The database file cannot be used (a newer schema, not SQLite); the message names the file."""


@dataclass(frozen=True)
class Monitor:
    monitor_id: str
    question: str
    filters: str  # SearchFilters as JSON
    created: datetime.datetime
    after_seq: int
    vector: np.ndarray | None
    vector_model: str | None
    zaak: str | None = None
    """A followed set of questions (`/v1/questions/{key}/follow`): its feed lists that set's new documents."""


@dataclass(frozen=True)
class SeenDocument:
    doc_id: str
    first_seen: datetime.datetime


def new_monitor_id() -> str:
    return secrets.token_urlsafe(MONITOR_ID_BYTES)


def check_monitor_id(monitor_id: str) -> str | None:
    """Why `monitor_id` cannot be one; None when it has the right form."""
    if _MONITOR_ID.match(monitor_id):
        return None
    return f"a monitor id is 32 characters of A-Z, a-z, 0-9, '_' and '-'; got {len(monitor_id)} character(s)"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class MonitorStore:
    """The database at `path`; safe to share between threads and processes."""

    def __init__(self, path: Path, timeout_s: float = 10.0) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._ready = False
        self._ready_lock = threading.Lock()
        self._synced_generation: str | None = None

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self._ensure_schema()
        connection = self._open()
        try:
            with connection:  # one transaction: committed on success, rolled back on error
                yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection, or None when the file does not exist yet (so nothing was saved).

        A database at an older schema is refused rather than migrated here: the service migrates it
        when it starts serving (`vraagbaak.service.monitors.arrivals`), a writer's moment.
        """
        if not self.path.exists():
            yield None
            return
        connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.timeout_s)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if version != SCHEMA_VERSION:
                raise MonitorDatabaseError(
                    f"{self.path} has schema version {version}, not {SCHEMA_VERSION}; it is migrated when the "
                    "service starts or a monitor is created"
                )
            yield connection
        except sqlite3.DatabaseError as error:
            raise MonitorDatabaseError(f"cannot read {self.path} as the monitor database: {error}") from error
        finally:
            connection.close()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        connection.isolation_level = "IMMEDIATE"  # writers take the lock at BEGIN: no upgrade deadlocks
        return connection

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                self.migrate()
                self._ready = True

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version it is at. Safe against a concurrent migrator."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self._open()
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                logger.warning("monitor database %s runs in %s journal mode, not WAL", self.path, mode)
            connection.execute("BEGIN IMMEDIATE")
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                connection.execute("ROLLBACK")
                raise MonitorDatabaseError(
                    f"{self.path} has schema version {version}; this program knows up to {SCHEMA_VERSION}"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in filter(str.strip, MIGRATIONS[step].split(";")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {step + 1}")
                logger.info("monitor database %s migrated to version %d", self.path, step + 1)
            connection.execute("COMMIT")
            return SCHEMA_VERSION
        except sqlite3.DatabaseError as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise MonitorDatabaseError(f"cannot use {self.path} as the monitor database: {error}") from error
        finally:
            connection.close()

    # ------------------------------------------------------------ documents

    def sync_documents(self, doc_ids: Iterable[str], generation: str | None = None) -> None:
        """Record the ids not seen before, with this moment as their first-seen time.

        With `generation` (the index generation the ids come from) a generation this store synced
        already is skipped: a feed polled often does not rewrite every document id each time.
        """
        if generation and generation == self._synced_generation:
            return
        now = _now().isoformat()
        with self._connect() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO documents (doc_id, first_seen) VALUES (?, ?)",
                ((doc_id, now) for doc_id in sorted(doc_ids)),
            )
        if generation:
            self._synced_generation = generation

    def documents_after(self, seq: int) -> list[SeenDocument]:
        with self._read() as connection:
            if connection is None:
                return []
            rows = connection.execute(
                "SELECT doc_id, first_seen FROM documents WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        return [SeenDocument(doc_id, datetime.datetime.fromisoformat(seen)) for doc_id, seen in rows]

    # ------------------------------------------------------------ monitors

    def create(
        self,
        question: str,
        filters: str,
        vector: np.ndarray | None,
        vector_model: str | None,
        doc_ids: Iterable[str],
        zaak: str | None = None,
    ) -> Monitor:
        """A new monitor that watches documents first seen after now (`doc_ids` are those seen now)."""
        created = _now()
        blob = None if vector is None else np.ascontiguousarray(vector, dtype="<f4").tobytes()
        with self._connect() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO documents (doc_id, first_seen) VALUES (?, ?)",
                ((doc_id, created.isoformat()) for doc_id in sorted(doc_ids)),
            )
            after_seq = int(connection.execute("SELECT COALESCE(MAX(seq), 0) FROM documents").fetchone()[0])
            monitor_id = new_monitor_id()
            connection.execute(
                "INSERT INTO monitors (id, question, filters, created, after_seq, vector, vector_model, zaak) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (monitor_id, question, filters, created.isoformat(), after_seq, blob, vector_model, zaak),
            )
        return Monitor(monitor_id, question, filters, created, after_seq, vector, vector_model, zaak)

    def get(self, monitor_id: str) -> Monitor | None:
        with self._read() as connection:
            if connection is None:
                return None
            row = connection.execute(
                "SELECT id, question, filters, created, after_seq, vector, vector_model, zaak "
                "FROM monitors WHERE id = ?",
                (monitor_id,),
            ).fetchone()
        if row is None:
            return None
        vector = None if row[5] is None else np.frombuffer(row[5], dtype="<f4").astype(np.float32)
        created = datetime.datetime.fromisoformat(row[3])
        return Monitor(row[0], row[1], row[2], created, int(row[4]), vector, row[6], row[7])

    def save_vector(self, monitor_id: str, vector: np.ndarray, vector_model: str) -> None:
        """Replace the saved question vector (after the index changed model)."""
        with self._connect() as connection:
            connection.execute(
                "UPDATE monitors SET vector = ?, vector_model = ? WHERE id = ?",
                (np.ascontiguousarray(vector, dtype="<f4").tobytes(), vector_model, monitor_id),
            )

    def stale_vectors(self, model: str, dimension: int) -> list[tuple[str, str]]:
        """(id, question) of the search monitors whose saved vector another model (or none) made."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, question, vector, vector_model FROM monitors WHERE zaak IS NULL"
            ).fetchall()
        return [
            (monitor_id, question)
            for monitor_id, question, blob, vector_model in rows
            if blob is None or vector_model != model or len(blob) != 4 * dimension
        ]

    def delete(self, monitor_id: str) -> bool:
        """True when the monitor existed."""
        with self._connect() as connection:
            return connection.execute("DELETE FROM monitors WHERE id = ?", (monitor_id,)).rowcount > 0

    def count(self) -> int:
        with self._connect() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM monitors").fetchone()[0])
