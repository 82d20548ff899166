"""glibc's allocator in the serving process: fewer malloc arenas, and free memory handed back after swaps.

glibc gives each thread that allocates concurrently its own arena, up to
8 per core, and memory freed in one arena is rarely handed back. The service
runs dozens of request threads; under a 150 s soak with index updates its
RSS climbed steadily (433 -> 517 MiB, no Python object left behind:
tracemalloc flat). With two arenas it levelled off at ~445 MiB after 20 s.

With two arenas RSS still crept up under the hour-long soak (issue 30), and
only while generations were swapped; it is no leak. Measured in the soak
server (glibc's `mallinfo2`, `malloc_info`): over 10 minutes the bytes in use
stayed at 25-27 MiB and Python's block count flat, while the free bytes kept
inside glibc's heaps grew 6.6 -> 16.2 MiB, nearly all of it free chunks of
16-128 KiB, freed out of order between blocks that live on (at the soak's
index size, the size of a generation's arrays); with searches and feed reads
alone, no swaps, both flat. glibc hands memory back only from the top of a
heap, so those holes stay resident. Keeping blocks from 16 KiB up out of the
heap (`M_MMAP_THRESHOLD`) stopped the growth but made every array of that size
an mmap with its page faults (numpy on 5k-100k floats: 1.7-2.7x slower on a
busy machine), a cost on every search. `malloc_trim(0)` instead returns the free pages in the holes
(`madvise`), so the updater calls `MallocTrimmer` after each swap; the holes
stay as address space, not as RSS (docs/reliability.md, "The hour-long soak").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's malloc.h
TRIM_INTERVAL_S = 1.0
"""Least time between two trims: a trim walks every free chunk (2-9 ms for a 40 MiB heap, holding
each arena's lock meanwhile), and uploads may swap generations several times a second."""


def limit_malloc_arenas(count: int) -> bool:
    """Cap glibc's malloc arenas at `count` (0: leave glibc's default); False where there is no glibc."""
    if count <= 0:
        return False
    libc = _glibc()
    if libc is None:  # not glibc (musl, macOS): nothing to tune
        return False
    done = bool(libc.mallopt(M_ARENA_MAX, count))
    if done:
        logger.debug("malloc arenas capped at %d", count)
    return done


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 - only glibc has it
    except (OSError, AttributeError):
        return None
    return libc


def release_free_memory() -> bool:
    """Hand the free pages inside glibc's heaps back to the system (`malloc_trim(0)`).

    True when glibc released some; False when it had nothing to release or the C library is not glibc.
    """
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))


class MallocTrimmer:
    """`release_free_memory` after a generation swap, at most once per `interval_s`; thread-safe.

    A swap within `interval_s` of the last trim is not trimmed for: what it freed is returned by the
    next trim, at a later swap.
    """

    def __init__(
        self,
        interval_s: float = TRIM_INTERVAL_S,
        release: Callable[[], bool] = release_free_memory,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval_s = interval_s
        self.trims = 0
        self._release = release
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()

    def after_swap(self) -> bool:
        """Trim unless the last trim was less than `interval_s` ago; True when this call trimmed."""
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last < self.interval_s:
                return False
            self._last = now
        started = time.perf_counter()
        self._release()
        self.trims += 1
        logger.debug("malloc_trim after a generation swap: %.1f ms", (time.perf_counter() - started) * 1000)
        return True
