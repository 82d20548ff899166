"""A service that never hangs silently: waits on the query engine time out, a dead or stuck engine turns
/readyz and searches to 503 at once, a batch leaves room for single searches and weighs by its questions."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.deadlines import time_limit
from tests.fakes import FakeEncoder
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.batching import EngineDownError, EngineTimeoutError, QueryBatcher
from vraagbaak.service.errors import ENGINE_DOWN, ENGINE_TIMEOUT
from vraagbaak.service.middleware import InFlight

_GUARD_S = 30  # a hang guard, many times what each test takes


class _BlockingEncoder(FakeEncoder):
    """Every call waits until `release` is set: an engine that does not answer."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        self.entered.set()
        self.release.wait(_GUARD_S)
        return super().encode_queries(texts, show_progress=show_progress)


class _OneEngineEncoder(FakeEncoder):
    """One model at a time, a fixed cost per question, and the order in which questions were encoded."""

    def __init__(self, seconds_per_question: float) -> None:
        super().__init__()
        self.seconds_per_question = seconds_per_question
        self.encoded: list[str] = []
        self._engine = threading.Lock()

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        with self._engine:
            time.sleep(self.seconds_per_question * len(texts))
            self.encoded.extend(texts)
            return super().encode_queries(texts, show_progress=show_progress)


def _wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def _assert_engine_503(response: object, detail: str, retry_after: str) -> None:
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["detail"] == detail
    assert re.fullmatch(r"[0-9a-f]{16}", body["error_id"])
    assert response.headers["retry-after"] == retry_after  # type: ignore[attr-defined]


# ---------------------------------------------------------------- 1. waits have timeouts


def test_batcher_wait_on_a_blocked_engine_times_out_and_the_engine_recovers(fake_index: Path) -> None:
    encoder = _BlockingEncoder()
    retriever = Retriever.load(fake_index, encoder)
    batcher = QueryBatcher(max_batch=4, max_wait_s=0.0, timeout_s=0.2)
    try:
        with time_limit(_GUARD_S):
            started = time.monotonic()
            with pytest.raises(EngineTimeoutError, match=r"waited more than 0\.2 s"):
                batcher.encode(retriever, "windmolens")
            assert time.monotonic() - started < 5
            _wait_for(lambda: not batcher.healthy)  # stuck in one call past the timeout
            encoder.release.set()
            _wait_for(lambda: batcher.healthy)
            assert batcher.encode(retriever, "windmolens").shape == (256,)
    finally:
        encoder.release.set()
        batcher.close()


def test_search_waiting_on_a_blocked_engine_gets_503_with_retry_after(
    make_client: Callable[..., TestClient],
) -> None:
    encoder = _BlockingEncoder()
    client = make_client(encoder=encoder, encode_timeout_s=0.2)
    try:
        with time_limit(_GUARD_S):
            _assert_engine_503(client.post("/v1/search", json={"question": "windmolens"}), ENGINE_TIMEOUT, "5")
            encoder.release.set()
            _wait_for(lambda: client.get("/readyz").status_code == 200)
            assert client.post("/v1/search", json={"question": "windmolens"}).status_code == 200
    finally:
        encoder.release.set()


# ---------------------------------------------------------------- 2. a dead or stuck engine is not ready


def test_readyz_and_searches_are_503_at_once_when_the_engine_thread_dies(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(
        encoder=FakeEncoder(), encode_timeout_s=60.0
    )  # a hang would show: nothing here waits that long
    batcher: QueryBatcher = client.app.state.batcher  # type: ignore[attr-defined]
    assert client.post("/v1/search", json={"question": "windmolens"}).status_code == 200

    def crash(jobs: object) -> None:
        raise RuntimeError("engine kapot")

    monkeypatch.setattr(batcher, "_encode", crash)
    with time_limit(_GUARD_S):
        started = time.monotonic()
        # the question in hand when the loop broke is failed at once, not left to its timeout
        _assert_engine_503(client.post("/v1/search", json={"question": "windmolens"}), ENGINE_DOWN, "30")
        assert batcher._worker is not None
        batcher._worker.join(5)
        assert not batcher._worker.is_alive()
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"detail": "not ready: the query engine has stopped"})
        assert ready.headers["retry-after"] == "30"
        _assert_engine_503(client.post("/v1/search", json={"question": "windmolens"}), ENGINE_DOWN, "30")
        _assert_engine_503(client.post("/v1/search/batch", json={"questions": ["a", "b"]}), ENGINE_DOWN, "30")
        assert time.monotonic() - started < 10
    assert client.get("/healthz").status_code == 200  # the process is up; it is not ready
    assert client.post("/v1/search", json={"question": "windmolens", "mode": "lexical"}).status_code == 200


def test_readyz_is_503_while_the_engine_is_stuck_and_200_once_it_answers(
    make_client: Callable[..., TestClient],
) -> None:
    encoder = _BlockingEncoder()
    client = make_client(encoder=encoder, encode_timeout_s=1.0)
    try:
        with time_limit(_GUARD_S):
            _assert_engine_503(client.post("/v1/search", json={"question": "windmolens"}), ENGINE_TIMEOUT, "5")
            _wait_for(lambda: client.get("/readyz").status_code == 503)  # the call passes the timeout too
            ready = client.get("/readyz")
            assert ready.json()["detail"].startswith("not ready: the query engine has been stuck")
            started = time.monotonic()
            _assert_engine_503(client.post("/v1/search", json={"question": "zon"}), ENGINE_DOWN, "30")
            assert time.monotonic() - started < 0.5  # refused at once, not after another timeout of 1 s
            encoder.release.set()
            _wait_for(lambda: client.get("/readyz").status_code == 200)  # ready again once it answers
            assert client.post("/v1/search", json={"question": "windmolens"}).status_code == 200
    finally:
        encoder.release.set()


def test_a_stopped_engine_refuses_queued_questions(fake_index: Path) -> None:
    batcher = QueryBatcher(max_batch=4, max_wait_s=0.0, timeout_s=60.0)
    retriever = Retriever.load(fake_index, FakeEncoder())
    batcher.encode(retriever, "windmolens")
    batcher._encode = lambda jobs: (_ for _ in ()).throw(RuntimeError("kapot"))  # type: ignore[method-assign]
    with time_limit(_GUARD_S), pytest.raises(EngineDownError):
        batcher.encode_many(retriever, ["a", "b", "c"])
    assert batcher.problem == "the query engine has stopped" and not batcher.healthy
    batcher.close(timeout_s=1)


# ---------------------------------------------------------------- 3. single searches go between batch chunks


def test_a_single_search_is_served_between_the_chunks_of_a_batch(make_client: Callable[..., TestClient]) -> None:
    encoder = _OneEngineEncoder(seconds_per_question=0.01)  # 100 questions: at least 1 s of engine time
    client = make_client(encoder=encoder)
    questions = [f"vraag {i:03d} over windmolens" for i in range(100)]
    finished: dict[str, float] = {}

    def batch() -> None:
        response = client.post("/v1/search/batch", json={"questions": questions, "k": 1})
        assert response.status_code == 200 and len(response.json()["responses"]) == 100
        finished["batch"] = time.monotonic()

    with time_limit(_GUARD_S):
        runner = threading.Thread(target=batch)
        runner.start()
        _wait_for(lambda: bool(encoder.encoded))  # the batch holds the engine
        single = client.post("/v1/search", json={"question": "windmolens op zee", "k": 1})
        finished["single"] = time.monotonic()
        runner.join(_GUARD_S)
    assert single.status_code == 200
    assert finished["single"] < finished["batch"]
    position = encoder.encoded.index("windmolens op zee")
    assert position < encoder.encoded.index(questions[-1]), "the single search waited for the whole batch"
    assert len(encoder.encoded) == 101


# ---------------------------------------------------------------- 4. a batch weighs by its questions


def test_overload_limit_weighs_a_batch_by_its_questions(make_client: Callable[..., TestClient]) -> None:
    encoder = _BlockingEncoder()
    client = make_client(encoder=encoder, max_in_flight=10)
    in_flight = client.app.state.in_flight  # type: ignore[attr-defined]
    held: dict[str, int] = {}

    def batch_of_eight() -> None:
        held["status"] = client.post("/v1/search/batch", json={"questions": [f"v{i}" for i in range(8)]}).status_code

    try:
        with time_limit(_GUARD_S):
            runner = threading.Thread(target=batch_of_eight)
            runner.start()
            assert encoder.entered.wait(10)
            assert in_flight.count == 8
            refused = client.post("/v1/search/batch", json={"questions": ["a", "b", "c"]})
            assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
            assert refused.json() == {"detail": "the server is busy (10 requests in flight); retry shortly"}
            assert client.get("/v1/documents").status_code == 200  # one more request still fits
            encoder.release.set()
            runner.join(_GUARD_S)
            assert held["status"] == 200
            assert client.post("/v1/search/batch", json={"questions": ["a", "b", "c"]}).status_code == 200
            # larger than the whole limit: it runs on an idle server
            many = client.post("/v1/search/batch", json={"questions": [f"v{i}" for i in range(20)]})
            assert many.status_code == 200
            assert in_flight.count == 0
    finally:
        encoder.release.set()


def test_two_batches_admitted_together_never_refuse_each_other() -> None:
    in_flight = InFlight(limit=2)
    first, second = in_flight.admit(pending=True), in_flight.admit(pending=True)
    assert first is not None and second is not None and in_flight.admit() is None
    assert in_flight.weigh(first, questions=20)  # the other is not weighed yet: it leaves room
    assert not in_flight.weigh(second, questions=20)  # now the first fills the server
    in_flight.release(second)
    assert (in_flight.count, in_flight.pending) == (2, 0) and in_flight.admit() is None
    in_flight.release(first)
    assert (in_flight.count, in_flight.pending) == (0, 0)
