"""glibc's allocator in the serving process: the arena cap, and free memory handed back after swaps."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import API_KEY, ENERGY
from tests.subprocesses import run_checked
from vraagbaak.service.memory import MallocTrimmer, limit_malloc_arenas
from vraagbaak.service.updates import IndexUpdater

NOTE = "Notitie over zonnepanelen\n\nHet kabinet plaatst zonnepanelen op alle daken van ministeries.\n"
# A child that leaves 48 MiB of holes between live blocks (malloc'd: bytearrays above pymalloc's 512 B),
# then prints its RSS before and after `release_free_memory`, in KiB.
FRAGMENTED = """
from pathlib import Path
from vraagbaak.service.memory import release_free_memory

def rss():
    return next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:"))

blocks = [bytearray(b"x" * 8000) for _ in range(9000)]
del blocks[::3], blocks[::2]  # every third block stays: the heap cannot shrink from its top
before = rss()
print(before, rss() if release_free_memory() else before)
"""


def test_zero_leaves_glibc_alone() -> None:
    assert limit_malloc_arenas(0) is False


def test_the_cap_applies_in_a_fresh_process() -> None:
    # In a child, so this test process keeps its own allocator settings.
    code = "from vraagbaak.service.memory import limit_malloc_arenas; print(limit_malloc_arenas(2))"
    done = run_checked([sys.executable, "-c", code], text=True, timeout=60)
    assert done.stdout.strip() == "True"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc: Linux")
def test_release_hands_the_holes_between_live_blocks_back() -> None:
    done = run_checked([sys.executable, "-c", FRAGMENTED], text=True, timeout=60)
    before, after = (int(kib) for kib in done.stdout.split())
    assert before - after > 24 * 1024, (before, after)  # of the 48 MiB of holes, most pages come back


def test_the_trimmer_trims_at_most_once_per_interval() -> None:
    now = [100.0]
    released: list[float] = []
    trimmer = MallocTrimmer(5.0, release=lambda: released.append(now[0]) or True, clock=lambda: now[0])
    for at in (100.0, 101.0, 104.9, 105.0, 105.1, 120.0):
        now[0] = at
        trimmer.after_swap()
    assert released == [100.0, 105.0, 120.0]
    assert trimmer.trims == 3


def test_every_generation_swap_goes_through_the_trimmer(make_client: Callable[..., TestClient]) -> None:
    # The soak's RSS grew with swaps only (issue 30): an upload, a removal and a reload each trim.
    admin = make_client(api_key=API_KEY)
    updater: IndexUpdater = admin.app.state.updater  # type: ignore[attr-defined]
    swaps: list[int] = []
    updater.trimmer = MallocTrimmer(0.0, release=lambda: swaps.append(1) or True)
    key = {"X-API-Key": API_KEY}
    assert admin.post("/v1/documents", json={"doc_id": "zon", "text": NOTE}, headers=key).status_code in (200, 201)
    assert admin.delete(f"/v1/documents/{ENERGY}", headers=key).status_code in (200, 204)
    assert admin.post("/v1/admin/reload", headers=key).status_code == 200
    assert len(swaps) == 3
