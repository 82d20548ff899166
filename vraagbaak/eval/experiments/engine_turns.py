"""Issue 29 experiment: c=16 throughput with and without the engine's turn, against the bare engine.

    python -m vraagbaak.eval.experiments.engine_turns --index <seed index> --rounds 4 --seconds 30

Per round: a server with VRAAGBAAK_ENGINE_TURNS=false, one with true, each loaded by the bench's
closed-loop generator at 16 clients for `--seconds` (after a 3 s warm-up), then the bare engine in a
fresh process on the same 100 questions (one at a time, batches of 8 and 16, 8 s each). One JSON line
per window: q/s, the engine's mean batch, its ms a question, the share of wall time it was encoding and
the share it waited for its turn. Interleaved, because this machine's speed drifts by tens of percent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from vraagbaak.eval.bench.serving import free_port, run_load

FLOOR_SECONDS = 8.0


def _metrics(url: str) -> dict[str, float]:
    text = httpx.get(url + "/metrics", timeout=5).text
    return {n: float(v) for n, v in re.findall(r"^(vraagbaak_(?:encode|engine)_\w+) ([0-9.eE+-]+)$", text, re.M)}


def _serve(index: Path, turns: bool, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "VRAAGBAAK_ENGINE_TURNS": "true" if turns else "false"}
    with log.open("w") as sink:
        command = [sys.executable, "-m", "vraagbaak.cli", "serve", "--port", str(port), "--index", str(index)]
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the server did not become ready: {log}")


def floor(index: Path, questions: list[str]) -> dict[str, float]:
    """Questions a second of the bare engine, one at a time and in batches of 8 and 16."""
    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.settings import Settings

    settings = Settings()
    encoder = open_retriever(index, settings.model_cache, engine=settings.query_engine).encoder
    encoder.encode_queries(questions[:2])
    rates = {}
    for size in (1, 8, 16):
        started, done = time.perf_counter(), 0
        while time.perf_counter() - started < FLOOR_SECONDS:
            for start in range(0, len(questions), size):
                done += len(encoder.encode_queries(questions[start : start + size]))
                if time.perf_counter() - started >= FLOOR_SECONDS:
                    break
        rates[str(size)] = round(done / (time.perf_counter() - started), 2)
    return rates


def window(index: Path, questions: list[str], turns: bool, seconds: float, log: Path) -> dict[str, object]:
    process, url = _serve(index, turns, log)
    try:
        run_load(url, questions, 16, 3, 2)
        before = _metrics(url)
        level = run_load(url, questions, 16, seconds, 0.5)
        after = _metrics(url)
    finally:
        process.terminate()
        process.wait(10)
    delta = {name: after[name] - before.get(name, 0.0) for name in after}
    asked = delta.get("vraagbaak_encode_questions_total", 0.0)
    encoding = delta.get("vraagbaak_encode_seconds_total", 0.0)
    wall = level["elapsed_s"] + 0.5
    return {
        "turns": turns,
        "qps": level["throughput_rps"],
        "p50_ms": level["latency"]["p50_ms"] if level["latency"] else None,
        "mean_batch": round(asked / max(1.0, delta.get("vraagbaak_encode_batches_total", 0.0)), 2),
        "engine_ms_per_question": round(encoding / max(1.0, asked) * 1000, 1),
        "engine_busy": round(encoding / wall, 3),
        "turn_share": round(delta.get("vraagbaak_engine_turn_seconds_total", 0.0) / wall, 3),
        "errors": level["errors"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.settings import Settings

    settings = Settings()
    units = open_retriever(args.index, settings.model_cache, engine=settings.query_engine).content.units
    asked = [unit.question for unit in units if unit.question.strip()]
    questions = asked[:: max(1, len(asked) // 100)][:100]
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "engine_turns_server.log"
    for round_ in range(args.rounds):
        for turns in (False, True):
            print(json.dumps({"round": round_, **window(args.index, questions, turns, args.seconds, log)}), flush=True)
        print(json.dumps({"round": round_, "floor_qps": floor(args.index, questions)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
