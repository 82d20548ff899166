"""The OData query the client sends for a delta of documents, built in one place so NOTES and tests agree.

`GET Document?$filter=...&$orderby=ApiGewijzigdOp,Id&$expand=Zaak($expand=ZaakActor),DocumentVersie`

- `ApiGewijzigdOp ge <since>`: inclusive on purpose. A checkpoint is the highest `ApiGewijzigdOp` of a
  finished page; entities sharing that exact timestamp may sit on the next page, so `gt` could skip them.
  Re-reading the few at the boundary is harmless because sync compares content hashes.
- `startswith(Soort,'...')` (or `Soort eq '...'`): the source adds variants such as "(nader)".
- `or Verwijderd eq true`: deleted entities stay as placeholders whose fields may be emptied, `Soort`
  included, so a Soort filter alone could hide exactly the deletions sync must see.
- `$orderby=ApiGewijzigdOp,Id`: a total order, so a page boundary (server `$skiptoken`) is well defined.
- No `$top`: the service stops giving `@odata.nextLink` when `$top` is present (TK issue #70).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

ENTITY_SET = "Document"
ORDER_BY = "ApiGewijzigdOp,Id"
EXPAND = "Zaak($expand=ZaakActor),DocumentVersie"
SAFE = "$,()':"


def odata_string(value: str) -> str:
    """An OData string literal: single quotes, inner quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def odata_datetime(value: datetime) -> str:
    """An `Edm.DateTimeOffset` literal in UTC (`Z`, so no `+` needs escaping); naive values are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"since must be timezone-aware (got naive {value.isoformat()}); use datetime.now(UTC)")
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def soort_clause(soorten: Sequence[str], prefix_match: bool) -> str:
    """`startswith(Soort,'a') or ...` (or `Soort eq 'a' or ...`) for the configured document kinds."""
    cleaned = [s.strip() for s in soorten if isinstance(s, str) and s.strip()]
    if not cleaned or len(cleaned) != len(soorten):
        raise ValueError(f"soorten must be non-empty strings, got {list(soorten)!r}")
    if prefix_match:
        return " or ".join(f"startswith(Soort,{odata_string(s)})" for s in cleaned)
    return " or ".join(f"Soort eq {odata_string(s)}" for s in cleaned)


def document_filter(soorten: Sequence[str], since: datetime | None, prefix_match: bool = True) -> str:
    """The `$filter` value: the kinds asked for, plus every deletion, changed at or after `since`."""
    match = f"({soort_clause(soorten, prefix_match)} or Verwijderd eq true)"
    if since is None:
        return match
    return f"ApiGewijzigdOp ge {odata_datetime(since)} and {match}"


def document_query(soorten: Sequence[str], since: datetime | None, prefix_match: bool = True) -> dict[str, str]:
    """All query options of the first page; later pages follow the server's `@odata.nextLink` as given."""
    return {
        "$filter": document_filter(soorten, since, prefix_match),
        "$orderby": ORDER_BY,
        "$expand": EXPAND,
    }


def encode_query(params: Mapping[str, str]) -> str:
    """The query string in OData's own URL form: `$` and `(),':` literal, spaces as `%20` (never `+`)."""
    return "&".join(f"{name}={quote(value, safe=SAFE)}" for name, value in params.items())


def matches_soort(soort: str | None, soorten: Sequence[str], prefix_match: bool) -> bool:
    """The same test client-side, case-sensitive: the server's collation may be case-insensitive."""
    if soort is None:
        return False
    wanted = [s.strip() for s in soorten]
    return any(soort.startswith(s) for s in wanted) if prefix_match else soort in wanted
