"""The engine takes turns with the searches at work (issue 29): it waits for them before a batch, boundedly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeEncoder
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service import batching
from vraagbaak.service.activity import SearchActivity
from vraagbaak.service.batching import QueryBatcher


class _TimedEncoder(FakeEncoder):
    """Remembers when each model call began."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[float] = []

    def encode_queries(self, texts: object, *, show_progress: bool = False) -> np.ndarray:
        self.started.append(time.monotonic())
        return super().encode_queries(texts, show_progress=show_progress)  # type: ignore[arg-type]


def _search_at_work(activity: SearchActivity) -> threading.Event:
    """A served search ranking its answer, in a thread of its own, until the returned event is set."""
    finish, started = threading.Event(), threading.Event()

    def work() -> None:
        with activity.counting():
            started.set()
            finish.wait(5)

    threading.Thread(target=work, daemon=True).start()
    assert started.wait(5)
    return finish


def test_a_search_counts_except_while_it_waits_for_the_engine() -> None:
    activity = SearchActivity()
    with activity.counting():
        assert activity.working == 1
        wait = activity.begin_wait(questions=2)
        assert wait is not None and activity.working == 0
        wait.answered()
        assert activity.working == 0  # one of its two questions is still in the engine
        wait.answered()
        assert activity.working == 1  # the engine hands it back before the search has resumed
        wait.done()  # the search resumes: already counted, not twice
        assert activity.working == 1
    assert activity.working == 0


def test_a_search_that_stops_waiting_counts_once_whatever_the_engine_does_later() -> None:
    activity = SearchActivity()
    with activity.counting():
        wait = activity.begin_wait(questions=1)
        assert wait is not None
        wait.done()  # timed out in the queue
        assert activity.working == 1
        wait.answered()  # the engine answers it after all
        assert activity.working == 1
    assert activity.working == 0


def test_code_outside_a_counted_search_never_changes_the_count() -> None:
    activity = SearchActivity()
    assert activity.begin_wait(questions=1) is None  # a batcher caller that is not a served search (the CLI)
    assert activity.working == 0


def test_wait_idle_ends_when_the_last_search_leaves_and_times_out_otherwise() -> None:
    activity = SearchActivity()
    search = _search_at_work(activity)
    assert activity.wait_idle(0.01) is False
    threading.Timer(0.05, search.set).start()
    assert activity.wait_idle(5.0) is True
    assert activity.working == 0


def test_the_engine_waits_for_the_searches_at_work_before_a_batch(
    fake_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batching, "TURN_MAX_S", 5.0)  # bounded by the search leaving, not by the clock
    encoder = _TimedEncoder()
    retriever = Retriever.load(fake_index, encoder)
    activity = SearchActivity()
    batcher = QueryBatcher(max_wait_s=0.0, activity=activity)
    batcher.encode(retriever, "een eerste vraag")  # sizes the engine's turn on a model call
    batcher._last_call_s = 10.0

    search = _search_at_work(activity)
    left_at: list[float] = []

    def finish_search() -> None:
        left_at.append(time.monotonic())
        search.set()

    threading.Timer(0.1, finish_search).start()
    vector = batcher.encode(retriever, "een tweede vraag")
    batcher.close()

    assert vector.shape == (encoder.dimension,)
    assert encoder.started[-1] >= left_at[0]  # the model call began only once the search was done
    assert batcher.stats.turn_waits == 1


def test_the_engine_waits_no_longer_than_its_bound(fake_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batching, "TURN_MAX_S", 0.05)
    retriever = Retriever.load(fake_index, _TimedEncoder())
    activity = SearchActivity()
    batcher = QueryBatcher(max_wait_s=0.0, activity=activity)
    batcher.encode(retriever, "een eerste vraag")
    batcher._last_call_s = 10.0
    search = _search_at_work(activity)  # one that does not finish (a long export, a stuck client)

    batcher.encode(retriever, "een tweede vraag")
    batcher.close()
    search.set()

    assert batcher.stats.turn_waits == 1
    assert 0.04 <= batcher.stats.turn_seconds < 5.0


def test_a_lone_question_is_encoded_without_a_turn(fake_index: Path) -> None:
    retriever = Retriever.load(fake_index, _TimedEncoder())
    activity = SearchActivity()
    batcher = QueryBatcher(max_wait_s=0.0, activity=activity)
    with activity.counting():  # as the middleware counts a served search
        for question in ("een vraag", "nog een vraag"):
            batcher.encode(retriever, question)
    batcher.close()
    assert batcher.stats.turn_waits == 0  # the asking search was waiting, so nothing was at work


def test_served_searches_are_counted_while_at_work_and_released_after_any_outcome(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    activity = client.app.state.search_activity  # type: ignore[attr-defined]
    seen: list[int] = []
    batcher = client.app.state.batcher  # type: ignore[attr-defined]
    original = batcher._take_turn

    def spy() -> None:  # what the engine sees when a served search's question reaches it
        seen.append(activity.working)
        original()

    batcher._take_turn = spy
    assert client.post("/v1/search", json={"question": "windmolens op zee"}).status_code == 200
    assert client.post("/v1/search", json={"question": ""}).status_code == 422
    assert client.get("/v1/search", params={"q": "windmolens op zee"}).status_code == 200
    assert client.post("/v1/search/batch", json={"questions": ["windmolens", "zonneparken"]}).status_code == 200
    assert seen and all(working == 0 for working in seen)  # the asking search waits: nothing else at work
    assert activity.working == 0


def test_turns_can_be_switched_off(make_client: Callable[..., TestClient]) -> None:
    client = make_client(engine_turns=False)
    assert client.app.state.search_activity is None  # type: ignore[attr-defined]
    assert client.app.state.batcher.activity is None  # type: ignore[attr-defined]
    assert client.post("/v1/search", json={"question": "windmolens op zee"}).status_code == 200
