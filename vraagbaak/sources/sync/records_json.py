"""A source entity as JSON in the sync database, and back: a failed file is retried without asking the source."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from vraagbaak.sources.tk.records import TkActor, TkDocument, TkZaak

_DATES = ("datum", "datum_registratie", "datum_ontvangst", "gewijzigd_op", "api_gewijzigd_op")


def tk_to_json(document: TkDocument) -> dict[str, Any]:
    data = asdict(document)
    for name in _DATES:
        value = data[name]
        data[name] = value.isoformat() if isinstance(value, datetime) else None
    return data


def tk_from_json(data: dict[str, Any]) -> TkDocument:
    fields = dict(data)
    for name in _DATES:
        fields[name] = datetime.fromisoformat(fields[name]) if fields.get(name) else None
    fields["zaken"] = tuple(
        TkZaak(**{**zaak, "actors": tuple(TkActor(**actor) for actor in zaak.get("actors", ()))})
        for zaak in fields.get("zaken", ())
    )
    return TkDocument(**fields)
