"""`vraagbaak search "vraag"`: ranked earlier answers with their citations."""

from __future__ import annotations

import argparse
import datetime
import textwrap
from pathlib import Path

from vraagbaak.settings import Settings
from vraagbaak.units import DocumentKind


def register(commands: argparse._SubParsersAction) -> None:
    search = commands.add_parser("search", help="find earlier answers to a question")
    search.add_argument("question")
    search.add_argument("-k", "--top-k", type=int, default=None, help="number of results (default: VRAAGBAAK_TOP_K)")
    search.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    search.add_argument("--party", action="append", default=[], help="only units asked by this party (repeatable)")
    search.add_argument("--doc", action="append", default=[], dest="doc_ids", help="only this document (repeatable)")
    search.add_argument("--kind", action="append", default=[], choices=[kind.value for kind in DocumentKind])
    search.add_argument(
        "--include-unanswered", action="store_true", help="also questions printed without an answer (yet)"
    )
    search.add_argument("--dossier", default=None)
    search.add_argument("--date-from", type=datetime.date.fromisoformat, default=None)
    search.add_argument("--date-to", type=datetime.date.fromisoformat, default=None)
    search.add_argument(
        "--sort",
        choices=("relevance", "newest", "oldest"),
        default="relevance",
        help="by date: the 20 most relevant (or k, when larger) re-ordered by date",
    )
    search.add_argument("--index", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    search.add_argument("--json", action="store_true", help="print the API's response object")
    search.set_defaults(handler=run_search)


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.retrieval.search import SearchFilters, SearchRequest, answer_search

    try:
        request = SearchRequest(
            question=args.question,
            k=args.top_k or settings.top_k,
            mode=args.mode,
            sort=args.sort,
            filters=SearchFilters(
                doc_ids=args.doc_ids,
                kinds=args.kind,
                parties=args.party,
                dossier=args.dossier,
                date_from=args.date_from,
                date_to=args.date_to,
                include_unanswered=args.include_unanswered,
            ),
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()
        )
        print(f"vraagbaak search: {problems}")
        return 2
    retriever = open_retriever(args.index or settings.index_dir, settings.model_cache, engine=settings.query_engine)
    response = answer_search(request, retriever, settings.top_k)
    if args.json:
        print(response.model_dump_json(indent=2))
        return 0
    if not response.results:
        print("no results")
    for result in response.results:
        print(f"{result.rank:>2}. [{result.score:.4f}] {result.unit_id}  ({', '.join(result.matched)})")
        print(f"    {result.citation.formatted}")
        for ref in result.refs:
            print(f"    zie: {ref.unit_id}" + (f" ({ref.title})" if ref.title else " (niet in de index)"))
        if result.question:
            print(textwrap.indent(textwrap.shorten(result.question, 300), "    V: "))
        print(textwrap.indent(textwrap.shorten(result.answer, 400), "    A: "))
        print()
    print(f"({response.took_ms:.0f} ms)")
    return 0
