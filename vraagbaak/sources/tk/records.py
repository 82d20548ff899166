"""What sync keeps of a Tweede Kamer `Document` entity, read tolerantly from the OData JSON.

The source is uneven: fields are null, missing or empty strings depending on the document's age and kind,
deleted entities come back as placeholders with little more than their `Id`, and expanded `Zaak`,
`ZaakActor` and `DocumentVersie` lists hold deleted rows too. `TkDocument.from_odata` takes all of that
without raising, except for a missing or malformed `Id` (without which nothing can be synced).

`content_hash()` is what sync compares to decide whether anything changed: after a data fix the source
re-sends tens of thousands of entities with new `GewijzigdOp`/`ApiGewijzigdOp` and nothing else changed,
so the hash covers the kept facts only (not those timestamps, not derived values such as `public_url`),
with lists in a canonical order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

#: Bumped whenever the hash recipe changes, so old and new hashes never compare equal by accident.
HASH_VERSION = "tk-document-v1"

#: KOOP identifiers as `DocumentVersie.ExterneIdentifier` carries them: kst-36123-4, ah-tk-20232024-1108,
#: kv-tk-2024Z14815, h-tk-20232024-12-3, blg-1234567. Anything else is not turned into a URL.
KOOP_ID = re.compile(r"^[a-z]{1,8}(?:-[A-Za-z0-9]{1,20}){1,6}$")

OFFICIELE_BEKENDMAKINGEN_URL = "https://zoek.officielebekendmakingen.nl/{koop_id}.html"
TWEEDEKAMER_DETAIL_URL = "https://www.tweedekamer.nl/kamerstukken/{section}/detail?id={zaak}&did={document}"
RESOURCE_URL = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/Document({id})/resource"

#: Document kinds with a known detail page on tweedekamer.nl (section of the URL), for documents that KOOP
#: has not (yet) published. Other kinds fall back to the API's download link.
TWEEDEKAMER_SECTIONS = {
    "Schriftelijke vragen": "kamervragen",
    "Antwoord schriftelijke vragen": "kamervragen",
    "Antwoord schriftelijke vragen (nader)": "kamervragen",
    "Mededeling (uitstel antwoord)": "kamervragen",
    "Brief regering": "brieven_regering",
}


def _text(value: object) -> str | None:
    """A stripped string, or None for null, missing, blank or non-string values."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _bool(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def parse_odata_datetime(value: object) -> datetime | None:
    """An `Edm.DateTimeOffset` (7 fractional digits, `Z` or an offset) or a bare date; None if unreadable."""
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        logger.debug("unreadable date-time %r from the source; kept as missing", text)
        return None


def _guid(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _rows(value: object) -> list[Mapping[str, Any]]:
    """The live (not deleted) entities of an expanded navigation property."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return []
    return [row for row in value if isinstance(row, Mapping) and not _bool(row.get("Verwijderd"))]


@dataclass(frozen=True)
class TkActor:
    """One `ZaakActor`: who asked (Indiener, Medeindiener), who was asked (Gericht aan), which committee."""

    relatie: str | None
    naam: str | None
    fractie: str | None
    functie: str | None

    @classmethod
    def from_odata(cls, row: Mapping[str, Any]) -> TkActor:
        return cls(
            relatie=_text(row.get("Relatie")),
            naam=_text(row.get("ActorNaam")),
            fractie=_text(row.get("ActorFractie")),
            functie=_text(row.get("Functie")),
        )

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.relatie or "", self.naam or "", self.fractie or "", self.functie or "")


@dataclass(frozen=True)
class TkZaak:
    """One `Zaak` a document belongs to (a set of written questions, a bill), with its actors."""

    id: str
    nummer: str | None
    soort: str | None
    titel: str | None
    onderwerp: str | None
    actors: tuple[TkActor, ...] = ()

    @classmethod
    def from_odata(cls, row: Mapping[str, Any]) -> TkZaak | None:
        zaak_id = _guid(row.get("Id"))
        if zaak_id is None:
            return None
        actors = sorted((TkActor.from_odata(a) for a in _rows(row.get("ZaakActor"))), key=TkActor.sort_key)
        return cls(
            id=zaak_id,
            nummer=_text(row.get("Nummer")),
            soort=_text(row.get("Soort")),
            titel=_text(row.get("Titel")),
            onderwerp=_text(row.get("Onderwerp")),
            actors=tuple(actors),
        )


def _current_version(entity: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str | None]:
    """The current `DocumentVersie` and the KOOP id to use (the current one's, else the newest one given)."""
    versions = _rows(entity.get("DocumentVersie"))
    if not versions:
        return None, None
    current_id = _guid(entity.get("HuidigeDocumentVersie_Id"))
    newest_first = sorted(versions, key=lambda v: _int(v.get("Versienummer")) or -1, reverse=True)
    current = next((v for v in versions if current_id and _guid(v.get("Id")) == current_id), newest_first[0])
    candidates = [current, *newest_first]
    koop_ids = (_text(v.get("ExterneIdentifier")) for v in candidates)
    koop_id = next((k for k in koop_ids if k and KOOP_ID.match(k)), None)
    return current, koop_id


@dataclass(frozen=True)
class TkDocument:
    """A `Document` as sync keeps it. `verwijderd` documents are placeholders: sync removes them."""

    id: str
    soort: str | None
    document_nummer: str | None
    titel: str | None
    onderwerp: str | None
    datum: datetime | None
    vergaderjaar: str | None
    aanhangselnummer: str | None
    datum_registratie: datetime | None
    datum_ontvangst: datetime | None
    gewijzigd_op: datetime | None
    api_gewijzigd_op: datetime | None
    verwijderd: bool
    koop_id: str | None
    versienummer: int | None
    content_type: str | None
    content_length: int | None
    zaken: tuple[TkZaak, ...] = ()
    public_url: str = field(default="", compare=False)

    @classmethod
    def from_odata(cls, entity: Mapping[str, Any]) -> TkDocument:
        """Read one entity of `Document?$expand=Zaak($expand=ZaakActor),DocumentVersie`; ValueError without Id."""
        doc_id = _guid(entity.get("Id"))
        if doc_id is None:
            raise ValueError(f"a Document entity without a valid Id: {entity.get('Id')!r}")
        version, koop_id = _current_version(entity)
        zaken = sorted(
            (z for z in (TkZaak.from_odata(row) for row in _rows(entity.get("Zaak"))) if z is not None),
            key=lambda z: (z.nummer or "", z.id),
        )
        document = cls(
            id=doc_id,
            soort=_text(entity.get("Soort")),
            document_nummer=_text(entity.get("DocumentNummer")),
            titel=_text(entity.get("Titel")),
            onderwerp=_text(entity.get("Onderwerp")),
            datum=parse_odata_datetime(entity.get("Datum")),
            vergaderjaar=_text(entity.get("Vergaderjaar")),
            aanhangselnummer=_text(entity.get("Aanhangselnummer")),
            datum_registratie=parse_odata_datetime(entity.get("DatumRegistratie")),
            datum_ontvangst=parse_odata_datetime(entity.get("DatumOntvangst")),
            gewijzigd_op=parse_odata_datetime(entity.get("GewijzigdOp")),
            api_gewijzigd_op=parse_odata_datetime(entity.get("ApiGewijzigdOp")),
            verwijderd=_bool(entity.get("Verwijderd")),
            koop_id=koop_id,
            versienummer=_int(version.get("Versienummer")) if version else None,
            content_type=_text(entity.get("ContentType")),
            content_length=_int(entity.get("ContentLength")),
            zaken=tuple(zaken),
        )
        return document.with_public_url()

    def with_public_url(self) -> TkDocument:
        """A copy with `public_url` filled in by the rule in `public_url_for`."""
        return TkDocument(**{**self._fields(), "public_url": public_url_for(self)})

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def content_hash(self) -> str:
        """SHA-256 of the kept facts; equal for an entity re-sent unchanged with new timestamps."""
        facts = asdict(self)
        for volatile in ("gewijzigd_op", "api_gewijzigd_op", "public_url"):
            facts.pop(volatile)
        payload = json.dumps([HASH_VERSION, facts], sort_keys=True, ensure_ascii=False, default=_json_default)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def resource_fingerprint(self) -> str:
        """What identifies the file: sync re-downloads only when this changes, not on every metadata edit."""
        facts = [HASH_VERSION, self.id, self.versienummer, self.content_type, self.content_length]
        return hashlib.sha256(json.dumps(facts).encode("utf-8")).hexdigest()


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def public_url_for(document: TkDocument) -> str:
    """The page a reader should open: KOOP's official publication, else tweedekamer.nl, else the API file.

    KOOP (zoek.officielebekendmakingen.nl) is the authentic, permanent publication and is what the
    ExterneIdentifier names; tweedekamer.nl detail pages need the Zaak number and a section that differs
    per document kind; the API download link always works but shows a bare file.
    """
    if document.koop_id:
        return OFFICIELE_BEKENDMAKINGEN_URL.format(koop_id=document.koop_id)
    section = TWEEDEKAMER_SECTIONS.get(document.soort or "")
    if section and document.document_nummer:
        zaak = next((z.nummer for z in document.zaken if z.nummer), document.document_nummer)
        return TWEEDEKAMER_DETAIL_URL.format(section=section, zaak=zaak, document=document.document_nummer)
    return RESOURCE_URL.format(id=document.id)
