"""`vraagbaak serve`: the HTTP API and the drafters' page, on loopback unless told otherwise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vraagbaak.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the HTTP API and the search page")
    serve.add_argument("--host", default=None, help="address to listen on (default: VRAAGBAAK_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: VRAAGBAAK_PORT, 8000)")
    serve.add_argument("--index", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn
    from pydantic import ValidationError

    from vraagbaak.errors import describe_validation_error
    from vraagbaak.service.app import create_app
    from vraagbaak.service.memory import limit_malloc_arenas
    from vraagbaak.service.settings import ServiceSettings

    overrides = {"host": args.host, "port": args.port, "index_dir": args.index}
    try:
        service_settings = ServiceSettings(**{name: value for name, value in overrides.items() if value is not None})
    except ValidationError as error:
        print(f"vraagbaak serve: {describe_validation_error(error)}", file=sys.stderr)
        return 2
    limit_malloc_arenas(service_settings.malloc_arenas)  # before uvicorn and the model start threads
    print(
        f"serving {service_settings.index_dir} on http://{service_settings.host}:{service_settings.port}/",
        flush=True,
    )
    uvicorn.run(
        create_app(service_settings),
        host=service_settings.host,
        port=service_settings.port,
        log_level=service_settings.log_level.lower(),
        server_header=False,
        timeout_graceful_shutdown=10,
        # libuv's event loop and the C HTTP parser: less Python per request on the cores the engine uses
        # (issue 29: 1.96 -> 1.75 ms of server CPU a lexical search; named, so a missing one fails loudly).
        loop="uvloop",
        http="httptools",
    )
    return 0
