"""`vraagbaak parse PATH...`: documents to Q&A units, as JSONL or a summary table."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vraagbaak.settings import Settings

if TYPE_CHECKING:
    from vraagbaak.units import ParsedDocument

DOCUMENTS_HELP = "files, or folders of documents (.pdf, .docx, .md, .txt)"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("parse", help="parse documents into units (JSONL or a summary)")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=DOCUMENTS_HELP)
    parser.add_argument("--out", type=Path, help="write units as JSON Lines to this file")
    parser.set_defaults(handler=run_parse)


# The summary table, one entry per column: heading, alignment ("<" or ">"), value. Widths follow the
# content up to MAX_WIDTH; a longer cell pushes only its own row.
MAX_WIDTH = 40
COLUMNS: list[tuple[str, str, Callable[[ParsedDocument], object]]] = [
    ("document", "<", lambda item: item.document.doc_id),
    ("kind", "<", lambda item: item.document.kind.value),
    ("units", ">", lambda item: len(item.units)),
    ("Q&A", ">", lambda item: sum(unit.number is not None and unit.answered for unit in item.units)),
    ("unanswered", ">", lambda item: sum(not unit.answered for unit in item.units)),
    ("warnings", ">", lambda item: len(item.document.warnings)),
]


def print_summary(parsed: list[ParsedDocument]) -> None:
    rows = [[str(value(item)) for _, _, value in COLUMNS] for item in parsed]
    headings = [heading for heading, _, _ in COLUMNS]
    widths = [min(MAX_WIDTH, max(len(cell) for cell in column)) for column in zip(headings, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            f"{cell:{align}{width}}" for cell, (_, align, _), width in zip(cells, COLUMNS, widths, strict=True)
        ).rstrip()

    print(line(headings))
    for item, row in zip(parsed, rows, strict=True):
        print(line(row))
        for warning in item.document.warnings:
            print(f"{'':<{widths[0]}}  ! {warning}")


MAX_NAMED = 10


def print_unrecognised_layouts(parsed: list[ParsedDocument]) -> None:
    """One line: how many documents read as questions and answers in a layout the parser does not
    know (indexed as prose), and which."""
    from vraagbaak.parsing import layout_not_recognised

    ids = [item.document.doc_id for item in parsed if layout_not_recognised(item)]
    named = ", ".join(ids[:MAX_NAMED]) + (f", … ({len(ids) - MAX_NAMED} more)" if len(ids) > MAX_NAMED else "")
    which = f" (indexed as prose): {named}" if ids else ""
    print(f"Q&A layout not recognised: {len(ids)} of {len(parsed)} documents{which}")


def run_parse(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 1 only when nothing could be parsed; files that fail are named and skipped."""
    from vraagbaak.parsing import parse_paths
    from vraagbaak.parsing.isolation import ParseLimits
    from vraagbaak.units import write_jsonl

    parsed, failures = parse_paths(args.paths, limits=ParseLimits.from_settings(settings))
    for _path, message in failures:  # a ParseError message starts with the file it is about
        print(f"vraagbaak: skipped {message}", file=sys.stderr)
    if not parsed:
        if not failures:
            names = ", ".join(str(p) for p in args.paths)
            print(f"vraagbaak: no documents (.pdf, .docx, .md, .txt) found in {names}", file=sys.stderr)
        print("vraagbaak: nothing could be parsed", file=sys.stderr)
        return 1
    if args.out:
        try:
            count = write_jsonl(parsed, args.out)
        except OSError as error:
            print(f"vraagbaak: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"wrote {count} units of {len(parsed)} documents to {args.out}")
        print_unrecognised_layouts(parsed)
        return 0
    print_summary(parsed)
    print_unrecognised_layouts(parsed)
    return 0
