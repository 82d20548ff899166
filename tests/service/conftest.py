"""Fixtures for the API tests: tiny FakeEncoder indexes for most, one real server for the end-to-end ones."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.store.builder import build_index
from vraagbaak.units import DocumentKind

API_KEY = "test-sleutel-123"
REPO = Path(__file__).resolve().parents[2]

EXPORT = "export"
ENERGY = "energie"


def build_fake_index(index_dir: Path, encoder: FakeEncoder) -> None:
    """Two documents with hand-made units; words chosen so the FakeEncoder ranks them exactly."""
    export = qa_document(
        EXPORT,
        [
            ("Hoeveel geld gaat naar exportbevordering?", "Er gaat 10 miljoen euro naar exportbevordering."),
            ("Welke landen bezoekt de handelsmissie?", "De handelsmissie bezoekt India en Indonesië."),
            ("Wat kost de exportkredietverzekering?", "Zie het antwoord op vraag 1. De premie dekt de kosten."),
        ],
        parties=["VVD", "D66", "VVD"],
        date="2025-06-01",
    )
    energy = qa_document(
        ENERGY,
        [
            ("Hoeveel windmolens komen er op zee?", "Er komen 200 windmolens op zee bij."),
            ("Wat kost de warmtepomp subsidie?", "<script>alert(1)</script> <img src=x onerror=alert(2)> kost veel."),
        ],
        kind=DocumentKind.WRITTEN_CONSULTATION,
        parties=["GroenLinks-PvdA", "CDA"],
        dossier="32813",
        date="2026-02-01",
    )
    # Unit 3 of export refers to unit 1, and to a unit that is not in the index.
    units = list(export.units)
    units[2] = units[2].model_copy(update={"refs": (f"{EXPORT}:1", "elders:9"), "footnotes": {1: "Kamerstuk 36180"}})
    export = export.model_copy(update={"units": tuple(units)})
    build_index([export, energy], encoder, index_dir)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def fake_index(tmp_path: Path, fake_encoder: FakeEncoder) -> Path:
    index_dir = tmp_path / "index"
    build_fake_index(index_dir, fake_encoder)
    return index_dir


@pytest.fixture
def make_client(tmp_path: Path, fake_index: Path, fake_encoder: FakeEncoder) -> Iterator[Callable[..., TestClient]]:
    """`make_client(api_key=..., encoder=..., **settings)`: a TestClient on the fake index (lifespan run);
    `encoder` (a FakeEncoder or subclass) is what its questions go to."""
    clients: list[TestClient] = []

    def make(
        *,
        inject: bool = True,
        raise_server_exceptions: bool = True,
        encoder: FakeEncoder | None = None,
        **overrides: object,
    ) -> TestClient:
        values: dict[str, object] = {
            "index_dir": fake_index,
            "data_dir": tmp_path / "data",
            "model_cache": tmp_path / "models",
            "batch_wait_ms": 0.0,
        }
        values.update(overrides)
        settings = ServiceSettings(**values)  # type: ignore[arg-type]
        retriever = Retriever.load(fake_index, encoder or fake_encoder) if inject else None
        client = TestClient(create_app(settings, retriever=retriever), raise_server_exceptions=raise_server_exceptions)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def admin(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(api_key=API_KEY)


# ---------------------------------------------------------------- a real server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    index_dir: Path
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def start_server(
    index_dir: Path,
    data_dir: Path,
    model_cache: Path,
    log: Path,
    timeout_s: float = 120.0,
    extra_env: dict[str, str] | None = None,
) -> Served:
    port = free_port()
    env = {
        **os.environ,
        "VRAAGBAAK_MODEL_CACHE": str(model_cache),
        "VRAAGBAAK_DATA_DIR": str(data_dir),
        "VRAAGBAAK_API_KEY": API_KEY,
        "VRAAGBAAK_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    script = Path(sys.executable).parent / "vraagbaak"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "vraagbaak.cli"]
    command = [*launcher, "serve", "--port", str(port), "--index", str(index_dir)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", index_dir, data_dir, log, process)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"vraagbaak serve exited with {process.returncode}:\n{served.log_tail()}")
        try:
            if httpx.get(f"{served.url}/readyz", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    stop_server(served)
    raise AssertionError(f"vraagbaak serve not ready after {timeout_s} s:\n{served.log_tail()}")


def stop_server(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait(timeout=10)


@pytest.fixture(scope="session")
def served(seed_index: Path, model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`vraagbaak serve` as a subprocess on a free loopback port, over a copy of the seed index."""
    root = tmp_path_factory.mktemp("served")
    index_dir = root / "index"
    shutil.copytree(seed_index, index_dir)
    server = start_server(index_dir, root / "data", model_cache, root / "server.log")
    yield server
    stop_server(server)
