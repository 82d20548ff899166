"""A closed-loop HTTP load generator, run in its own process: `python -m eval.bench.loadgen`.

`concurrency` clients each send `POST /v1/search` one after another for
`duration` seconds (after a warm-up that is not counted) and the process
prints one JSON object: latencies (seconds), errors, elapsed seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any


async def _client(
    client: Any, url: str, questions: list[str], k: int, offset: int, stop_at: float, record_from: float, out: dict
) -> None:
    turn = offset
    while True:
        started = time.perf_counter()
        if started >= stop_at:
            return
        question = questions[turn % len(questions)]
        turn += 1
        try:
            response = await client.post(url, json={"question": question, "k": k})
            ok = response.status_code == 200
            if not ok:
                out["statuses"][str(response.status_code)] = out["statuses"].get(str(response.status_code), 0) + 1
        except Exception as error:  # a failed request is a measured error, whatever its type
            ok = False
            name = type(error).__name__
            out["statuses"][name] = out["statuses"].get(name, 0) + 1
        finished = time.perf_counter()
        if started >= record_from:
            if ok:
                out["latencies"].append(finished - started)
            else:
                out["errors"] += 1


async def generate(
    base_url: str, questions: list[str], concurrency: int, duration_s: float, warmup_s: float, k: int
) -> dict:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    out: dict[str, Any] = {"latencies": [], "errors": 0, "statuses": {}}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as client:
        now = time.perf_counter()
        record_from = now + warmup_s
        stop_at = record_from + duration_s
        await asyncio.gather(
            *(_client(client, "/v1/search", questions, k, i * 7, stop_at, record_from, out) for i in range(concurrency))
        )
        # Requests in flight at stop_at finish late; throughput counts them over the time they took.
        elapsed = max(time.perf_counter(), stop_at) - record_from
    out.update(concurrency=concurrency, elapsed_s=elapsed, duration_s=duration_s, warmup_s=warmup_s)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench.loadgen", description=__doc__)
    parser.add_argument("--url", required=True, help="base URL of the service")
    parser.add_argument("--questions", type=Path, required=True, help="JSON file: a list of questions")
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args(argv)
    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    result = asyncio.run(generate(args.url, questions, args.concurrency, args.duration, args.warmup, args.k))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
