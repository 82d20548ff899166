"""A monitor's feed entries: close matches among the units of documents added after it was saved.

The saved question is searched as `/v1/search` would search it, restricted
inside retrieval to the new documents (and the monitor's own filters); a hit
enters the feed only when `is_close_match` says so, so a new document that
merely ranks first among poor candidates stays out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from vraagbaak.retrieval.close_match import is_close_match
from vraagbaak.retrieval.query import MAX_K
from vraagbaak.retrieval.request import SearchFilters, SearchMode
from vraagbaak.retrieval.retriever import Retriever, SearchHit
from vraagbaak.service.monitors.store import Monitor, SeenDocument

logger = logging.getLogger(__name__)

MAX_ENTRIES = MAX_K
"""Most entries in one feed: the best-ranked close matches."""


@dataclass(frozen=True)
class Match:
    hit: SearchHit
    seen: SeenDocument


def close_matches(
    retriever: Retriever, monitor: Monitor, vector: np.ndarray, new_documents: list[SeenDocument]
) -> list[Match]:
    """Close matches in `new_documents` that are still in the index, newest document first, then by rank."""
    seen = {doc.doc_id: doc for doc in new_documents if retriever.document(doc.doc_id) is not None}
    saved = SearchFilters.model_validate_json(monitor.filters)
    wanted = [doc_id for doc_id in seen if not saved.doc_ids or doc_id in saved.doc_ids]
    if not wanted:
        return []
    filters = saved.model_copy(update={"doc_ids": wanted})
    hits = retriever.search_encoded(monitor.question, vector, MAX_ENTRIES, SearchMode.HYBRID, filters)
    matches = [Match(hit, seen[hit.unit.doc_id]) for hit in hits if is_close_match(hit)]
    matches.sort(key=lambda match: (-match.seen.first_seen.timestamp(), match.hit.rank))
    return matches
