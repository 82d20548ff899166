"""One model of what a search asks: the JSON body, the GET query string and the CLI's flags all fill it."""

from __future__ import annotations

import argparse
import datetime

from vraagbaak.cli.commands.search import API_ONLY, CLI_ONLY, search_query
from vraagbaak.cli.main import build_parser
from vraagbaak.retrieval.request import (
    QUERY_NAMES,
    SearchFilters,
    SearchGroup,
    SearchMode,
    SearchQuery,
    SearchRequest,
    SearchSort,
)
from vraagbaak.units import DocumentKind


def _search_parser() -> argparse.ArgumentParser:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices["search"]


def test_every_search_parameter_has_its_cli_flag_with_the_models_default_and_choices() -> None:
    actions = {action.dest: action for action in _search_parser()._actions if action.dest != "help"}
    fields = {info.alias or name: info for name, info in SearchQuery.model_fields.items()}
    assert set(actions) - CLI_ONLY - {"question"} == set(fields) - API_ONLY - {"q"}
    for dest, action in actions.items():
        if dest in CLI_ONLY or dest == "question":
            continue
        info = fields[dest]
        assert action.default == info.get_default(call_default_factory=True), dest
        choices = {"mode": SearchMode, "sort": SearchSort, "kind": DocumentKind, "group": SearchGroup}.get(dest)
        assert action.choices == (None if choices is None else [member.value for member in choices]), dest


def test_the_cli_and_the_query_string_make_the_same_request() -> None:
    argv = ["search", "haven", "-k", "3", "--mode", "lexical", "--party", "VVD", "--party", "D66", "--doc", "a"]
    argv += ["--kind", "qa_list", "--dossier", "36180", "--date-from", "2025-01-01", "--date-to", "2025-12-31"]
    argv += ["--sort", "newest", "--include-unanswered", "--group", "document"]
    from_cli = search_query(build_parser().parse_args(argv)).to_request()
    query = {"q": "haven", "k": "3", "mode": "lexical", "party": ["VVD", "D66"], "doc_id": ["a"], "kind": ["qa_list"]}
    query |= {"dossier": "36180", "date_from": "2025-01-01", "date_to": "2025-12-31", "sort": "newest"}
    query |= {"group": "document"}
    from_query = SearchQuery.model_validate({**query, "include_unanswered": "true"}).to_request()
    assert from_cli == from_query
    assert from_cli.filters == SearchFilters(
        parties=["VVD", "D66"],
        doc_ids=["a"],
        kinds=[DocumentKind.QA_LIST],
        dossier="36180",
        date_from=datetime.date(2025, 1, 1),
        date_to=datetime.date(2025, 12, 31),
        include_unanswered=True,
    )


def test_the_query_string_names_the_filters_fields_and_the_body_nests_them() -> None:
    aliases = {name: info.alias for name, info in SearchQuery.model_fields.items()}
    assert {name: aliases[name] for name in SearchFilters.model_fields} == {
        name: QUERY_NAMES.get(name, name) for name in SearchFilters.model_fields
    }
    assert SearchRequest.model_fields["filters"].annotation is SearchFilters
    assert not SearchFilters().active and SearchFilters(include_unanswered=True).active is False
    assert SearchFilters(dossier="1").active
