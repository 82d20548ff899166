"""A real HTTP server in this process: uvicorn on a free 127.0.0.1 port, over an app with a handed-in retriever.

For end-to-end checks that need a socket (forged Host headers, a browser) but not the real model.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from tests.service.conftest import free_port
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings


@contextlib.contextmanager
def live_server(settings: ServiceSettings, index_dir: Path, encoder: Any, timeout_s: float = 30.0) -> Iterator[str]:
    """Yields the server's base URL (`http://127.0.0.1:<port>`); stops it on exit."""
    app = create_app(settings, retriever=Retriever.load(index_dir, encoder))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
