"""A followed set of questions: its feed lists the answer or postponement notice that arrives for it.

A follow is a monitor with a Zaak instead of a search (`/v1/questions/{key}/follow`); it shares the
monitors' database, first-seen bookkeeping and Atom feed. A document belongs to the followed set when
it carries its Zaak number (or, for a set without one, is the followed document itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from vraagbaak.retrieval.questions import role
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.zaken import zaak_nummers_of
from vraagbaak.service.monitors.store import SeenDocument
from vraagbaak.units import Document

ROLE_TITLES = {"answer": "Antwoord", "notice": "Uitstelbericht", "question": "Vragen"}


@dataclass(frozen=True)
class Arrival:
    document: Document
    role: str
    seen: SeenDocument


def arrivals(retriever: Retriever, zaak: str, seen: list[SeenDocument]) -> list[Arrival]:
    """Documents of the followed set first seen after the follow began, newest first."""
    found = []
    for entry in seen:
        document = retriever.document(entry.doc_id)
        if document is None:
            continue  # removed since
        kind = role(document)
        if kind in ("answer", "notice") and (zaak in zaak_nummers_of(document) or document.doc_id == zaak):
            found.append(Arrival(document, kind, entry))
    found.sort(key=lambda arrival: arrival.seen.first_seen, reverse=True)
    return found
