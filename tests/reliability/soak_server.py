"""The server a soak runs against: `vraagbaak serve`'s app and uvicorn, with the keyword encoder.

Usage: python -m tests.reliability.soak_server INDEX_DIR PORT API_KEY

Everything but the model is the real service (routes, batcher, updater, parse
worker, monitors database), so a soak measures the service and not the model.

To look into its memory, set VRAAGBAAK_SOAK_PROBE=FILE: every
VRAAGBAAK_SOAK_PROBE_EVERY s (60) a JSON line goes to FILE with the RSS, glibc's
own account (`mallinfo2`: bytes in use, bytes free inside the heap, mmapped),
the Python heap (allocated blocks, tracemalloc's total) and the object types whose
counts grew since the first line (taken after the first interval; VRAAGBAAK_SOAK_TYPES=0
leaves the types out). With VRAAGBAAK_SOAK_TRACE=N, tracemalloc keeps N
frames and each line adds the 15 allocation sites that grew most since the first. With
VRAAGBAAK_SOAK_TRIM=1 each line ends with glibc's `malloc_trim(0)` and the RSS after it; with
VRAAGBAAK_SOAK_MALLOC_INFO=DIR glibc's `malloc_info` XML goes to DIR/malloc-<seconds>.xml each time.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import uvicorn

from tests.fakes import FakeEncoder
from tests.reliability.crash_driver import service_settings
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.memory import limit_malloc_arenas


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def _mallinfo() -> dict[str, float]:
    """glibc's heap in MiB: in use, free but kept inside the arenas, mmapped; empty without glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError, TypeError):
        return {}
    mib = 1024 * 1024
    return {
        "heap_mib": round(info.arena / mib, 1),
        "in_use_mib": round(info.uordblks / mib, 1),
        "free_in_heap_mib": round(info.fordblks / mib, 1),
        "mmapped_mib": round(info.hblkhd / mib, 1),
    }


def _malloc_info(path: Path) -> None:
    """glibc's `malloc_info` XML (free chunks by size, per arena) into `path`; nothing without glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.fopen.restype = ctypes.c_void_p
        libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
        libc.fclose.argtypes = (ctypes.c_void_p,)
        stream = libc.fopen(str(path).encode(), b"w")
        if stream:
            libc.malloc_info(0, stream)
            libc.fclose(stream)
    except (OSError, AttributeError, TypeError):
        return


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _types() -> collections.Counter[str]:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def _probe(path: Path, every_s: float, trim: bool, types: bool) -> None:
    started = time.monotonic()
    time.sleep(every_s)  # the first line is the baseline: after the start-up's allocations
    first_types = _types() if types else collections.Counter()
    first_snapshot = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
    with path.open("a", encoding="utf-8") as out:
        while True:
            line: dict[str, Any] = {
                "at_s": round(time.monotonic() - started),
                "rss_mib": _rss_mib(),
                **_mallinfo(),
                "py_blocks": sys.getallocatedblocks(),
                "threads": threading.active_count(),
            }
            if types:  # a list of every object, megabytes: itself an allocation to leave out of a long run
                line["types_grown"] = dict((_types() - first_types).most_common(20))
            if first_snapshot is not None:
                snapshot = tracemalloc.take_snapshot()
                line["traced_mib"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
                line["sites"] = [
                    {"kib": round(stat.size_diff / 1024), "count": stat.count_diff, "at": stat.traceback.format()[-6:]}
                    for stat in snapshot.compare_to(first_snapshot, "traceback")[:15]
                ]
            if info_dir := os.environ.get("VRAAGBAAK_SOAK_MALLOC_INFO"):
                _malloc_info(Path(info_dir) / f"malloc-{line['at_s']}.xml")
            if trim:  # what glibc hands back when asked: free memory kept in the heap, not live objects
                ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)
                line["rss_after_trim_mib"] = _rss_mib()
            out.write(json.dumps(line) + "\n")
            out.flush()
            time.sleep(every_s)


def main(index_dir: Path, port: int, api_key: str) -> None:
    # reload_poll_s: the campaign's sync loop writes generations from another process
    settings = service_settings(index_dir, api_key, key_failures_per_minute=10_000, reload_poll_s=1.0)
    limit_malloc_arenas(settings.malloc_arenas)  # as `vraagbaak serve` does, before any thread starts
    if frames := int(os.environ.get("VRAAGBAAK_SOAK_TRACE", "0")):
        tracemalloc.start(frames)
    app = create_app(settings, retriever=Retriever.load(index_dir, FakeEncoder()))
    if probe := os.environ.get("VRAAGBAAK_SOAK_PROBE"):
        every_s = float(os.environ.get("VRAAGBAAK_SOAK_PROBE_EVERY", "60"))
        trim = bool(os.environ.get("VRAAGBAAK_SOAK_TRIM"))
        types = os.environ.get("VRAAGBAAK_SOAK_TYPES", "1") != "0"
        threading.Thread(target=_probe, args=(Path(probe), every_s, trim, types), daemon=True).start()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
