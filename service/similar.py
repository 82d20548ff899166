"""`similar` in the API: a unit's near-duplicate questions as references the page can link."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from indexer.retrieval.retriever import Retriever
from indexer.retrieval.similar import find_similar
from service.schemas import SimilarRef


def similar_refs(retriever: Retriever, unit_ids: Sequence[str]) -> dict[str, list[SimilarRef]]:
    """Per unit id, its near-duplicates from the stored question vectors; no model call."""
    return {
        unit_id: [
            SimilarRef(
                unit_id=item.unit.unit_id,
                doc_id=item.unit.doc_id,
                number=item.unit.number,
                question=item.unit.question,
                date=item.document.date,
                cosine=item.cosine,
                url=f"/v1/units/{quote(item.unit.unit_id, safe=':')}",
            )
            for item in found
        ]
        for unit_id, found in find_similar(retriever.content, unit_ids).items()
    }
