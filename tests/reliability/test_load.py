"""Load on loopback against the real server: overload answers 503 fast, a soak loses nothing.

The soak runs concurrency 32 of mixed search / batch / unit requests for
`--soak-seconds` (60 in CI) while a document is added and removed and the
index reloaded every few seconds. Every request must succeed, every
response must come from one index version, and RSS must stay flat.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS
from tests.service.conftest import API_KEY, Served, start_server, stop_server

pytestmark = pytest.mark.slow

ADMIN = {"X-API-Key": API_KEY}
SOAK_DOC = "soak_doc"
QUESTIONS = [
    "Welke landen zijn onze belangrijkste handelspartners?",
    "Hoe staat het met de Europese havenstrategie?",
    "What does the government do about export credit insurance?",
    "Welke handelsmissies naar hoge risico landen zijn gepland?",
]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def server(seed_index: Path, model_cache: Path, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    extra = getattr(request, "param", {})
    served = start_server(index_dir, tmp_path / "data", model_cache, tmp_path / "server.log", extra_env=extra)
    yield served
    stop_server(served)


@pytest.mark.parametrize("server", [{"VRAAGBAAK_MAX_IN_FLIGHT": "2"}], indirect=True)
def test_overload_answers_503_with_retry_after_quickly(server: Served) -> None:
    async def burst() -> list[tuple[int, float, str | None]]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:

            async def one(i: int) -> tuple[int, float, str | None]:
                started = time.perf_counter()
                response = await client.post("/v1/search/batch", json={"questions": QUESTIONS * 5, "k": 10})
                return response.status_code, time.perf_counter() - started, response.headers.get("retry-after")

            return await asyncio.gather(*(one(i) for i in range(24)))

    results = asyncio.run(burst())
    refused = [r for r in results if r[0] == 503]
    served_ok = [r for r in results if r[0] == 200]
    assert refused and served_ok and len(refused) + len(served_ok) == len(results)
    assert all(retry == "1" for _, _, retry in refused)
    assert max(t for _, t, _ in refused) < min(max(t for _, t, _ in served_ok), 5.0)  # refused before the work
    assert httpx.get(f"{server.url}/v1/search", params={"q": "handel"}, timeout=30).status_code == 200
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_soak_mixed_load_during_updates_loses_nothing(server: Served, request: pytest.FixtureRequest) -> None:
    seconds = float(request.config.getoption("--soak-seconds"))
    soak_text = (SEEDS / "004_983e7923bac65099.txt").read_text(encoding="utf-8")
    has_soak_doc: dict[str, bool] = {}  # generation -> whether the soak document is in it
    failures: list[str] = []
    latencies: list[float] = []
    rss_series: list[int] = []
    checked = 0

    async def run() -> tuple[int, int]:
        nonlocal checked
        deadline = time.monotonic() + seconds
        warm_at = time.monotonic() + min(15.0, seconds / 4)
        rss_warm = 0
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            generation = (await client.get("/v1/search", params={"q": "handel"})).json()["index_generation"]
            has_soak_doc[generation] = False

            async def updater() -> None:
                present = False
                while time.monotonic() < deadline:
                    if present:
                        response = await client.delete(f"/v1/documents/{SOAK_DOC}", headers=ADMIN)
                    else:
                        response = await client.post(
                            "/v1/documents", json={"doc_id": SOAK_DOC, "text": soak_text}, headers=ADMIN
                        )
                    if response.status_code not in (200, 201):
                        failures.append(f"update: {response.status_code} {response.text[:200]}")
                        return
                    present = not present
                    has_soak_doc[response.json()["index_generation"]] = present
                    await asyncio.sleep(2)
                    reload = await client.post("/v1/admin/reload", headers=ADMIN)
                    if reload.status_code != 200:
                        failures.append(f"reload: {reload.status_code} {reload.text[:200]}")
                        return
                    has_soak_doc[reload.json()["index_generation"]] = present
                    await asyncio.sleep(2)

            async def worker(n: int) -> None:
                nonlocal checked
                i = n
                while time.monotonic() < deadline:
                    i += 1
                    question = QUESTIONS[i % len(QUESTIONS)]
                    started = time.perf_counter()
                    if i % 5 == 0:
                        response = await client.post("/v1/search/batch", json={"questions": QUESTIONS, "k": 5})
                        bodies = response.json().get("responses", []) if response.status_code == 200 else []
                    elif i % 5 == 1:
                        response = await client.get("/v1/units/002_e3bd35554880f1b2:15")
                        bodies = []
                    else:
                        response = await client.post("/v1/search", json={"question": question, "k": 10})
                        bodies = [response.json()] if response.status_code == 200 else []
                    latencies.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        failures.append(f"{response.request.url.path}: {response.status_code} {response.text[:200]}")
                    for body in bodies:
                        soak_units = [r for r in body["results"] if r["doc_id"] == SOAK_DOC]
                        checked += 1
                        generation = body["index_generation"]
                        if soak_units and generation in has_soak_doc and not has_soak_doc[generation]:
                            failures.append(f"generation {generation} answered with units of a removed document")

            async def sample_rss() -> None:
                nonlocal rss_warm
                await asyncio.sleep(max(0.0, warm_at - time.monotonic()))
                rss_warm = _rss_kib(server.process.pid)
                while time.monotonic() < deadline:  # the curve, for the report: a plateau or a slope
                    rss_series.append(_rss_kib(server.process.pid) // 1024)
                    await asyncio.sleep(5)

            await asyncio.gather(updater(), sample_rss(), *(worker(n) for n in range(32)))
        return rss_warm, _rss_kib(server.process.pid)

    rss_warm, rss_end = asyncio.run(run())
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000
    print(
        f"\nsoak {seconds:.0f} s: {len(latencies)} requests, p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {p99:.0f} ms, {len(has_soak_doc)} generations, RSS {rss_warm / 1024:.0f} -> {rss_end / 1024:.0f} MiB, "
        f"every 5 s: {rss_series}"
    )
    assert failures == [], failures[:5]
    assert checked > 100 and len(has_soak_doc) >= 3
    assert rss_end <= rss_warm * 1.10, f"RSS grew {rss_warm} -> {rss_end} KiB"
