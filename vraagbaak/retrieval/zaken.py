"""Documents of one Zaak: a question, its postponement notices and its answer, linked both ways.

A Zaak number ("2024Z14815") is what the Tweede Kamer gives a set of schriftelijke vragen; the question
document, a "Mededeling (uitstel antwoord)" and the answer all carry it, as the source states it for
synced documents and as the Aanhangsel heading prints it for uploaded ones. The map is built once per
loaded Retriever, on first use, as the cross-references are.
"""

from __future__ import annotations

import logging
import threading
import weakref

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.units import Document, RelatedDocument

logger = logging.getLogger(__name__)

_maps: weakref.WeakKeyDictionary[Retriever, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def zaak_nummers_of(document: Document) -> tuple[str, ...]:
    """The Zaak numbers a document belongs to: the source's where synced, else its heading's."""
    found = list(document.source.zaak_nummers) if document.source else []
    if document.zaaknummer and document.zaaknummer not in found:
        found.append(document.zaaknummer)
    return tuple(found)


def _by_zaak(retriever: Retriever) -> dict[str, tuple[str, ...]]:
    found = _maps.get(retriever)
    if found is None:
        with _lock:
            found = _maps.get(retriever)
            if found is None:
                grouped: dict[str, list[str]] = {}
                for doc_id, document in sorted(retriever.content.documents.items()):
                    for nummer in zaak_nummers_of(document):
                        grouped.setdefault(nummer, []).append(doc_id)
                found = {nummer: tuple(ids) for nummer, ids in grouped.items() if len(ids) > 1}
                _maps[retriever] = found
                logger.debug("zaken: %d hold more than one document", len(found))
    return found


def related_documents(retriever: Retriever, doc_id: str) -> list[RelatedDocument]:
    """The other documents of `doc_id`'s Zaken, oldest first (question, notice, answer)."""
    document = retriever.document(doc_id)
    if document is None:
        return []
    by_zaak = _by_zaak(retriever)
    related: dict[str, RelatedDocument] = {}
    for nummer in zaak_nummers_of(document):
        for other_id in by_zaak.get(nummer, ()):
            other = retriever.document(other_id)
            if other_id == doc_id or other_id in related or other is None:
                continue
            related[other_id] = RelatedDocument(
                doc_id=other_id,
                kind=other.kind,
                title=other.title,
                date=other.date,
                soort=other.source.soort if other.source else None,
                zaaknummer=nummer,
                units=len(retriever.units_of(other_id)),
                url=other.url,
            )
    return sorted(related.values(), key=lambda r: (r.date is None, r.date, r.doc_id))
