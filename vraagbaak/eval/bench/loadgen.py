"""A closed-loop HTTP load generator, run in its own process: `python -m vraagbaak.eval.bench.loadgen`.

`concurrency` clients each send `POST /v1/search` one after another for
`duration` seconds (after a warm-up that is not counted) and the process
prints one JSON object: latencies (seconds), errors, elapsed seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class _Connection:
    """One keep-alive HTTP/1.1 connection with a hand-rolled client.

    A general client (httpx) spends several milliseconds of Python per
    request, on the same two cores as the server, and that showed up as
    +15 ms on the concurrency-1 latency. This client writes pre-encoded
    requests and reads `Content-Length` bodies: well under a millisecond.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, payload: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        lengths = [int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")]
        length = lengths[0] if lengths else None
        if length is None:
            raise ConnectionError("response without Content-Length")
        await self.reader.readexactly(length)
        if any(line.lower() == "connection: close" for line in lines):
            await self.close()
        return status

    async def close(self) -> None:
        writer, self.writer, self.reader = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _requests(host: str, port: int, questions: list[str], k: int) -> list[bytes]:
    """Every request of the run, encoded once up front."""
    requests = []
    for question in questions:
        body = json.dumps({"question": question, "k": k}, ensure_ascii=False).encode("utf-8")
        head = (
            f"POST /v1/search HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode("ascii") + body)
    return requests


async def _client(
    connection: _Connection, requests: list[bytes], offset: int, stop_at: float, record_from: float, out: dict
) -> None:
    turn = offset
    while True:
        started = time.perf_counter()
        if started >= stop_at:
            await connection.close()
            return
        payload = requests[turn % len(requests)]
        turn += 1
        try:
            status = await asyncio.wait_for(connection.request(payload), timeout=60.0)
            ok = status == 200
            if not ok:
                out["statuses"][str(status)] = out["statuses"].get(str(status), 0) + 1
        except Exception as error:  # a failed request is a measured error, whatever its type
            ok = False
            name = type(error).__name__
            out["statuses"][name] = out["statuses"].get(name, 0) + 1
            await connection.close()  # start the next request on a fresh connection
        finished = time.perf_counter()
        if started >= record_from:
            if ok:
                out["latencies"].append(finished - started)
            else:
                out["errors"] += 1


async def generate(
    base_url: str, questions: list[str], concurrency: int, duration_s: float, warmup_s: float, k: int
) -> dict:
    parsed = urlsplit(base_url)
    if parsed.scheme != "http" or not parsed.hostname:
        raise ValueError(f"the load generator speaks plain http to a host, got {base_url!r}")
    host, port = parsed.hostname, parsed.port or 80
    requests = _requests(host, port, questions, k)
    out: dict[str, Any] = {"latencies": [], "errors": 0, "statuses": {}}
    now = time.perf_counter()
    record_from = now + warmup_s
    stop_at = record_from + duration_s
    await asyncio.gather(
        *(_client(_Connection(host, port), requests, i * 7, stop_at, record_from, out) for i in range(concurrency))
    )
    # Requests in flight at stop_at finish late; throughput counts them over the time they took.
    elapsed = max(time.perf_counter(), stop_at) - record_from
    out.update(concurrency=concurrency, elapsed_s=elapsed, duration_s=duration_s, warmup_s=warmup_s)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vraagbaak.eval.bench.loadgen", description=__doc__)
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
