"""`vraagbaak parse PATH...`: documents to Q&A units, as JSONL or a summary table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indexer.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("parse", help="parse documents into units (JSONL or a summary)")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders of .txt documents")
    parser.add_argument("--out", type=Path, help="write units as JSON Lines to this file")
    parser.set_defaults(handler=run_parse)


def run_parse(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 1 only when nothing could be parsed; files that fail are named and skipped."""
    from indexer.parsing import parse_paths
    from indexer.units import write_jsonl

    parsed, failures = parse_paths(args.paths)
    for _path, message in failures:  # a ParseError message starts with the file it is about
        print(f"vraagbaak: skipped {message}", file=sys.stderr)
    if not parsed:
        if not failures:
            names = ", ".join(str(p) for p in args.paths)
            print(f"vraagbaak: no .txt documents found in {names}", file=sys.stderr)
        print("vraagbaak: nothing could be parsed", file=sys.stderr)
        return 1
    if args.out:
        try:
            count = write_jsonl(parsed, args.out)
        except OSError as error:
            print(f"vraagbaak: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"wrote {count} units of {len(parsed)} documents to {args.out}")
        return 0
    print(f"{'document':<24} {'kind':<22} {'units':>5}  warnings")
    for item in parsed:
        doc = item.document
        print(f"{doc.doc_id:<24} {doc.kind.value:<22} {len(item.units):>5}  {len(doc.warnings)}")
        for warning in doc.warnings:
            print(f"{'':<24} ! {warning}")
    return 0
