"""`vraagbaak sync`: fill and update the index from the Tweede Kamer's open data, once or on a schedule."""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

from vraagbaak.settings import Settings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """ "90s", "15m", "1h", "1d" or plain seconds; at least a minute, so the source is not hammered."""
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected a duration like 30m, 1h or 1d, got {text!r}")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds < 60:
        raise argparse.ArgumentTypeError(f"--every must be at least 1m, got {text!r}")
    return seconds


def since_date(text: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a date like 2024-01-01, got {text!r}") from error
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def register(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser(
        "sync",
        help="fill and update the index from the Tweede Kamer's open data (OData API)",
        description="Take the documents of the configured kinds (VRAAGBAAK_SYNC_KINDS) changed since each kind's "
        "checkpoint from the Tweede Kamer's OData API (VRAAGBAAK_TK_ODATA_URL), parse their files, and write them "
        "to the index in batches; deleted ones leave it, answered questions give way to their answer. Stop it at "
        "any point: the next run resumes from the checkpoints. This is the only command that reaches the network.",
    )
    sync.add_argument("--index", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    sync.add_argument(
        "--since",
        type=since_date,
        default=None,
        metavar="DATE",
        help="for kinds without a checkpoint yet: start at documents changed on or after DATE (2024-01-01); "
        "default: the whole record",
    )
    sync.add_argument(
        "--every",
        type=duration,
        default=None,
        metavar="DURATION",
        help="keep running: a run every DURATION (30m, 1h, 1d); stop with Ctrl-C or SIGTERM",
    )
    sync.add_argument(
        "--kind",
        action="append",
        dest="kinds",
        metavar="SOORT",
        help="a document Soort to take, matched by prefix (repeat for more; default: VRAAGBAAK_SYNC_KINDS)",
    )
    sync.add_argument(
        "--limit", type=int, default=None, metavar="N", help="stop after N entities (a trial run; resumable)"
    )
    sync.add_argument("--url", default=None, help="the OData base URL (default: VRAAGBAAK_TK_ODATA_URL)")
    sync.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="embed on Ray, as `index build --ray` does: the cluster at ADDRESS, or a local Ray without one",
    )
    sync.add_argument("--ray-workers", type=int, default=None, help="Ray actors, one model each")
    sync.add_argument("--status", action="store_true", help="print checkpoints and entity counts; fetch nothing")
    sync.set_defaults(handler=run_sync_command)


def run_sync_command(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from vraagbaak.errors import describe_validation_error
    from vraagbaak.sources.sync.job import RayOptions, options_for, run_every, run_sync
    from vraagbaak.sources.sync.run import SyncReport, describe
    from vraagbaak.sources.sync.settings import SyncSettings
    from vraagbaak.sources.sync.state import SyncState

    overrides = {"index_dir": args.index, "tk_odata_url": args.url}
    try:
        sync_settings = SyncSettings(**{name: value for name, value in overrides.items() if value is not None})
    except ValidationError as error:
        print(f"vraagbaak sync: {describe_validation_error(error)}", file=sys.stderr)
        return 2
    if args.limit is not None and args.limit < 1:
        print("vraagbaak sync: --limit must be 1 or more", file=sys.stderr)
        return 2
    index_dir = sync_settings.index_dir
    if args.status:
        state = SyncState(sync_settings.sync_db_path(index_dir))
        for kind, checkpoint in sorted(state.checkpoints().items()):
            print(f"checkpoint  {kind}: changed since {checkpoint}")
        for name, count in sorted(state.counts().items()):
            print(f"entities    {name}: {count}")
        for tk_id, doc_id, reason in state.reasons():
            print(f"failed      {doc_id} ({tk_id}): {reason}")
        return 0
    options = options_for(
        sync_settings, since=args.since, max_documents=args.limit, kinds=tuple(args.kinds) if args.kinds else None
    )
    ray = RayOptions(args.ray, args.ray_workers) if args.ray is not None else None

    def once() -> SyncReport:
        return run_sync(sync_settings, index_dir, options, ray=ray, show_progress=True)

    def show(report: SyncReport) -> None:
        for line in describe(report):
            print(line, flush=True)

    if args.every is None:
        show(once())
        return 0
    run_every(args.every, once, show)
    return 0
