"""`vraagbaak search "vraag"`: ranked earlier answers with their citations.

The flags fill `SearchQuery`, the model of `GET /v1/search`'s query string: each
flag's destination is its query-string name, and its choices and limits are the
model's (tests/core/test_query.py checks that every field but `API_ONLY` has its flag).
"""

from __future__ import annotations

import argparse
import datetime
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from vraagbaak.retrieval.request import DATE_SORT_POOL, SearchGroup, SearchMode, SearchQuery, SearchSort
from vraagbaak.settings import Settings
from vraagbaak.units import DocumentKind

if TYPE_CHECKING:
    from vraagbaak.retrieval.search import SearchResponse

CLI_ONLY = frozenset({"index", "json"})
"""Destinations of flags that are not search parameters."""
API_ONLY = frozenset({"include_similar"})
"""Search parameters the command leaves at their default (its text output has no place for them)."""


def register(commands: argparse._SubParsersAction) -> None:
    search = commands.add_parser("search", help="find earlier answers to a question")
    search.add_argument("question")
    search.add_argument(
        "-k", "--top-k", dest="k", type=int, default=None, help="number of results (default: VRAAGBAAK_TOP_K)"
    )
    search.add_argument("--mode", choices=[mode.value for mode in SearchMode], default=SearchMode.HYBRID.value)
    search.add_argument("--party", action="append", default=[], help="only units asked by this party (repeatable)")
    search.add_argument("--doc", action="append", default=[], dest="doc_id", help="only this document (repeatable)")
    search.add_argument("--kind", action="append", default=[], choices=[kind.value for kind in DocumentKind])
    search.add_argument(
        "--include-unanswered", action="store_true", help="also questions printed without an answer (yet)"
    )
    search.add_argument("--dossier", default=None)
    search.add_argument("--date-from", type=datetime.date.fromisoformat, default=None)
    search.add_argument("--date-to", type=datetime.date.fromisoformat, default=None)
    search.add_argument(
        "--sort",
        choices=[sort.value for sort in SearchSort],
        default=SearchSort.RELEVANCE.value,
        help=f"by date: the {DATE_SORT_POOL} most relevant (or k, when larger) re-ordered by date",
    )
    search.add_argument(
        "--group",
        choices=[group.value for group in SearchGroup],
        default=SearchGroup.NONE.value,
        help="document: documents ranked by their best unit, each with its best units (VRAAGBAAK_GROUP_UNITS); "
        "-k then counts documents",
    )
    search.add_argument("--index", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    search.add_argument("--json", action="store_true", help="print the API's response object")
    search.set_defaults(handler=run_search)


def search_query(args: argparse.Namespace) -> SearchQuery:
    """The search the flags ask for; a pydantic ValidationError names the bad one."""
    values = {name: value for name, value in vars(args).items() if name not in CLI_ONLY}
    return SearchQuery.model_validate({**values, "q": values.pop("question")})


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from vraagbaak.errors import describe_validation_error
    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.retrieval.search import answer_search

    try:
        request = search_query(args).to_request()
    except ValidationError as error:
        print(f"vraagbaak search: {describe_validation_error(error)}")
        return 2
    retriever = open_retriever(args.index or settings.index_dir, settings.model_cache, engine=settings.query_engine)
    response = answer_search(request, retriever, settings.top_k, group_units=settings.group_units)
    if args.json:
        print(response.model_dump_json(indent=2))
        return 0
    if response.documents is not None:
        print_documents(response)
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


def print_documents(response: SearchResponse) -> None:
    """A grouped response: each document with its citation, then its shown units (the best marked *)."""
    if not response.documents:
        print("no results")
    for document in response.documents or []:
        print(f"{document.rank:>2}. [{document.score:.4f}] {document.doc_id}  ({document.matched} units matched)")
        print(f"    {document.citation}")
        for unit in document.units:
            mark = "*" if unit.best else ("+" if unit.context_for else "-")
            label = f"vraag {unit.number}" if unit.number is not None else unit.unit_id
            via = f" (bij {unit.context_for})" if unit.context_for else ""
            print(f"    {mark} {label}{via}")
            if unit.question:
                print(textwrap.indent(textwrap.shorten(unit.question, 200), "      V: "))
            print(textwrap.indent(textwrap.shorten(unit.answer, 300), "      A: "))
        print()
    print(f"({response.took_ms:.0f} ms)")
