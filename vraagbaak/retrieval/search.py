"""A search's response, and the one function that answers a request, for API and CLI alike.

The HTTP routes and `vraagbaak search` build the same `SearchRequest`
(request.py), call `answer_search` and show the same `SearchResponse`; only how
the question is encoded differs (the service goes through its micro-batcher).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, Field

from vraagbaak.retrieval.citations import Citation
from vraagbaak.retrieval.close_match import first_close_match, is_close_match
from vraagbaak.retrieval.crossrefs import UnitLink, referenced_by, refs_of
from vraagbaak.retrieval.query import MAX_K
from vraagbaak.retrieval.request import DATE_SORT_POOL, SearchMode, SearchRequest, SearchSort
from vraagbaak.retrieval.retriever import Retriever, SearchHit
from vraagbaak.retrieval.similar import SimilarLink, similar_links
from vraagbaak.units import unit_as

QuestionEncoder = Callable[[str], np.ndarray]


class SearchResult(BaseModel):
    unit_id: str
    doc_id: str
    number: int | None
    question: str
    answer: str
    score: float
    rank: int = Field(description="Position in this list (by the requested sort), from 1.")
    relevance_rank: int = Field(description="Position by relevance; differs from rank when sorted by date.")
    matched: list[str] = Field(description="Signals that found the unit: question, answer, lexical.")
    signals: dict[str, float] = Field(description="Raw score per signal: cosine for question/answer, BM25 for lexical.")
    highlights: list[str]
    citation: Citation
    document_date: datetime.date | None = Field(
        description="The document's date: for answers to written questions the day the answer came in."
    )
    submitted: datetime.date | None = Field(description="Answers to written questions: when they were asked.")
    received: datetime.date | None = Field(description="Answers to written questions: when the answer came in.")
    refs: list[UnitLink] = Field(description='Units this answer points to ("zie het antwoord op vraag 46").')
    referenced_by: list[UnitLink] = Field(description='Units whose answers point to this one ("verwezen vanuit").')
    similar: list[SimilarLink] | None = Field(
        default=None, description="With include_similar: near-duplicate questions in other documents, newest first."
    )
    close_match: bool | None = Field(
        default=None, description="Cosine at or above the calibrated threshold (docs/retrieval.md); null for lexical."
    )


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    k: int
    sort: SearchSort = SearchSort.RELEVANCE
    took_ms: float
    index_generation: str
    results: list[SearchResult]
    close_match: bool | None = Field(
        default=None, description='The most relevant result is a close earlier answer; false: "geen vergelijkbaar".'
    )


def to_result(hit: SearchHit, retriever: Retriever, rank: int | None = None) -> SearchResult:
    assert hit.citation is not None
    return unit_as(
        SearchResult,
        hit.unit,
        score=round(hit.score, 6),
        rank=hit.rank if rank is None else rank,
        relevance_rank=hit.rank,
        matched=[signal.value for signal in hit.matched],
        signals={signal.value: round(value, 6) for signal, value in hit.signals.items()},
        highlights=hit.highlights,
        citation=hit.citation,
        document_date=hit.document.date,
        submitted=hit.document.submitted,
        received=hit.document.received,
        refs=refs_of(retriever, hit.unit),
        referenced_by=referenced_by(retriever, hit.unit.unit_id),
        close_match=is_close_match(hit),
    )


def sort_by_date(hits: list[SearchHit], sort: SearchSort, k: int) -> list[SearchHit]:
    """The first k of `hits` (best first) re-ordered by document date; undated last, ties by relevance."""
    if sort is SearchSort.RELEVANCE:
        return hits[:k]
    sign = -1 if sort is SearchSort.NEWEST else 1
    dated = sorted(
        hits, key=lambda hit: (hit.document.date is None, sign * (hit.document.date or datetime.date.min).toordinal())
    )
    return dated[:k]


def answer_search(
    request: SearchRequest,
    retriever: Retriever,
    default_k: int,
    *,
    encode: QuestionEncoder | None = None,
    vector: np.ndarray | None = None,
    started: float | None = None,
) -> SearchResponse:
    """Rank units for `request`. The query vector is `vector` when the caller encoded it already
    (a batch), else `encode(question)` (default: the retriever's own encoder); lexical needs none."""
    started = time.perf_counter() if started is None else started
    k = request.k or default_k
    if request.mode is not SearchMode.LEXICAL and vector is None:
        vector = encode(request.question) if encode else retriever.encode([request.question])[0]
    pool = k if request.sort is SearchSort.RELEVANCE else min(max(k, DATE_SORT_POOL), MAX_K)
    hits = retriever.search_encoded(request.question, vector, pool, request.mode, request.filters)
    close_match = first_close_match(hits, request.mode)  # by relevance, before any date sort
    hits = sort_by_date(hits, request.sort, k)
    results = [to_result(hit, retriever, rank) for rank, hit in enumerate(hits, 1)]
    if request.include_similar:  # stored question vectors only: about one matrix product, no model call
        similar = similar_links(retriever.content, [result.unit_id for result in results])
        results = [result.model_copy(update={"similar": similar[result.unit_id]}) for result in results]
    return SearchResponse(
        query=request.question,
        mode=request.mode,
        k=k,
        sort=request.sort,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        index_generation=retriever.generation,
        results=results,
        close_match=close_match,
    )
