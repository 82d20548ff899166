"""Micro-batching of query encoding: concurrent questions share one model call.

Search handlers run in FastAPI's threadpool and call `QueryBatcher.encode`,
which queues the question and blocks until its vector is ready. One worker
thread takes whatever is queued, waits at most `max_wait_s` for more (up to
`max_batch`), and encodes each retriever's questions with one
`Retriever.encode` call. Under load, questions that arrive while a batch is
encoding form the next batch, so throughput grows with concurrency. The wait
is only spent while questions come in together (the last batch held more than
one): a lone question is encoded at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from indexer.retrieval import Retriever

logger = logging.getLogger(__name__)


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

    def __init__(self, max_batch: int = 32, max_wait_s: float = 0.002) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.max_batch = max_batch
        self.max_wait_s = max(0.0, max_wait_s)
        self.stats = BatchStats()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._closed = False
        self._last_batch = 0  # size of the previous batch: >1 means others are asking too

    def encode(self, retriever: Retriever, question: str) -> np.ndarray:
        """The query vector of `question`, encoded together with whatever else is waiting."""
        job = _Job(retriever, question)
        with self._lock:
            if self._closed:
                raise RuntimeError("the query batcher is closed")
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="query-batcher", daemon=True)
                self._worker.start()
            self._queue.put(job)
        return job.future.result()

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
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            jobs, stop = self._collect(first)
            self._last_batch = len(jobs)
            self._encode(jobs)
        # Anything still queued after close would wait forever: refuse it.
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job.future.set_exception(RuntimeError("the query batcher is closed"))

    def _encode(self, jobs: list[_Job]) -> None:
        groups: dict[int, list[_Job]] = {}
        for job in jobs:
            # After an index swap two retrievers may be queued at once; each encodes with its own model.
            groups.setdefault(id(job.retriever), []).append(job)
        for group in (run for jobs_ in groups.values() for run in _similar_lengths(jobs_)):
            started = time.perf_counter()
            try:
                vectors = group[0].retriever.encode([job.question for job in group])
            except Exception as error:  # the caller's thread re-raises it
                for job in group:
                    job.future.set_exception(error)
                continue
            self.stats.batches += 1
            self.stats.questions += len(group)
            self.stats.largest = max(self.stats.largest, len(group))
            self.stats.encode_seconds += time.perf_counter() - started
            for job, vector in zip(group, vectors, strict=True):
                job.future.set_result(vector)


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
