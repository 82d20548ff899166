"""Entry point of the `vraagbaak` command: builds the parser and dispatches.

Each command group lives in `vraagbaak.cli.commands.*`; heavy libraries (torch,
faiss) are imported inside the command functions so `--help` stays instant.
Exit codes: 0 success, 1 failure, 2 bad usage.
"""

from __future__ import annotations

import argparse
import logging
import sys

from vraagbaak.cli.commands import bench, index, model, parse, search, serve, sync
from vraagbaak.cli.commands import eval as evaluation
from vraagbaak.errors import VraagbaakError
from vraagbaak.settings import Settings

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vraagbaak",
        description="Find earlier government answers to Dutch parliamentary questions.",
    )
    parser.add_argument("--log-level", default=None, help="overrides VRAAGBAAK_LOG_LEVEL (DEBUG, INFO, ...)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (model, parse, index, search, serve, sync, evaluation, bench):
        group.register(commands)
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # faiss reports at INFO which CPU build it picked, three lines per process.
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on bad usage, 0 on --help
        return int(exit_.code or 0)
    try:
        settings = Settings()
    except ValueError as error:
        print(f"vraagbaak: invalid VRAAGBAAK_* setting: {error}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(args.log_level or settings.log_level)
    try:
        return int(args.handler(args, settings))
    except VraagbaakError as error:
        print(f"vraagbaak: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
