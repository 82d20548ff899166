"""The reliability campaign of issue 30: kill -9 trials, API fuzzing, a soak and a full disk, bounded and rerunnable.

    .venv/bin/python -m tests.reliability.campaign --kill-trials 100 --fuzz-cases 10000 \\
        --soak-clients 32 --soak-seconds 600 --window-seconds 60 --out campaign.json

Everything talks to 127.0.0.1 only and uses the real store, service, parse worker and monitors database
with the keyword encoder (tests/fakes.py), so the figures are about the service, not the model. Each
section is bounded by its count and by `--max-minutes`; the exit status is 1 when any check failed.
`tests/reliability/test_campaign.py` runs a short version in CI; docs/reliability.md has a full run.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REPO
from tests.fakes import FakeEncoder
from tests.reliability.crash_driver import ADDED, NEW_BUILD, OLD
from tests.service.conftest import build_fake_index, free_port
from vraagbaak.errors import IndexWriteError
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.monitors.store import MonitorStore
from vraagbaak.store.builder import add_documents, build_index, remove_documents
from vraagbaak.store.generations import load_index

OPERATIONS = ("build", "add", "remove", "upload", "sync")
TEXT_TYPE = "text/plain; charset=utf-8"
REALDOCS = REPO.parent / "shared" / "realdocs" / "docs"
# What the stand-in source serves to `sync`: (Soort, file in ../shared/realdocs, content type, KOOP id, Zaak).
# A question and its answer share a Zaak (the answer supersedes the question), a postponement notice has its own.
SYNC_SOURCE = (
    ("Antwoord schriftelijke vragen", "1292__original.pdf", "application/pdf", "ah-tk-20232024-1292", "2024Z18796"),
    ("Schriftelijke vragen", "kv-tk-2024Z18796", TEXT_TYPE, "kv-tk-2024Z18796", "2024Z18796"),
    ("Mededeling (uitstel antwoord)", "1999__original.pdf", "application/pdf", "ah-tk-20232024-1999", "2024Z05000"),
    ("Antwoord schriftelijke vragen", "2313__original.pdf", "application/pdf", "ah-tk-20232024-2313", "2024Z06001"),
    ("Antwoord schriftelijke vragen", "2367__original.pdf", "application/pdf", "ah-tk-20232024-2367", "2024Z06002"),
    ("Antwoord schriftelijke vragen", "1178__original.pdf", "application/pdf", "ah-tk-20232024-1178", "2024Z06003"),
)
RUN_LIMIT_S = 600  # an uninterrupted writer that takes longer than this is a finding, not a wait
SOAK_KEY = "soak-sleutel-0123456789abcdef"
# What no error body may name: an exception class, a traceback, a server path, a library.
LEAK = re.compile(
    r"\b[A-Z]\w*(Error|Exception)\b|Traceback|File \"|\.py\b|site-packages|"
    r"(?<![\w.])/(tmp|home|work|usr|var|root|etc)/|(?i:pdfium|zipfile|lxml|pydantic|starlette|sqlite)"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- kill -9


def _documents(index_dir: Path) -> dict[str, int]:
    """Document id -> unit count of the loaded index (loading verifies every checksum)."""
    content = load_index(index_dir)
    counts: dict[str, int] = {}
    for unit in content.units:
        counts[unit.doc_id] = counts.get(unit.doc_id, 0) + 1
    return counts


def _fingerprint(index_dir: Path) -> tuple[dict[str, tuple[str, int]], int]:
    """(document id -> (content hash, units), unit ids held twice) of the loaded index."""
    content = load_index(index_dir)
    units: dict[str, int] = {}
    for unit in content.units:
        units[unit.doc_id] = units.get(unit.doc_id, 0) + 1
    twice = len(content.units) - len({unit.unit_id for unit in content.units})
    return {doc_id: (doc.content_hash, units.get(doc_id, 0)) for doc_id, doc in content.documents.items()}, twice


def _sync_source() -> list[tuple[str, bytes, str, str, str]]:
    """The files the stand-in serves: real ones from ../shared/realdocs, else the prose of seeds/ as text."""
    found = {part: sorted(REALDOCS.glob(f"*{part}*")) if REALDOCS.is_dir() else [] for _, part, *_ in SYNC_SOURCE}
    if all(len(files) == 1 for files in found.values()):
        return [(soort, found[part][0].read_bytes(), kind, koop, zaak) for soort, part, kind, koop, zaak in SYNC_SOURCE]
    seeds = sorted((REPO / "seeds").glob("*.txt"))
    return [
        ("Antwoord schriftelijke vragen", seed.read_bytes(), TEXT_TYPE, f"ah-seed-{n}", f"2024Z0700{n}")
        for n, seed in enumerate(seeds)
    ]


@contextlib.contextmanager
def _stand_in(root: Path) -> Iterator[tuple[Any, dict[str, str], list[str]]]:
    """The stand-in OData source on 127.0.0.1 with SYNC_SOURCE published: (server, environment of `sync`,
    the entities' Ids)."""
    from vraagbaak.sources.tk.stand_in.entities import tk_document
    from vraagbaak.sources.tk.stand_in.server import FakeTkOData

    with FakeTkOData() as fake:
        ids = []
        for n, (soort, data, content_type, koop_id, zaak) in enumerate(_sync_source()):
            ids.append(fake.add(tk_document(soort, nummer=f"2024D3000{n}", koop_id=koop_id, zaak_nummer=zaak)))
            fake.set_file(ids[-1], data, content_type)
        yield (
            fake,
            {
                "VRAAGBAAK_TK_ODATA_URL": fake.base_url,
                "VRAAGBAAK_SYNC_BATCH_DOCUMENTS": "1",  # a generation per document: many points for a kill to land
                "VRAAGBAAK_SYNC_REQUESTS_PER_SECOND": "50",
                "VRAAGBAAK_SYNC_TIMEOUT_S": "30",
                "VRAAGBAAK_MODEL_CACHE": str(root / "models"),
                "VRAAGBAAK_LOG_LEVEL": "WARNING",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            },
            ids,
        )


def _sync_states(index_dir: Path) -> dict[str, str]:
    """Document id -> state of every entity the sync database has committed (empty when there is none yet)."""
    db = index_dir / "sync.sqlite3"
    if not db.exists():
        return {}
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return {doc_id: state for doc_id, state in connection.execute("SELECT doc_id, state FROM entities")}


def _reference(root: Path, sync_env: dict[str, str], operations: tuple[str, ...]) -> dict[str, Any]:
    old = root / "old"
    build_index(OLD, FakeEncoder(), old)  # type: ignore[arg-type]
    MonitorStore(old / "monitors.sqlite3").create("Hoeveel haven?", "{}", None, None, ["doc_a", "doc_b"])
    made: dict[str, Any] = {"old": old, "lifetimes": {}}
    for operation in operations:  # each writer once, uninterrupted: the new version, and its lifetime
        target = root / operation
        shutil.copytree(old, target)
        watch = {"path": target / "sync.sqlite3"}
        started = time.perf_counter()
        _run(target, operation, None, sync_env, watch if operation == "sync" else None)
        made["lifetimes"][operation] = time.perf_counter() - started
        if "seen_s" in watch:
            made["sync_writes_from_s"] = watch["seen_s"]
        made[operation] = _documents(target)
    made["old_documents"] = _documents(old)
    made["old_fingerprint"], _ = _fingerprint(old)
    if "sync" in operations:
        made["sync_fingerprint"], _ = _fingerprint(root / "sync")
        made["sync_states"] = _sync_states(root / "sync")
    return made


def _check_sync(index_dir: Path, reference: dict[str, Any], env: dict[str, str]) -> tuple[str | None, list[str]]:
    """A killed sync: (old | new | between, problems). Each document in the index is in its old or its synced
    form; none the sync database has committed as indexed is missing; a rerun ends as the uninterrupted run."""
    old, new = reference["old_fingerprint"], reference["sync_fingerprint"]
    problems: list[str] = []
    try:
        got, twice = _fingerprint(index_dir)
    except Exception as error:  # the index does not load: the worst outcome
        return None, [f"index does not load: {error}"]
    state = "old" if got == old else "new" if got == new else "between"
    if state == "between":
        if any(got.get(doc_id) != form for doc_id, form in old.items()):
            problems.append("a document the sync does not touch changed or went missing")
        strays = sorted(doc_id for doc_id, form in got.items() if doc_id not in old and new.get(doc_id) != form)
        if strays:
            problems.append(f"documents in neither their old nor their synced form: {strays}")
    if twice:
        problems.append(f"{twice} unit ids held twice")
    missing = sorted(d for d, s in _sync_states(index_dir).items() if s == "indexed" and d not in got)
    if missing:
        problems.append(f"committed as indexed in sync.sqlite3 but not in the index: {missing}")
    if (index_dir / "sync.sqlite3").exists() and (integrity := _integrity(index_dir / "sync.sqlite3")) != "ok":
        problems.append(f"sync database: {integrity}")
    try:
        _run(index_dir, "sync", None, env)  # always: a finished sync run again has nothing to do
        again, twice = _fingerprint(index_dir)
    except Exception as error:  # a finding, not the end of the campaign
        return state, [*problems, f"the rerun failed: {str(error)[-500:]}"]
    if again != new:
        lost = sorted(set(new) - set(again))
        differ = sorted(d for d in again if new.get(d) != again[d])
        problems.append(f"the rerun differs from an uninterrupted sync: missing {lost}, different {differ}")
    if twice:
        problems.append(f"after the rerun {twice} unit ids are held twice")
    if (states := _sync_states(index_dir)) != reference["sync_states"]:
        problems.append(f"sync.sqlite3 after the rerun differs from an uninterrupted sync's: {sorted(states.items())}")
    return state, problems


def _run(
    index_dir: Path,
    operation: str,
    kill_after: float | None,
    env: dict[str, str] | None = None,
    watch: dict[str, Any] | None = None,
) -> bool:
    """The crash driver on `index_dir`; killed with SIGKILL after `kill_after` s. True when it finished.

    With `watch` ({"path": Path}), the seconds after the start at which that path first existed are put in
    it as "seen_s" (polled every 5 ms): when a writer starts writing, after its imports and start-up.
    """
    limit = RUN_LIMIT_S if kill_after is None else kill_after
    with tempfile.TemporaryFile() as stderr:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_driver", str(index_dir), operation],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, **(env or {}), "PYTHONPATH": str(REPO)},
            start_new_session=True,  # the parse worker it starts goes with it
        )
        while process.poll() is None:
            now = time.monotonic()
            if watch is not None and "seen_s" not in watch and Path(watch["path"]).exists():
                watch["seen_s"] = now - started
            if now - started >= limit:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                if kill_after is None:
                    raise RuntimeError(f"crash driver {operation} did not finish within {RUN_LIMIT_S} s")
                return False
            time.sleep(0.005)
        stderr.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"crash driver {operation} failed: {stderr.read().decode(errors='replace')[-2000:]}")
        return True


def _integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def kill_trials(
    trials: int, root: Path, deadline: float, seed: int, operations: tuple[str, ...] = OPERATIONS
) -> dict[str, Any]:
    rng = random.Random(seed)
    with _stand_in(root) as (_, sync_env, _):
        reference = _reference(root / "reference", sync_env, operations)
        lifetimes: dict[str, float] = reference["lifetimes"]
        counts: dict[str, Any] = {"trials": 0, "killed": 0, "old": 0, "new": 0, "between": 0, "failures": []}
        per_operation = {operation: {"trials": 0, "killed": 0, "old": 0, "new": 0} for operation in operations}
        per_operation.get("sync", {})["between"] = 0
        for trial in range(trials):
            if time.monotonic() > deadline:
                break
            operation = operations[trial % len(operations)]
            index_dir = root / f"trial-{trial}" / "index"
            shutil.copytree(reference["old"], index_dir)
            delay = rng.uniform(0.05, 1.0) * lifetimes[operation]
            if operation == "sync" and rng.random() < 0.75:
                # Most of a sync's first second or two is imports and the parse worker's start, which write
                # nothing: three sync kills in four land where it writes (state database, fetches, generations).
                delay = rng.uniform(reference.get("sync_writes_from_s", 0.0), lifetimes["sync"])
            killed = not _run(index_dir, operation, delay, sync_env)
            if operation == "sync":
                state, problems = _check_sync(index_dir, reference, sync_env)
            else:
                state, problems = _check_write(index_dir, operation, reference)
            integrity = _integrity(index_dir / "monitors.sqlite3")
            if integrity != "ok":
                problems.append(f"monitors database: {integrity}")
            if list(index_dir.glob(".tmp-*")):
                problems.append("temporary files left behind after the rerun")
            counts["trials"] += 1
            counts["killed"] += killed
            per_operation[operation]["trials"] += 1
            per_operation[operation]["killed"] += killed
            if state is not None:
                counts[state] += 1
                per_operation[operation][state] += 1
            if problems:
                failure = {"trial": trial, "operation": operation, "delay_s": round(delay, 3), "problems": problems}
                counts["failures"].append(failure)
                kept = Path(tempfile.gettempdir()) / f"vraagbaak-campaign-kept-{os.getpid()}" / f"trial-{trial}"
                shutil.copytree(index_dir, kept, dirs_exist_ok=True)  # the evidence, beyond the campaign's folder
                failure["kept"] = str(kept)
            shutil.rmtree(index_dir.parent)
    counts["per_operation"] = per_operation
    if "sync" in operations:  # what an uninterrupted sync leaves: every trial's rerun must end there
        counts["sync_reference"] = {
            "units": {doc_id: units for doc_id, (_, units) in reference["sync_fingerprint"].items()},
            "states": reference["sync_states"],
        }
    counts["lifetimes_s"] = {k: round(v, 2) for k, v in lifetimes.items()}
    if "sync_writes_from_s" in reference:
        counts["sync_writes_from_s"] = round(reference["sync_writes_from_s"], 2)
    return counts


def _check_write(index_dir: Path, operation: str, reference: dict[str, Any]) -> tuple[str | None, list[str]]:
    """A killed build, add, remove or upload: (old | new, problems); the index is exactly one or the other,
    and a rerun (of what is not finished) leaves exactly the new version."""
    problems = []
    try:
        got = _documents(index_dir)
    except Exception as error:  # the index does not load: the worst outcome
        got, problems = {}, [f"index does not load: {error}"]
    state = "old" if got == reference["old_documents"] else "new" if got == reference[operation] else None
    if state is None and not problems:
        problems.append(f"neither old nor new: {sorted(got.items())}")
    try:
        if state != "new":  # the rerun finishes the work (a removal done already has nothing left to do)
            _run(index_dir, operation, None)
        again = _documents(index_dir)
    except Exception as error:  # a finding, not the end of the campaign
        again, problems = {}, [*problems, f"the rerun failed: {str(error)[-500:]}"]
    if again and again != reference[operation]:
        problems.append(f"rerun left {sorted(again.items())}, not the new version (lost or doubled)")
    return state, problems


# ---------------------------------------------------------------- fuzzing


def fuzz(cases: int, root: Path, deadline: float) -> dict[str, Any]:
    import schemathesis
    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, given, settings

    from tests.service.conftest import API_KEY
    from vraagbaak.service.app import create_app
    from vraagbaak.service.settings import ServiceSettings

    index_dir = root / "index"
    build_fake_index(index_dir, FakeEncoder())
    service_settings = ServiceSettings(
        index_dir=index_dir,
        data_dir=root / "data",
        model_cache=root / "models",
        api_key=API_KEY,
        batch_wait_ms=0.0,
        key_failures_per_minute=10_000,
    )
    app = create_app(service_settings, retriever=Retriever.load(index_dir, FakeEncoder()))
    found: dict[str, Any] = {"cases": 0, "server_errors": 0, "leaks": [], "operations": 0, "failures": []}
    with TestClient(app):
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        found["operations"] = len(operations)
        per_operation = max(1, cases // len(operations))
        for operation in operations:
            if time.monotonic() > deadline:
                break

            @given(case=operation.as_strategy())
            @settings(max_examples=per_operation, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def one(case: schemathesis.Case) -> None:
                if time.monotonic() > deadline:
                    return
                case.headers = {**(case.headers or {}), "X-API-Key": API_KEY}
                response = case.call()
                found["cases"] += 1
                if response.status_code >= 500:
                    found["server_errors"] += 1
                if response.status_code >= 400 and (leak := LEAK.search(response.text)) and len(found["leaks"]) < 20:
                    found["leaks"].append(f"{case.operation.label} {response.status_code}: {leak.group(0)!r}")

            try:
                one()
            except Exception as error:
                found["failures"].append(f"{operation.label}: {str(error)[:500]}")
    return found


# ---------------------------------------------------------------- soak


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


@contextlib.contextmanager
def _server(index_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    # VRAAGBAAK_SOAK_SERVER_LOG=FILE keeps the server's log (an error's traceback) beyond the campaign's folder.
    log_path = os.environ.get("VRAAGBAAK_SOAK_SERVER_LOG")
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - closed with the server, below
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.soak_server", str(index_dir), str(port), SOAK_KEY],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the soak server did not become ready")
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log is not None:
            log.close()


def _sync_loop(
    index_dir: Path, every_s: float, stop: float, root: Path, done: dict[str, Any]
) -> contextlib.AbstractContextManager[None]:
    """`vraagbaak sync` (the crash driver's) into the served index every `every_s` s until `stop`, each run
    after the source edited one entity, so each run has a document to fetch, parse and write."""

    @contextlib.contextmanager
    def running() -> Iterator[None]:
        if every_s <= 0:
            yield
            return
        with _stand_in(root) as (fake, env, ids):

            def loop() -> None:
                n = 0
                while time.monotonic() + every_s < stop:
                    time.sleep(every_s)
                    if n:  # the first run takes everything; each later one finds one entity edited
                        fake.change(ids[n % len(ids)], Onderwerp=f"Bijgewerkt onderwerp, ronde {n}")
                    n += 1
                    try:
                        _run(index_dir, "sync", None, env)
                        done["runs"] += 1
                    except RuntimeError as error:
                        done["failed"].append(str(error)[-500:])

            thread = threading.Thread(target=loop, daemon=True)
            thread.start()
            try:
                yield
            finally:
                thread.join(timeout=RUN_LIMIT_S)

    return running()


def soak(
    clients: int,
    seconds: float,
    window_s: float,
    root: Path,
    sync_every_s: float = 0.0,
    writes: bool = True,
    feeds: bool = True,
) -> dict[str, Any]:
    """C clients searching for `seconds`; one of them also uploads and removes (`writes`), all read the
    monitor's feed now and then (`feeds`), and a sync runs every `sync_every_s` s (0: none). Switching one
    off tells which part of the load a finding comes with."""
    index_dir = root / "index"
    build_fake_index(index_dir, FakeEncoder())
    synced: dict[str, Any] = {"every_s": sync_every_s, "runs": 0, "failed": []}
    key = {"X-API-Key": SOAK_KEY}
    questions = ["Hoeveel windmolens komen er op zee?", "exportbevordering geld", "handelsmissie India", "subsidie"]
    latencies: list[tuple[float, float]] = []  # (time since start, seconds) of searches
    failed: list[str] = []
    counts = {"searches": 0, "feeds": 0, "uploads": 0, "removals": 0}
    lock = threading.Lock()
    with _server(index_dir) as (url, process):
        monitor = httpx.post(f"{url}/v1/monitors", json={"question": questions[0]}, headers=key, timeout=30).json()
        start = time.monotonic()
        stop = start + seconds
        rss: list[tuple[int, int]] = []
        sync_loop = _sync_loop(index_dir, sync_every_s, stop, root / "sync", synced)

        def client(number: int) -> None:
            rng = random.Random(number)
            with httpx.Client(base_url=url, timeout=60) as http:
                n = 0
                while time.monotonic() < stop:
                    n += 1
                    roll = rng.random()
                    try:
                        # one client writes: uploads and removals, as an editor would
                        if writes and number == 0 and roll < 0.2:
                            doc_id = f"soak-{n % 5}"
                            if rng.random() < 0.5:
                                question = f"{rng.choice(questions)} ronde {n}"
                                text = f"Soak {n}\n\nVraag 1\n{question}\n\nAntwoord 1\nAntwoord {n}.\n"
                                response = http.post(
                                    "/v1/documents",
                                    params={"doc_id": doc_id},
                                    content=text.encode(),
                                    headers={**key, "Content-Type": "text/plain"},
                                )
                                ok, what = response.status_code in (200, 201), "uploads"
                            else:
                                response = http.delete(f"/v1/documents/{doc_id}", headers=key)
                                ok, what = response.status_code in (204, 200, 404), "removals"
                        elif feeds and roll < 0.1:
                            response = http.get(monitor["feed_url"])
                            ok, what = response.status_code == 200, "feeds"
                        else:
                            began = time.monotonic()
                            response = http.get("/v1/search", params={"q": rng.choice(questions), "k": 5})
                            ok, what = response.status_code == 200, "searches"
                            with lock:
                                latencies.append((began - start, time.monotonic() - began))
                    except httpx.HTTPError as error:
                        ok, what, response = False, "transport", None
                        with lock:
                            failed.append(f"{type(error).__name__}")
                    with lock:
                        counts[what] = counts.get(what, 0) + 1
                        if not ok and response is not None:
                            failed.append(f"{what} {response.status_code} {response.text[:200]}")

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
        with sync_loop:
            for thread in threads:
                thread.start()
            while time.monotonic() < stop:
                time.sleep(min(1.0, max(0.0, stop - time.monotonic())))
                rss.append((int(time.monotonic() - start), _rss_kib(process.pid)))
            for thread in threads:
                thread.join(timeout=120)
        if sync_every_s > 0:  # the served index took the synced documents (reload polling, and its own writes)
            time.sleep(3)
            served = httpx.get(f"{url}/v1/documents", timeout=30).json()["documents"]
            synced["served_synced_documents"] = sum(1 for d in served if d["doc_id"].startswith(("ah-", "kv-")))
    try:  # after all the writers (uploads, removals, syncs): the index loads, no unit twice
        synced["units_held_twice_after"] = _fingerprint(index_dir)[1]
    except Exception as error:
        synced["units_held_twice_after"] = f"the index does not load: {error}"
    windows = []
    for begin in range(0, int(seconds), int(window_s)):
        inside = [latency for at, latency in latencies if begin <= at < begin + window_s]
        rss_in = [kib for at, kib in rss if begin <= at < begin + window_s]
        windows.append(
            {
                "window_s": f"{begin}-{begin + int(window_s)}",
                "searches": len(inside),
                "p99_ms": round(_p99(inside) * 1000, 1),
                "rss_mib": round(max(rss_in) / 1024, 1) if rss_in else None,
            }
        )
    warm = [w["rss_mib"] for w in windows[1:] if w["rss_mib"]] or [w["rss_mib"] for w in windows if w["rss_mib"]]
    growth = (warm[-1] / warm[0] - 1) * 100 if len(warm) >= 2 else 0.0
    return {
        "clients": clients,
        "seconds": seconds,
        "counts": counts,
        "failed": len(failed),
        "failed_examples": failed[:10],
        "windows": windows,
        "rss_growth_after_warmup_pct": round(growth, 1),
        "sync_loop": synced,
    }


# ---------------------------------------------------------------- a full disk


def disk_full(root: Path) -> dict[str, Any]:
    """A small tmpfs, filled up: the write fails with a clear error, the old index loads, nothing half-written."""
    mount = root / "tmpfs"
    mount.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        return {"ran": False, "why": f"no tmpfs could be mounted ({error}); run as root"}
    try:
        index_dir = mount / "index"
        build_index(OLD, FakeEncoder(), index_dir)  # type: ignore[arg-type]
        before = _documents(index_dir)
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * max(0, free - 256 * 1024))  # leave 256 KiB: the write starts
        results: dict[str, Any] = {"ran": True}
        for name, write in (
            ("build", lambda: build_index(NEW_BUILD, FakeEncoder(), index_dir)),  # type: ignore[arg-type]
            ("add", lambda: add_documents([ADDED], FakeEncoder(), index_dir)),  # type: ignore[list-item]
            ("remove", lambda: remove_documents(["doc_b"], index_dir)),
        ):
            try:
                write()
                outcome = "succeeded (fit in the space left)"
            except IndexWriteError as error:
                outcome = (
                    "IndexWriteError: disk full"
                    if isinstance(error.__cause__, OSError) and (error.__cause__.errno == errno.ENOSPC)
                    else f"IndexWriteError: {error}"
                )
            except Exception as error:  # any other error is a finding
                outcome = f"unexpected {type(error).__name__}: {error}"
            results[name] = {
                "outcome": outcome,
                "old_index_loads": _documents(index_dir) == before,
                "left_behind": sorted(p.name for p in index_dir.glob(".tmp-*")),
            }
        results["sync"] = _sync_on_a_full_disk(index_dir, before, root)
        return results
    finally:
        subprocess.run(["umount", str(mount)], check=False, capture_output=True)


def _sync_on_a_full_disk(index_dir: Path, before: dict[str, int], root: Path) -> dict[str, Any]:
    """`vraagbaak sync` (the crash driver's, a process of its own) into the full index: it stops with the
    store's disk-full message, the old index loads, no entity is committed as indexed that is not in it."""
    with _stand_in(root / "disk-sync") as (_, env, _):
        try:
            _run(index_dir, "sync", None, env)
            outcome = "succeeded (fit in the space left)"
        except RuntimeError as error:
            text = str(error)
            outcome = "sync failed: disk full" if "the disk is full" in text else f"unexpected: {text[-600:]}"
    try:
        loads = _documents(index_dir) == before
        held = set(load_index(index_dir).documents)
    except Exception:  # the index does not load
        loads, held = False, set()
    committed = sorted(d for d, state in _sync_states(index_dir).items() if state == "indexed" and d not in held)
    return {
        "outcome": outcome,
        "old_index_loads": loads,
        "left_behind": sorted(p.name for p in index_dir.glob(".tmp-*")),
        "committed_not_indexed": committed,
    }


# ---------------------------------------------------------------- the whole


def verdict(report: dict[str, Any]) -> list[str]:
    """Every failed check, in words; empty when all held."""
    problems = []
    kills = report.get("kills")
    if kills is not None:
        problems += [f"kill trial {f['trial']} ({f['operation']}): {f['problems']}" for f in kills["failures"]]
    fuzzed = report.get("fuzz")
    if fuzzed is not None:
        if fuzzed["server_errors"]:
            problems.append(f"fuzz: {fuzzed['server_errors']} responses were 5xx")
        problems += [f"fuzz leak: {leak}" for leak in fuzzed["leaks"]] + [f"fuzz: {f}" for f in fuzzed["failures"]]
    soaked = report.get("soak")
    if soaked is not None and soaked["failed"]:
        problems.append(f"soak: {soaked['failed']} failed requests, e.g. {soaked['failed_examples'][:3]}")
    if soaked is not None and soaked["sync_loop"]["failed"]:
        problems.append(f"soak: sync runs failed: {soaked['sync_loop']['failed'][:3]}")
    if soaked is not None and soaked["sync_loop"]["runs"] and not soaked["sync_loop"].get("served_synced_documents"):
        problems.append("soak: the server does not serve the documents the sync loop wrote")
    if soaked is not None and soaked["sync_loop"].get("units_held_twice_after"):
        problems.append(f"soak: after the soak {soaked['sync_loop']['units_held_twice_after']} (units held twice)")
    disk = report.get("disk_full")
    if disk is not None and disk.get("ran"):
        for name in ("build", "add", "remove", "sync"):
            result = disk.get(name)
            if result is None:
                continue
            if not result["old_index_loads"] and not result["outcome"].startswith("succeeded"):
                problems.append(f"disk full during {name}: the old index does not load")
            if result["left_behind"] or result.get("committed_not_indexed") or result["outcome"].startswith("unex"):
                problems.append(f"disk full during {name}: {result}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.campaign", description=__doc__.split("\n")[0])
    parser.add_argument("--kill-trials", type=int, default=100)
    parser.add_argument("--fuzz-cases", type=int, default=10_000)
    parser.add_argument("--soak-clients", type=int, default=32)
    parser.add_argument("--soak-seconds", type=float, default=3600.0)
    parser.add_argument("--window-seconds", type=float, default=300.0)
    parser.add_argument(
        "--soak-sync-every", type=float, default=30.0, help="seconds between sync runs during the soak; 0: none"
    )
    parser.add_argument("--soak-no-writes", action="store_true", help="no uploads or removals during the soak")
    parser.add_argument("--soak-no-feeds", action="store_true", help="no feed reads during the soak")
    parser.add_argument("--no-disk-full", action="store_true", help="skip the tmpfs section (needs root)")
    parser.add_argument("--max-minutes", type=float, default=120.0, help="stop starting kill trials and fuzz cases")
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None, help="write the report as JSON here")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.max_minutes * 60
    report: dict[str, Any] = {"arguments": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="vraagbaak-campaign-") as folder:
        root = Path(folder)
        for name, section in (
            ("kills", lambda: kill_trials(args.kill_trials, root / "kills", deadline, args.seed)),
            ("fuzz", lambda: fuzz(args.fuzz_cases, root / "fuzz", deadline)),
            (
                "soak",
                lambda: soak(
                    args.soak_clients,
                    args.soak_seconds,
                    args.window_seconds,
                    root / "soak",
                    args.soak_sync_every,
                    writes=not args.soak_no_writes,
                    feeds=not args.soak_no_feeds,
                ),
            ),
            ("disk_full", lambda: None if args.no_disk_full else disk_full(root)),
        ):
            started = time.perf_counter()
            log(f"campaign: {name} ...")
            result = section()
            if result is not None:
                result["took_s"] = round(time.perf_counter() - started, 1)
                report[name] = result
                log(f"campaign: {name} done in {result['took_s']} s")
    report["problems"] = verdict(report)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
