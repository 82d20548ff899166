"""`similar` in the API: a unit's near-duplicate questions as references the page can link."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.similar import similar_links
from vraagbaak.service.schemas import SimilarRef


def similar_refs(retriever: Retriever, unit_ids: Sequence[str]) -> dict[str, list[SimilarRef]]:
    """Per unit id, its near-duplicates from the stored question vectors, each with its URL; no model call."""
    return {
        unit_id: [SimilarRef(**link.model_dump(), url=f"/v1/units/{quote(link.unit_id, safe=':')}") for link in links]
        for unit_id, links in similar_links(retriever.content, unit_ids).items()
    }
