"""The micro-batcher: concurrent questions share one model call; errors reach every caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEncoder
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.batching import QueryBatcher


class _SlowEncoder(FakeEncoder):
    """Holds the first call until released, so that the next questions pile up behind it."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def encode_queries(self, texts: object, *, show_progress: bool = False) -> np.ndarray:
        if not self.entered.is_set():
            self.entered.set()
            self.release.wait(5)
        return super().encode_queries(texts, show_progress=show_progress)  # type: ignore[arg-type]


def _wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_concurrent_questions_are_encoded_together(fake_index: Path) -> None:
    encoder = _SlowEncoder()
    retriever = Retriever.load(fake_index, encoder)
    batcher = QueryBatcher(max_batch=32, max_wait_s=0.001)
    questions = [f"vraag {i} over windmolens" for i in range(9)]
    results: dict[int, np.ndarray] = {}

    def ask(i: int) -> None:
        results[i] = batcher.encode(retriever, questions[i])

    first = threading.Thread(target=ask, args=(0,))
    first.start()
    assert encoder.entered.wait(5)  # the worker is inside the first call, which is held
    others = [threading.Thread(target=ask, args=(i,)) for i in range(1, 9)]
    for thread in others:
        thread.start()
    _wait_for(lambda: batcher._queue.qsize() == 8)
    encoder.release.set()
    for thread in [first, *others]:
        thread.join(5)
    batcher.close()
    assert encoder.calls == [1, 8]
    for i, question in enumerate(questions):
        np.testing.assert_allclose(results[i], FakeEncoder().encode_queries([question])[0])
    assert (batcher.stats.batches, batcher.stats.questions, batcher.stats.largest) == (2, 9, 8)


def test_batches_are_capped(fake_index: Path) -> None:
    encoder = _SlowEncoder()
    retriever = Retriever.load(fake_index, encoder)
    batcher = QueryBatcher(max_batch=3, max_wait_s=0.0)
    threads = [threading.Thread(target=batcher.encode, args=(retriever, f"vraag {i}")) for i in range(7)]
    threads[0].start()
    assert encoder.entered.wait(5)
    for thread in threads[1:]:
        thread.start()
    _wait_for(lambda: batcher._queue.qsize() == 6)
    encoder.release.set()
    for thread in threads:
        thread.join(5)
    batcher.close()
    assert encoder.calls == [1, 3, 3]


def test_a_lone_question_does_not_wait_for_company(fake_index: Path) -> None:
    retriever = Retriever.load(fake_index, FakeEncoder())
    batcher = QueryBatcher(max_batch=32, max_wait_s=30.0)  # a wait this long would hang the test
    done = threading.Event()
    threading.Thread(target=lambda: (batcher.encode(retriever, "vraag alleen"), done.set()), daemon=True).start()
    try:
        assert done.wait(10), "a lone question waited for a batch"
    finally:
        batcher.close(timeout_s=1)


def test_under_load_the_batcher_waits_for_more(fake_index: Path) -> None:
    encoder = _SlowEncoder()
    retriever = Retriever.load(fake_index, encoder)
    batcher = QueryBatcher(max_batch=32, max_wait_s=1.0)
    ask = [threading.Thread(target=batcher.encode, args=(retriever, f"vraag {i}")) for i in range(5)]
    ask[0].start()
    assert encoder.entered.wait(5)  # held inside the model: the next two pile up
    ask[1].start()
    ask[2].start()
    _wait_for(lambda: batcher._queue.qsize() == 2)
    encoder.release.set()
    for thread in ask[:3]:
        thread.join(5)
    assert encoder.calls == [1, 2]  # a batch of two: others are asking, so the next batch waits
    ask[3].start()
    time.sleep(0.05)  # well inside the 1 s wait
    ask[4].start()
    for thread in ask[3:]:
        thread.join(5)
    batcher.close()
    assert encoder.calls == [1, 2, 2]


class _FailingEncoder(FakeEncoder):
    def encode_queries(self, texts: object, *, show_progress: bool = False) -> np.ndarray:
        raise RuntimeError("model kapot")


def test_an_encoding_error_reaches_the_caller_and_the_worker_survives(fake_index: Path) -> None:
    batcher = QueryBatcher(max_batch=4, max_wait_s=0.0)
    broken = Retriever.load(fake_index, _FailingEncoder())
    with pytest.raises(RuntimeError, match="model kapot"):
        batcher.encode(broken, "windmolens")
    working = Retriever.load(fake_index, FakeEncoder())
    assert batcher.encode(working, "windmolens").shape == (256,)
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.encode(working, "windmolens")
