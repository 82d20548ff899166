"""How the fake service orders, pages and shapes a result set, apart from the HTTP around it.

Ordering follows `$orderby` with the key (`Id`) appended as the final tie-break, nulls first, as SQL
Server does. A `$skiptoken` is a keyset cursor (the last row's order-by values and Id), like the default
skip-token handler of Microsoft's OData libraries the TK service adopted in 2024 (OpenDataPortaal #82): a
next page stays correct when rows change between requests. Entities are shaped as OData returns them:
scalar properties, plus only the navigation properties that were expanded.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from vraagbaak.sources.tk.stand_in.query import QueryError, parse_datetime

Row = dict[str, Any]
DATETIMES = ("ApiGewijzigdOp", "GewijzigdOp", "Datum")


class Descending:
    """Inverts the order of a sort key part, for `desc` terms."""

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: Descending) -> bool:
        return other.key < self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Descending) and self.key == other.key


def sort_key(order: list[tuple[str, bool]]) -> Callable[[Row], tuple[Any, ...]]:
    """The sort key of `$orderby` plus Id; rows compare greater than a skiptoken when they come after it."""

    def part(row: dict[str, Any], prop: str) -> tuple[bool, Any]:
        value = row.get(prop)
        if value is not None and prop in DATETIMES:
            value = parse_datetime(value)
        return (value is not None, value if value is not None else 0)

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        parts = [Descending(part(row, p)) if desc else part(row, p) for p, desc in order]
        return (*parts, str(row["Id"]).lower())

    return key


def encode_skiptoken(row: Row, order: list[tuple[str, bool]]) -> str:
    """An opaque token holding the last row's order-by values and Id."""
    values = {prop: row.get(prop) for prop, _ in order} | {"Id": row["Id"]}
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_skiptoken(token: str, order: list[tuple[str, bool]]) -> Row:
    """The pseudo-row a token stands for; QueryError if it is not one of ours or not for this $orderby."""
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError as e:
        raise QueryError(f"Invalid skiptoken '{token}'.") from e
    if not isinstance(values, dict) or set(values) != {p for p, _ in order} | {"Id"}:
        raise QueryError(f"The skiptoken '{token}' does not match the $orderby.")
    return values


def odata_context(expand: dict[str, dict[str, Any]]) -> str:
    if not expand:
        return ""
    return "(" + ",".join(f"{name}({odata_context(nested)[1:-1]})" for name, nested in expand.items()) + ")"


def shape(row: dict[str, Any], expand: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An entity as the service returns it: its scalar properties, plus only the navigations expanded."""
    shaped = {k: v for k, v in row.items() if not isinstance(v, list)}
    for name, nested in expand.items():
        shaped[name] = [shape(child, nested) for child in row.get(name, [])]
    return shaped
