"""Replicas: two `vraagbaak serve` processes on one index directory pick up what one writer adds.

Real servers on 127.0.0.1 with `VRAAGBAAK_RELOAD_POLL_S`, the real model for
the writer, and the index's writer lock keeping a second writer out.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.fakes import qa_document
from tests.service.conftest import Served, start_server, stop_server
from vraagbaak.errors import IndexLockedError
from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder
from vraagbaak.store.builder import add_documents
from vraagbaak.store.generations import current_generation, writer_lock

pytestmark = pytest.mark.slow

POLL_S = 0.5
NEW_DOC = "replica_windenergie"


def _generation(replica: Served) -> str:
    ready = httpx.get(f"{replica.url}/readyz", timeout=10).json()
    return str(ready["index_generation"])


def test_two_replicas_serve_what_one_writer_adds_while_a_second_writer_is_locked_out(
    seed_index: Path, model_cache: Path, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    env = {"VRAAGBAAK_RELOAD_POLL_S": str(POLL_S)}
    with ThreadPoolExecutor(2) as pool:
        starting = [
            pool.submit(
                start_server, index_dir, tmp_path / f"data{i}", model_cache, tmp_path / f"replica{i}.log", 180.0, env
            )
            for i in range(2)
        ]
        replicas = [future.result() for future in starting]
    try:
        first = current_generation(index_dir)
        assert [_generation(replica) for replica in replicas] == [first, first]

        document = qa_document(
            NEW_DOC,
            [("Hoeveel windparken op zee komen er bij tot 2032?", "Er komen tot 2032 vier nieuwe windparken op zee.")],
        )
        # The second writer tries while the first is inside its update (encoding under the lock): deterministic.
        locked_out: list[str] = []

        class SecondWriterProbe:
            def __getattr__(self, name: str) -> object:
                return getattr(encoder, name)

            def encode_passages(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
                try:
                    with writer_lock(index_dir, timeout_s=0.05):
                        pass
                except IndexLockedError as error:
                    locked_out.append(str(error))
                return encoder.encode_passages(texts, show_progress=show_progress)

        written = [add_documents([document], SecondWriterProbe(), index_dir)]  # type: ignore[arg-type]
        assert locked_out and "another process is writing" in locked_out[0]

        new = written[0].generation
        assert new != first and current_generation(index_dir) == new
        written_at = time.monotonic()
        waiting = set(range(len(replicas)))
        while waiting and time.monotonic() - written_at < 60:
            waiting = {i for i in waiting if _generation(replicas[i]) != new}
            time.sleep(0.1)
        took = time.monotonic() - written_at
        logs = "\n".join(replica.log_tail() for replica in replicas)
        assert not waiting, f"replicas {sorted(waiting)} still serve the old generation after {took:.1f} s:\n{logs}"
        print(f"both replicas served generation {new} {took:.2f} s after it was written (poll {POLL_S} s)")
        for replica in replicas:
            found = httpx.get(f"{replica.url}/v1/documents/{NEW_DOC}", timeout=10)
            assert found.status_code == 200 and found.json()["units"] == 1
            assert "picked up index generation" in replica.log_tail()
    finally:
        for replica in replicas:
            stop_server(replica)
