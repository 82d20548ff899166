"""From a source entity to the index's data model: its document id, its source record, its parsed document.

The text is the authority on content (units, footnotes, what the heading says); the source is the authority
on identity and registration (ids, Zaak, dates, who asked whom). Where the text is silent, the source's
facts fill the gap; where both speak, the text's own heading stays, because that is what a drafter cites.
"""

from __future__ import annotations

import hashlib
import json
import re

from vraagbaak.sources.tk.records import TkActor, TkDocument
from vraagbaak.units import Document, ParsedDocument, SourceRecord

# The document id grammar of the index (letters, digits, '_', '.', '-'; 1 to 100 characters).
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
ASKERS = ("Indiener", "Medeindiener")
ADDRESSED = "Gericht aan"


def doc_id_for(document: TkDocument) -> str:
    """The KOOP id where the source gives one (ah-tk-20232024-1108: what the seeds and uploads use), else tk-<Id>."""
    if document.koop_id:
        safe = _UNSAFE.sub("-", document.koop_id).strip(".-")[:100]
        if safe:
            return safe
    return f"tk-{document.id}"


def zaak_nummers(document: TkDocument) -> tuple[str, ...]:
    return tuple(sorted({zaak.nummer for zaak in document.zaken if zaak.nummer}))


def source_record(document: TkDocument) -> SourceRecord:
    return SourceRecord(
        tk_id=document.id,
        soort=document.soort or "",
        document_nummer=document.document_nummer,
        titel=document.titel,
        onderwerp=document.onderwerp,
        datum=document.datum.date() if document.datum else None,
        vergaderjaar=document.vergaderjaar,
        aanhangselnummer=document.aanhangselnummer,
        datum_registratie=document.datum_registratie.date() if document.datum_registratie else None,
        datum_ontvangst=document.datum_ontvangst.date() if document.datum_ontvangst else None,
        zaak_nummers=zaak_nummers(document),
        koop_id=document.koop_id,
        url=document.public_url or None,
    )


def _actor_name(actor: TkActor) -> str | None:
    if not actor.naam:
        return None
    return f"{actor.naam} ({actor.fractie})" if actor.fractie else actor.naam


def _askers(document: TkDocument) -> tuple[str, ...]:
    names = [
        _actor_name(actor)
        for zaak in document.zaken
        for relatie in ASKERS
        for actor in zaak.actors
        if actor.relatie == relatie
    ]
    return tuple(dict.fromkeys(name for name in names if name))


def _addressee(document: TkDocument) -> str | None:
    for zaak in document.zaken:
        for actor in zaak.actors:
            if actor.relatie == ADDRESSED and (actor.functie or actor.naam):
                return actor.functie or actor.naam
    return None


def _aanhangsel_nr(value: str | None, vergaderjaar: str | None) -> str | None:
    """The source writes the Aanhangsel number after the vergaderjaar's digits (202320241108); cite the tail."""
    if not value:
        return None
    digits = (vergaderjaar or "").replace("-", "")
    if digits and value.startswith(digits) and len(value) > len(digits):
        return value[len(digits) :].lstrip("0") or value
    return value


def with_source(parsed: ParsedDocument, document: TkDocument) -> ParsedDocument:
    """The parsed document with the source's facts on it, and a content hash over file and facts.

    The hash covers the facts too, so a corrected title or Zaak replaces the stored document; an entity
    re-sent unchanged gives the same hash and is left alone.
    """
    text = parsed.document
    record = source_record(document)
    facts = json.dumps([text.content_hash, record.model_dump(mode="json")], sort_keys=True, ensure_ascii=False)
    untitled = not text.title or text.title == text.doc_id
    enriched = text.model_copy(
        update={
            "title": (record.onderwerp or record.titel or text.title) if untitled else text.title,
            "date": text.date or record.datum,
            "vergaderjaar": text.vergaderjaar or record.vergaderjaar,
            "aanhangsel_nr": text.aanhangsel_nr or _aanhangsel_nr(record.aanhangselnummer, record.vergaderjaar),
            "zaaknummer": text.zaaknummer or (record.zaak_nummers[0] if record.zaak_nummers else None),
            "questioners": text.questioners or _askers(document),
            "addressee": text.addressee or _addressee(document),
            "subject": text.subject or record.onderwerp,
            "received": text.received or record.datum_ontvangst,
            "source": record,
            "content_hash": hashlib.sha256(facts.encode("utf-8")).hexdigest(),
        }
    )
    return ParsedDocument(document=Document.model_validate(enriched.model_dump()), units=parsed.units)


def without_units(document: Document, record_hash: str) -> ParsedDocument:
    """A question or notice whose answer stands in for it: kept for the Zaak's record, with nothing to search.

    The content hash comes from the entity's own record hash, so superseding the same document again (a
    replayed batch) gives the same hash and changes nothing.
    """
    digest = hashlib.sha256(f"{record_hash}:superseded".encode()).hexdigest()
    return ParsedDocument(document=document.model_copy(update={"content_hash": digest}), units=())
