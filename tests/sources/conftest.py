"""Fixtures for the TK source tests: the fake service, a fake clock, a client wired to both, a hang guard."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vraagbaak.sources.tk import TkOData
from vraagbaak.sources.tk.stand_in.server import FakeTkOData

REPO = Path(__file__).resolve().parents[2]
TEST_LIMIT_S = 20


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    """Fail a test that hangs instead of hanging the run (the client under test talks to a real socket)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"test still running after {TEST_LIMIT_S} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_LIMIT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps; every sleep is recorded."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeTkOData]:
    with FakeTkOData() as server:
        yield server


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake: FakeTkOData, fake_time: FakeTime) -> Iterator[Callable[..., TkOData]]:
    """Clients on the fake service with injected time: no test ever really sleeps between retries."""
    clients: list[TkOData] = []

    def make(**overrides: Any) -> TkOData:
        base_url = overrides.pop("base_url", fake.base_url)
        options: dict[str, Any] = {
            "timeout_s": 5.0,
            "max_retries": 3,
            "requests_per_second": None,
            "backoff_base_s": 1.0,
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
            "jitter": lambda: 0.5,
        }
        options.update(overrides)
        client = TkOData(base_url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def real_pdf() -> bytes:
    """A real Aanhangsel PDF from the shared corpus if this checkout has one, else a minimal valid PDF."""
    docs = REPO.parent / "shared" / "realdocs" / "docs"
    found = sorted(docs.glob("*__original.pdf")) if docs.is_dir() else []
    if found:
        return found[0].read_bytes()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
