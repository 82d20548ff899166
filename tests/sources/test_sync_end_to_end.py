"""`vraagbaak sync` as a user runs it: a real process, the real model and parse worker, a served index.

The fake Tweede Kamer service on 127.0.0.1 serves real files; the server (`vraagbaak serve` with reload
polling) picks up each generation sync writes; a monitor saved before the sync lists the new answer in
its feed; a sync killed with SIGKILL in the middle resumes to the same documents, nothing indexed twice.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.service.conftest import API_KEY, Served, start_server, stop_server
from tests.sources.test_sync import PDF, TEXT, publish, real
from vraagbaak.sources.sync.state import SyncState
from vraagbaak.sources.tk.stand_in.server import FakeTkOData
from vraagbaak.store.generations import current_generation, load_index

pytestmark = pytest.mark.slow

QUESTION = "Tot wanneer loopt de internetconsultatie over de huisvesting van Nederlandse evacués?"
ZAAK = "2024Z18796"


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    """These tests load the model in subprocesses: the package's 20 s guard does not fit them."""
    signal.alarm(0)
    yield


def sync_command(index_dir: Path, model_cache: Path, fake: FakeTkOData, *args: str) -> list[str]:
    script = Path(sys.executable).parent / "vraagbaak"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "vraagbaak.cli"]
    return [*launcher, "sync", "--index", str(index_dir), *args]


def sync_env(model_cache: Path, fake: FakeTkOData) -> dict[str, str]:
    return {
        **os.environ,
        "VRAAGBAAK_MODEL_CACHE": str(model_cache),
        "VRAAGBAAK_TK_ODATA_URL": fake.base_url,
        "VRAAGBAAK_SYNC_BATCH_DOCUMENTS": "1",
        "VRAAGBAAK_LOG_LEVEL": "WARNING",
    }


def publish_zaak(fake: FakeTkOData) -> None:
    publish(fake, "Schriftelijke vragen", real("kv-tk-2024Z18796"), TEXT, koop_id="kv-tk-2024Z18796", zaak_nummer=ZAAK)
    publish(
        fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), PDF, koop_id="ah-tk-20232024-1292",
        zaak_nummer=ZAAK,
    )  # fmt: skip
    publish(
        fake, "Mededeling (uitstel antwoord)", real("1999__original.pdf"), PDF, koop_id="ah-tk-20232024-1999",
        zaak_nummer="2024Z05000",
    )  # fmt: skip


def wait_for(condition, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout_s} s: {what}")


@pytest.fixture
def served_copy(seed_index: Path, model_cache: Path, tmp_path: Path) -> Iterator[Served]:
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    server = start_server(
        index_dir, tmp_path / "data", model_cache, tmp_path / "server.log", extra_env={"VRAAGBAAK_RELOAD_POLL_S": "0.5"}
    )
    yield server
    stop_server(server)


def test_sync_fills_a_served_index_and_a_saved_search_sees_the_new_answer(
    served_copy: Served, model_cache: Path
) -> None:
    key = {"X-API-Key": API_KEY}
    monitor = httpx.post(f"{served_copy.url}/v1/monitors", json={"question": QUESTION}, headers=key, timeout=30)
    assert monitor.status_code == 201, monitor.text
    feed_url = monitor.json()["feed_url"]
    with FakeTkOData() as fake:
        publish_zaak(fake)
        done = subprocess.run(
            sync_command(served_copy.index_dir, model_cache, fake),
            env=sync_env(model_cache, fake), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 indexed" in done.stdout and "1 superseded" in done.stdout, done.stdout

    def loaded() -> bool:
        listed = httpx.get(f"{served_copy.url}/v1/documents", timeout=10).json()
        return "ah-tk-20232024-1292" in {d["doc_id"] for d in listed["documents"]}

    wait_for(loaded, 30, "the served index has the synced answer")
    detail = httpx.get(f"{served_copy.url}/v1/documents/ah-tk-20232024-1292", timeout=10).json()
    assert detail["url"] == "https://zoek.officielebekendmakingen.nl/ah-tk-20232024-1292.html"
    assert detail["source"]["zaak_nummers"] == [ZAAK]
    assert [(r["doc_id"], r["units"]) for r in detail["related"]] == [("kv-tk-2024Z18796", 0)]
    question_doc = httpx.get(f"{served_copy.url}/v1/documents/kv-tk-2024Z18796", timeout=10).json()
    assert question_doc["units"] == 0 and question_doc["related"][0]["doc_id"] == "ah-tk-20232024-1292"

    found = httpx.get(f"{served_copy.url}/v1/search", params={"q": QUESTION, "k": 3}, timeout=30).json()
    first = found["results"][0]
    assert first["unit_id"].startswith("ah-tk-20232024-1292:")
    assert first["citation"]["url"] == detail["url"]

    feed = feedparser.parse(httpx.get(feed_url, timeout=30).content)
    assert any("ah-tk-20232024-1292" in entry.id for entry in feed.entries), [e.id for e in feed.entries]


def test_sync_killed_mid_run_resumes_to_the_same_documents(seed_index: Path, model_cache: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    before = current_generation(index_dir)
    with FakeTkOData() as fake:
        publish_zaak(fake)
        env = sync_env(model_cache, fake)
        process = subprocess.Popen(
            sync_command(index_dir, model_cache, fake), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(lambda: current_generation(index_dir) != before, 240, "sync wrote its first generation")
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        interrupted = load_index(index_dir)
        assert len(interrupted.documents) < 5 + 3  # killed before the end: something was left to do

        done = subprocess.run(
            sync_command(index_dir, model_cache, fake), env=env, capture_output=True, text=True, timeout=300,
            check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    final = load_index(index_dir)
    synced = sorted(doc_id for doc_id in final.documents if not doc_id[0].isdigit())
    assert synced == ["ah-tk-20232024-1292", "ah-tk-20232024-1999", "kv-tk-2024Z18796"]
    unit_ids = [unit.unit_id for unit in final.units]
    assert len(unit_ids) == len(set(unit_ids))
    assert not any(unit.doc_id == "kv-tk-2024Z18796" for unit in final.units)
    state = SyncState(index_dir / "sync.sqlite3")
    assert state.integrity_ok()
    assert state.counts() == {"indexed": 2, "superseded": 1}
