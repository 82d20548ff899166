"""The server a soak runs against: `vraagbaak serve`'s app and uvicorn, with the keyword encoder.

Usage: python -m tests.reliability.soak_server INDEX_DIR PORT API_KEY

Everything but the model is the real service (routes, batcher, updater, parse
worker, monitors database), so a soak measures the service and not the model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from tests.fakes import FakeEncoder
from tests.reliability.crash_driver import service_settings
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.memory import limit_malloc_arenas


def main(index_dir: Path, port: int, api_key: str) -> None:
    # reload_poll_s: the campaign's sync loop writes generations from another process
    settings = service_settings(index_dir, api_key, key_failures_per_minute=10_000, reload_poll_s=1.0)
    limit_malloc_arenas(settings.malloc_arenas)  # as `vraagbaak serve` does, before any thread starts
    app = create_app(settings, retriever=Retriever.load(index_dir, FakeEncoder()))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
