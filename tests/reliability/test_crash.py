"""Kill -9 during index writes: afterwards the index is exactly the old or the new version.

Trials are seeded; each kills a real writer process at a random moment of
its life (imports, embedding, writing files, fsync, the pointer swap).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fakes import FakeEncoder
from tests.reliability.crash_driver import ADDED, NEW_BUILD, OLD
from tests.subprocesses import describe_failure
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.store.builder import add_documents, build_index, remove_documents
from vraagbaak.store.generations import load_index

TRIALS_PER_OPERATION = 8  # 24 kills in all
QUERIES = ["haven export", "visserij kotter tarief", "Vraag 12 over markt"]


def _fingerprint(index_dir: Path) -> tuple[tuple[str, ...], list[list[str]]]:
    """Documents and search results: two versions with equal fingerprints answer alike."""
    content = load_index(index_dir)
    retriever = Retriever(content, FakeEncoder())
    results = [[hit.unit.unit_id for hit in retriever.search(q, k=5)] for q in QUERIES]
    return tuple(sorted(content.documents)), results


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Reference indexes: the old one, and the outcome of each operation done without a crash."""
    root = tmp_path_factory.mktemp("versions")
    old = root / "old"
    build_index(OLD, FakeEncoder(), old)  # type: ignore[arg-type]
    made = {"old": old}
    for operation in ("build", "add", "remove"):
        target = root / operation
        shutil.copytree(old, target)
        if operation == "build":
            build_index(NEW_BUILD, FakeEncoder(), target)  # type: ignore[arg-type]
        elif operation == "add":
            add_documents([ADDED], FakeEncoder(), target)  # type: ignore[list-item]
        else:
            remove_documents(["doc_b"], target)
        made[operation] = target
    return made


def _run_and_kill(index_dir: Path, operation: str, delay: float) -> bool:
    """Start a writer, kill -9 it after `delay` seconds; True when it finished first."""
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_driver", str(index_dir), operation],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            return False
        stderr.seek(0)
        assert process.returncode == 0, describe_failure(process.args, process.returncode, stderr.read())
        return True


@pytest.mark.slow
@pytest.mark.parametrize("operation", ["build", "add", "remove"])
def test_kill_during_a_write_leaves_the_old_or_the_new_index(
    operation: str, versions: dict[str, Path], tmp_path: Path
) -> None:
    rng = random.Random(f"crash-{operation}")
    old, new = _fingerprint(versions["old"]), _fingerprint(versions[operation])
    assert old != new
    calibration = tmp_path / "calibration"
    shutil.copytree(versions["old"], calibration)
    started = time.perf_counter()
    assert _run_and_kill(calibration, operation, 120.0)
    lifetime = time.perf_counter() - started  # interpreter start, imports, embedding, write, swap
    killed = 0
    for trial in range(TRIALS_PER_OPERATION):
        index_dir = tmp_path / f"trial-{trial}"
        shutil.copytree(versions["old"], index_dir)
        delay = rng.uniform(0.2, 1.0) * lifetime
        killed += not _run_and_kill(index_dir, operation, delay)
        got = _fingerprint(index_dir)  # loads and verifies every checksum
        assert got in (old, new), f"trial {trial} (kill after {delay:.2f} s) left a mixed index"
        # The next writer cleans up what the killed one left and succeeds.
        remove_documents(["doc_a"], index_dir)
        assert "doc_a" not in load_index(index_dir).documents
        assert not list(index_dir.glob(".tmp-*"))
    assert killed >= TRIALS_PER_OPERATION // 2  # most kills landed before the writer finished


def test_crash_driver_finishes_when_left_alone(versions: dict[str, Path], tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(versions["old"], index_dir)
    assert _run_and_kill(index_dir, "remove", 60.0)
    assert _fingerprint(index_dir) == _fingerprint(versions["remove"])
