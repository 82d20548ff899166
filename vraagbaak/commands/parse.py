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
    from indexer.parsing import parse_paths
    from indexer.units import write_jsonl

    parsed, failures = parse_paths(args.paths)
    for path, message in failures:
        print(f"vraagbaak: skipped {path}: {message}", file=sys.stderr)
    if args.out:
        count = write_jsonl(parsed, args.out)
        print(f"wrote {count} units of {len(parsed)} documents to {args.out}")
    else:
        print(f"{'document':<24} {'kind':<22} {'units':>5}  warnings")
        for item in parsed:
            doc = item.document
            print(f"{doc.doc_id:<24} {doc.kind.value:<22} {len(item.units):>5}  {len(doc.warnings)}")
            for warning in doc.warnings:
                print(f"{'':<24} ! {warning}")
    return 0 if parsed else 1
