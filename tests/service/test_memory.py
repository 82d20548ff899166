"""The malloc arena cap: applied on glibc, a no-op when asked for the default."""

from __future__ import annotations

import sys

from tests.subprocesses import run_checked
from vraagbaak.service.memory import limit_malloc_arenas


def test_zero_leaves_glibc_alone() -> None:
    assert limit_malloc_arenas(0) is False


def test_the_cap_applies_in_a_fresh_process() -> None:
    # In a child, so this test process keeps its own allocator settings.
    code = "from vraagbaak.service.memory import limit_malloc_arenas; print(limit_malloc_arenas(2))"
    done = run_checked([sys.executable, "-c", code], text=True, timeout=60)
    assert done.stdout.strip() == "True"
