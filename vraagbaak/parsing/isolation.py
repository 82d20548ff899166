"""Parsing user-supplied files in a worker process with a memory limit and a timeout.

A hostile or broken file must cost bounded time and memory and must never
take the caller down: a PDF that makes a C library loop, allocate without
end or segfault is refused with a `ParseError` naming it, and the next file
is parsed by a fresh worker. One worker serves file after file (importing
the parser costs ~0.3 s) and is replaced only after such a failure.

The worker is a "spawn" child: no fork of a process with threads (the
service, torch). Jobs go to it pickled (the parent is trusted); replies come
back as JSON, so a child subverted by a hostile file cannot hand the parent
a pickle to execute.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import signal
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from vraagbaak.errors import ParseError
from vraagbaak.parsing.prose import DEFAULT_PASSAGE_TOKENS
from vraagbaak.settings import PARSE_MEMORY_MB, PARSE_TIMEOUT_S, Settings
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)

_START_TIMEOUT_S = 120.0  # a spawn plus the parser's imports; generous for a loaded machine
_STOP_TIMEOUT_S = 5.0

LengthFunction = Callable[[str], int]


@dataclass(frozen=True)
class ParseLimits:
    """What one file may cost: wall-clock seconds and address space of the worker."""

    timeout_s: float = PARSE_TIMEOUT_S
    memory_mb: int = PARSE_MEMORY_MB

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(timeout_s=settings.parse_timeout_s, memory_mb=settings.parse_memory_mb)


# ------------------------------------------------------------------ jobs: what the worker runs


@dataclass(frozen=True)
class ParseJob:
    """One document to parse: a file, raw upload bytes, or uploaded text."""

    name: str
    """How messages name the document: the path given, or the upload's name (never a server path)."""
    path: str | None = None
    raw: bytes | None = None
    text: str | None = None
    doc_id: str = ""
    source_path: str = ""
    passage_tokens: int = DEFAULT_PASSAGE_TOKENS
    length_function: LengthFunction | None = None


def run_job(job: ParseJob) -> ParsedDocument:
    """Parse one job in this process; the worker's default target, also usable in-process."""
    from vraagbaak.parsing.pipeline import parse_source
    from vraagbaak.parsing.prose import approximate_tokens
    from vraagbaak.parsing.source import read_source, source_from_bytes, source_from_text

    if job.path is not None:
        source = read_source(Path(job.path))
    elif job.raw is not None:
        source = source_from_bytes(job.raw, job.doc_id, job.name)
    else:
        source = source_from_text(job.text or "", job.doc_id, job.source_path)
    return parse_source(
        source, passage_tokens=job.passage_tokens, length_function=job.length_function or approximate_tokens
    )


JobRunner = Callable[[ParseJob], ParsedDocument]


def _limit_memory(memory_mb: int | None) -> None:
    """Cap this process's address space (soft limit) at `memory_mb`, or lift the cap again (None)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = hard if memory_mb is None else memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _reply(conn: Connection, **fields: Any) -> None:
    conn.send_bytes(json.dumps(fields).encode("utf-8"))


_MAX_LOG_RECORDS = 200  # per job: a hostile file cannot flood the parent's log


class _LogCapture(logging.Handler):
    """The worker's log records of one job, sent back with the reply and logged again by the parent."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < _MAX_LOG_RECORDS:
            self.records.append((record.name, record.levelno, record.getMessage()))

    def take(self) -> list[tuple[str, int, str]]:
        records, self.records = self.records, []
        return records


def _serve(conn: Connection, memory_mb: int, runner: JobRunner, log_level: int = logging.WARNING) -> None:
    """The worker's main loop: parse jobs until told to stop; exit after running out of memory."""
    import vraagbaak.parsing.pipeline  # noqa: F401  -- once per worker, outside the memory cap

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops this worker

    capture = _LogCapture()
    logging.basicConfig(level=log_level, handlers=[capture], force=True)
    _reply(conn, status="ready")
    while True:
        try:
            job = conn.recv()  # unpickling may import what the job's length function needs: before the cap
        except (EOFError, OSError):
            return
        if job is None:
            return
        out_of_memory = False
        _limit_memory(memory_mb)
        try:
            payload = runner(job).model_dump_json().encode("utf-8")
        except ParseError as error:
            if isinstance(error.__cause__, MemoryError):  # a reader's "too large": the cap, said as such
                out_of_memory = True
            else:
                _reply(conn, status="refused", message=str(error), logs=capture.take())
                continue
        except MemoryError:
            out_of_memory = True  # replied below, once the exception has let go of what it held
        except Exception as error:  # a parser bug on odd input refuses that file, not the run
            error_text = f"{type(error).__name__}: {error}"
            _reply(conn, status="failed", error=error_text, trace=traceback.format_exc(), logs=capture.take())
            continue
        finally:
            _limit_memory(None)  # the cap is per document: what the next job imports is outside it
        if out_of_memory:
            _reply(conn, status="memory")
            return  # a fresh worker for the next file: the heap may be in pieces
        logs = json.dumps(capture.take()).encode("utf-8")
        conn.send_bytes(b'{"status":"ok","logs":' + logs + b',"document":' + payload + b"}")


# ------------------------------------------------------------------ the parent's side


class ParseWorker:
    """A reusable parse worker under `ParseLimits`; thread-safe (one job at a time), restarted after failures.

    `runner` is what the child calls per job: `run_job` in production; tests
    pass a module-level function that sleeps or crashes. Use as a context
    manager, or call `close()`; an unclosed worker is stopped when collected.
    """

    def __init__(self, limits: ParseLimits | None = None, *, runner: JobRunner = run_job) -> None:
        self.limits = limits or ParseLimits()
        self._runner = runner
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Connection | None = None
        self._finalizer: weakref.finalize[Any, ParseWorker] | None = None
        self.starts = 0
        """Workers started so far: 1 while every file parses, one more after each failure."""

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._stop(graceful=True)

    # -- jobs

    def parse_file(
        self, path: Path, *, passage_tokens: int = DEFAULT_PASSAGE_TOKENS, length_function: LengthFunction | None = None
    ) -> ParsedDocument:
        """Like `parse_document`, in the worker."""
        job = ParseJob(name=str(path), path=str(path), passage_tokens=passage_tokens, length_function=length_function)
        return self.run(job)

    def parse_bytes(
        self,
        raw: bytes,
        doc_id: str,
        name: str,
        *,
        passage_tokens: int = DEFAULT_PASSAGE_TOKENS,
        length_function: LengthFunction | None = None,
    ) -> ParsedDocument:
        """An upload's bytes; the format is the readers' to tell (by `name`'s suffix or the content)."""
        job = ParseJob(
            name=name, raw=raw, doc_id=doc_id, passage_tokens=passage_tokens, length_function=length_function
        )
        return self.run(job)

    def parse_text(
        self,
        text: str,
        doc_id: str,
        source_path: str = "",
        *,
        passage_tokens: int = DEFAULT_PASSAGE_TOKENS,
        length_function: LengthFunction | None = None,
    ) -> ParsedDocument:
        """Like `parse_text`, in the worker; messages name the document by `doc_id`."""
        job = ParseJob(
            name=doc_id,
            text=text,
            doc_id=doc_id,
            source_path=source_path,
            passage_tokens=passage_tokens,
            length_function=length_function,
        )
        return self.run(job)

    def run(self, job: ParseJob) -> ParsedDocument:
        """Parse `job` in the worker; every way it can go wrong is a `ParseError` naming `job.name`."""
        with self._lock:
            conn = self._ensure_started(job.name)
            try:
                conn.send(job)
            except (OSError, ValueError) as error:  # the worker died between jobs
                self._stop()
                logger.warning("%s: sending to the parse worker failed: %s", job.name, error)
                raise ParseError(f"{job.name}: the parse worker stopped unexpectedly; refused") from error
            return self._await_reply(job, conn)

    # -- the process

    def _ensure_started(self, name: str) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._stop()
        started = time.perf_counter()
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_serve,
            args=(child, self.limits.memory_mb, self._runner, logging.getLogger().getEffectiveLevel()),
            name="vraagbaak-parse",
            daemon=True,
        )
        process.start()
        child.close()
        self.starts += 1
        self._process, self._conn = process, parent
        self._finalizer = weakref.finalize(self, _terminate, process, parent)
        if not parent.poll(_START_TIMEOUT_S):
            self._stop()
            raise ParseError(f"{name}: the parse worker did not start within {_START_TIMEOUT_S:g} s; not parsed")
        try:
            parent.recv_bytes()  # the worker's "ready"
        except (EOFError, OSError) as error:
            process.join(_STOP_TIMEOUT_S)
            code = process.exitcode
            self._stop()
            raise ParseError(f"{name}: the parse worker failed to start (exit code {code}); not parsed") from error
        logger.debug("parse worker %s started in %.2f s", process.pid, time.perf_counter() - started)
        return parent

    def _await_reply(self, job: ParseJob, conn: Connection) -> ParsedDocument:
        limits = self.limits
        if not conn.poll(limits.timeout_s):
            self._stop()
            logger.warning("%s: parsing took longer than %g s; worker stopped", job.name, limits.timeout_s)
            raise ParseError(f"{job.name}: parsing took longer than {limits.timeout_s:g} s; refused")
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            raise self._died(job) from None
        reply = json.loads(raw)
        for name, level, message in reply.get("logs", ()):
            logging.getLogger(str(name)).log(int(level), "%s", message)
        status = reply.get("status")
        if status == "ok":
            return ParsedDocument.model_validate(reply["document"])
        if status == "refused":
            raise ParseError(str(reply["message"]))
        if status == "memory":
            self._stop()
            raise ParseError(self._memory_message(job))
        logger.error("%s: the parser failed:\n%s", job.name, reply.get("trace", ""))
        # The exception's own words stay in the log (above): they name our code, not the file.
        raise ParseError(f"{job.name}: the parser failed on this file (a fault logged by the server); refused")

    def _died(self, job: ParseJob) -> ParseError:
        process = self._process
        process.join(_STOP_TIMEOUT_S)
        code = process.exitcode
        self._stop()
        if code == -signal.SIGKILL:  # not ours (we kill only on timeout): the kernel's OOM killer
            message = self._memory_message(job)
        elif code is not None and code < 0:
            message = f"{job.name}: the parser crashed (signal {-code}); refused"
        else:
            message = f"{job.name}: the parser crashed (exit code {code}); refused"
        logger.warning("%s", message)
        return ParseError(message)

    def _memory_message(self, job: ParseJob) -> str:
        return f"{job.name}: parsing needed more than {self.limits.memory_mb} MB; refused"

    def _stop(self, *, graceful: bool = False) -> None:
        """Stop the worker if there is one (killed unless `graceful`); the next job starts a fresh one."""
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._process is not None:
            _terminate(self._process, self._conn, graceful)
        self._process = self._conn = None


def _terminate(process: Any, conn: Connection | None, graceful: bool = True) -> None:
    """Stop the worker: an idle one is asked to (`graceful`), a busy or stuck one is killed."""
    if graceful and conn is not None and process.is_alive():
        try:
            conn.send(None)
            process.join(_STOP_TIMEOUT_S)
        except (OSError, ValueError):
            pass
    if process.is_alive():
        process.kill()
        process.join(_STOP_TIMEOUT_S)
    if conn is not None:
        conn.close()
    process.close()
