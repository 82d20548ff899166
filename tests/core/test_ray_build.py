"""`build_index` with the embedding on a local Ray (2 workers): the single-process generation, and a killed worker.

One Ray session for the module. The seeds under 40 KB (a prose note, a written
consultation and a short Q&A: questions and passages, both prompts) keep it
fast on 2 cores; the two large Q&A lists add time and no new paths.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SEEDS
from vraagbaak.cli.main import main
from vraagbaak.model.ray_encoding import RayEncoder
from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder, plan_batches
from vraagbaak.store.builder import build_index
from vraagbaak.store.generations import IndexContent, load_index
from vraagbaak.store.manifest import BuildInfo
from vraagbaak.store.ray_build import build_index_on_ray
from vraagbaak.store.vector_index import stored_vectors
from vraagbaak.units import ParsedDocument

pytestmark = pytest.mark.slow

BUSY_ACTOR = "ray::MapWorker(MapBatches(EmbedActor)).submit"
"""The process title Ray gives an embedding actor while it runs a batch."""


@pytest.fixture(scope="module")
def small_seeds(seed_documents: list[ParsedDocument]) -> list[ParsedDocument]:
    small = [item for item in seed_documents if (SEEDS / f"{item.document.doc_id}.txt").stat().st_size < 40_000]
    assert len(small) == 3
    return small


@pytest.fixture(scope="module")
def local_build(
    tmp_path_factory: pytest.TempPathFactory, encoder: SentenceTransformerEncoder, small_seeds: list[ParsedDocument]
) -> IndexContent:
    index_dir = tmp_path_factory.mktemp("local-build")
    build_index(small_seeds, encoder, index_dir)
    return load_index(index_dir)


@pytest.fixture(scope="module")
def ray_encoder(encoder: SentenceTransformerEncoder, model_cache: Path) -> Iterator[RayEncoder]:
    """A local Ray of 2 CPUs with 2 actors; small tasks so a build is several of them (one can be lost)."""
    with RayEncoder(encoder, model_cache, workers=2, device="cpu", rows_per_task=12, local_cpus=2) as ray_encoder:
        ray_encoder.start()
        yield ray_encoder


def _assert_same_generation(on_ray: IndexContent, local: IndexContent) -> None:
    assert [unit.unit_id for unit in on_ray.units] == [unit.unit_id for unit in local.units]
    assert on_ray.units == local.units
    assert on_ray.documents == local.documents
    for column in ("ids", "unit_rows", "fields", "parts"):
        assert np.array_equal(getattr(on_ray.vector_map, column), getattr(local.vector_map, column)), column
    ray_ids, ray_vectors = stored_vectors(on_ray.vectors)
    local_ids, local_vectors = stored_vectors(local.vectors)
    assert np.array_equal(ray_ids, local_ids)
    cosines = np.sum(ray_vectors * local_vectors, axis=1)
    assert cosines.min() >= 0.9999, f"vector {int(ray_ids[cosines.argmin()])} has cosine {cosines.min():.6f}"
    assert on_ray.manifest.counts == local.manifest.counts
    assert on_ray.manifest.corpus == local.manifest.corpus
    assert on_ray.manifest.model == local.manifest.model


def test_index_build_on_ray_writes_the_generation_of_the_single_process_build(
    ray_encoder: RayEncoder,
    small_seeds: list[ParsedDocument],
    local_build: IndexContent,
    model_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`vraagbaak index build --ray` end to end; it joins the module's Ray (already started) and leaves it up."""
    monkeypatch.setenv("VRAAGBAAK_MODEL_CACHE", str(model_cache))
    paths = [str(SEEDS / f"{item.document.doc_id}.txt") for item in small_seeds]
    out = tmp_path / "index"
    assert main(["index", "build", *paths, "--out", str(out), "--ray", "--ray-workers", "2", "--device", "cpu"]) == 0
    assert f"built on Ray (2 workers, {socket.gethostname()} cpu×1) {out}: 3 documents" in capsys.readouterr().out
    on_ray = load_index(out)  # the load checks: checksums, counts, id map
    _assert_same_generation(on_ray, local_build)
    assert on_ray.manifest.build == BuildInfo(engine="ray", workers=2, devices=[f"{socket.gethostname()} cpu×1"])
    assert main(["index", "info", "--index", str(out)]) == 0
    assert f"built       ray, 2 worker(s) on {socket.gethostname()} cpu×1" in capsys.readouterr().out


def _descends_from_this_process(pid: int) -> bool:
    while pid > 1:
        if pid == os.getpid():
            return True
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                pid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


def _busy_actors() -> list[int]:
    """Our Ray's embedding actors that are running a batch right now."""
    busy = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                title = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith(BUSY_ACTOR) and _descends_from_this_process(int(entry)):
            busy.append(int(entry))
    return busy


def test_ray_build_finishes_correctly_when_a_worker_is_killed_mid_build(
    ray_encoder: RayEncoder, small_seeds: list[ParsedDocument], local_build: IndexContent, tmp_path: Path
) -> None:
    killed: list[int] = []
    done = threading.Event()

    def kill_one_busy_actor() -> None:
        while not done.is_set() and not killed:
            for pid in _busy_actors():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_busy_actor, daemon=True)
    killer.start()
    try:
        build_index_on_ray(small_seeds, ray_encoder, tmp_path / "index")
    finally:
        done.set()
        killer.join()
    assert len(killed) == 1, "no embedding actor was caught running a batch"
    _assert_same_generation(load_index(tmp_path / "index"), local_build)


def test_gpu_batch_plan_gives_the_plain_vectors_in_input_order(
    encoder: SentenceTransformerEncoder, small_seeds: list[ParsedDocument]
) -> None:
    """The CUDA path's plan (length order, token budget, positions restored, fp32 normalisation), run on CPU."""
    units = [unit.text.strip() for item in small_seeds for unit in item.units]
    texts = [units[i % len(units)][: 40 + 37 * ((i * 7) % 16)].strip() for i in range(16)]  # 40 to 600 characters
    lengths = encoder.token_lengths(texts, "document")
    assert lengths[0] == len(encoder._model.tokenizer("passage: " + texts[0], truncation=True)["input_ids"])
    assert encoder.token_lengths(["woord " * 2000], "document") == [encoder.max_tokens]
    budget = 512
    plan = plan_batches(lengths, token_budget=budget)
    assert len(plan) > 3 and sorted(i for batch in plan for i in batch) == list(range(len(texts)))
    assert all(max(lengths[i] for i in batch) * len(batch) <= budget or len(batch) == 1 for batch in plan)
    planned = encoder._encode_planned(texts, "document", False, token_budget=budget)
    plain = encoder.encode_passages(texts)
    assert np.allclose(np.linalg.norm(planned, axis=1), 1.0, atol=1e-5)
    assert np.sum(planned * plain, axis=1).min() >= 0.9999


def test_build_command_refuses_bad_ray_and_device_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "index")
    assert main(["index", "build", "--out", out, "--ray-workers", "2"]) == 1
    assert "vraagbaak: --ray-workers needs --ray" in capsys.readouterr().err
    assert main(["index", "build", "--out", out, "--ray", str(SEEDS)]) == 1
    assert "that is a path, not a Ray address" in capsys.readouterr().err
    assert main(["index", "build", str(SEEDS), "--out", out, "--device", "cuda"]) == 1
    assert "--device cuda: torch sees no CUDA device here; use --device cpu or auto" in capsys.readouterr().err
    assert main(["index", "build", "--out", out, "--device", "tpu"]) == 2
    assert not Path(out).exists()
