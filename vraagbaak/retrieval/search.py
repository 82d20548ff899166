"""A search's response, and the one function that answers a request, for API and CLI alike.

The HTTP routes and `vraagbaak search` build the same `SearchRequest`
(request.py), call `answer_search` and show the same `SearchResponse`; only how
the question is encoded differs (the service goes through its micro-batcher).
With `group=document` the response lists documents (`DocumentResult`, built
from grouping.py's groups) in `documents`, and `results` stays empty.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, Field

from vraagbaak.retrieval.citations import Citation, cite, format_document_citation
from vraagbaak.retrieval.close_match import first_close_match, is_close_match
from vraagbaak.retrieval.crossrefs import UnitLink, referenced_by, refs_of
from vraagbaak.retrieval.grouping import (
    GROUP_UNITS,
    DocumentGroup,
    ShownUnit,
    candidates_for_documents,
    group_by_document,
)
from vraagbaak.retrieval.query import MAX_K
from vraagbaak.retrieval.request import DATE_SORT_POOL, SearchGroup, SearchMode, SearchRequest, SearchSort
from vraagbaak.retrieval.retriever import Retriever, SearchHit
from vraagbaak.retrieval.similar import SimilarLink, similar_links
from vraagbaak.units import DocumentKind, unit_as

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


class UnitInDocument(SearchResult):
    """A unit shown inside a document result (group=document)."""

    # pydantic lets a subclass widen a field; mypy's override rule does not know that.
    score: float | None = Field(description="Fused score; null for a unit shown only as context.")  # type: ignore[assignment]
    rank: int | None = Field(description="Position among all units by relevance, from 1; null for context only.")  # type: ignore[assignment]
    relevance_rank: int | None = Field(description="As rank.")  # type: ignore[assignment]
    close_match: bool | None = None
    best: bool = Field(default=False, description="The document's best matching unit.")
    context_for: str | None = Field(
        default=None,
        description='Shown to complete this bare answer ("Ja.", "Zie het antwoord op vraag 4"): the unit it '
        "leads into or points to.",
    )


class DocumentResult(BaseModel):
    """One document of a grouped search: ranked by its best unit, opened at its best matching units."""

    doc_id: str
    rank: int = Field(description="Position in this list (by the requested sort), from 1.")
    relevance_rank: int = Field(description="Position by relevance; differs from rank when sorted by date.")
    score: float = Field(description="Its best unit's fused score (a bare answer's: the better of it and its context).")
    kind: DocumentKind
    title: str
    date: datetime.date | None
    dossier: str | None
    kamerstuk_nr: str | None
    questioners: list[str]
    addressee: str | None
    answered_by: str | None
    submitted: datetime.date | None
    received: datetime.date | None
    citation: str = Field(description="The document as a whole, ready to paste.")
    url: str | None = Field(description="The document's public page, where known.")
    matched: int = Field(description="Its units among the search's candidates.")
    units: list[UnitInDocument] = Field(description="Its best matching units and their context, in document order.")
    close_match: bool | None = Field(description="Its best unit is a close earlier answer; null for lexical.")


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    k: int = Field(description="Results asked for: units, or documents with group=document.")
    sort: SearchSort = SearchSort.RELEVANCE
    group: SearchGroup = SearchGroup.NONE
    took_ms: float
    index_generation: str
    results: list[SearchResult] = Field(description="The units found; empty with group=document.")
    documents: list[DocumentResult] | None = Field(
        default=None, description="With group=document: the documents found; null otherwise."
    )
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


def shown_as(shown: ShownUnit, question: str, retriever: Retriever) -> UnitInDocument:
    """A shown unit in the API's shape; one shown only as context has no score, rank or signals."""
    if shown.candidate is not None and shown.relevance_rank is not None:
        hit = retriever.to_hit(question, shown.candidate, shown.relevance_rank)
        result = to_result(hit, retriever)
        return UnitInDocument(**dict(result), best=shown.best, context_for=shown.context_for)
    document = retriever.document(shown.unit.doc_id)
    assert document is not None
    return unit_as(
        UnitInDocument,
        shown.unit,
        score=None,
        rank=None,
        relevance_rank=None,
        matched=[],
        signals={},
        highlights=[],
        citation=cite(shown.unit, document),
        document_date=document.date,
        submitted=document.submitted,
        received=document.received,
        refs=refs_of(retriever, shown.unit),
        referenced_by=referenced_by(retriever, shown.unit.unit_id),
        best=shown.best,
        context_for=shown.context_for,
    )


def document_result(group: DocumentGroup, question: str, retriever: Retriever, rank: int) -> DocumentResult:
    document = group.document
    units = [shown_as(shown, question, retriever) for shown in group.units]
    best = next(unit for unit in units if unit.best)
    return DocumentResult(
        doc_id=document.doc_id,
        rank=rank,
        relevance_rank=group.relevance_rank,
        score=round(group.score, 6),
        kind=document.kind,
        title=document.title,
        date=document.date,
        dossier=document.dossier,
        kamerstuk_nr=document.kamerstuk_nr,
        questioners=list(document.questioners),
        addressee=document.addressee,
        answered_by=document.answered_by,
        submitted=document.submitted,
        received=document.received,
        citation=format_document_citation(document),
        url=document.url,
        matched=group.matched,
        units=units,
        close_match=best.close_match,
    )


def sort_groups_by_date(groups: list[DocumentGroup], sort: SearchSort, k: int) -> list[DocumentGroup]:
    """As `sort_by_date`, one level up: the first k documents of `groups` re-ordered by their date."""
    if sort is SearchSort.RELEVANCE:
        return groups[:k]
    sign = -1 if sort is SearchSort.NEWEST else 1
    key = lambda group: (group.document.date is None, sign * (group.document.date or datetime.date.min).toordinal())  # noqa: E731
    return sorted(groups, key=key)[:k]


def answer_grouped(
    request: SearchRequest, retriever: Retriever, k: int, vector: np.ndarray | None, group_units: int
) -> tuple[list[DocumentResult], bool | None]:
    """The documents for a `group=document` request, and the response's close_match (its first unit's)."""
    pool = k if request.sort is SearchSort.RELEVANCE else min(max(k, DATE_SORT_POOL), MAX_K)
    found = candidates_for_documents(retriever, request.question, vector, pool, request.mode, request.filters)
    groups = sort_groups_by_date(group_by_document(retriever, found, pool, group_units), request.sort, k)
    close_match = first_close_match([retriever.to_hit(request.question, found[0], 1)] if found else [], request.mode)
    documents = [document_result(group, request.question, retriever, rank) for rank, group in enumerate(groups, 1)]
    if request.include_similar:
        similar = similar_links(retriever.content, [u.unit_id for d in documents for u in d.units])
        for document in documents:
            document.units = [u.model_copy(update={"similar": similar[u.unit_id]}) for u in document.units]
    return documents, close_match


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
    group_units: int = GROUP_UNITS,
) -> SearchResponse:
    """Rank units, or documents with `group=document` (`group_units` shown each), for `request`. The query
    vector is `vector` when the caller encoded it already (a batch), else `encode(question)` (default: the
    retriever's own encoder); lexical needs none."""
    started = time.perf_counter() if started is None else started
    k = request.k or default_k
    if request.mode is not SearchMode.LEXICAL and vector is None:
        vector = encode(request.question) if encode else retriever.encode([request.question])[0]
    if request.group is SearchGroup.DOCUMENT:
        documents, grouped_close = answer_grouped(request, retriever, k, vector, group_units)
        return SearchResponse(
            query=request.question,
            mode=request.mode,
            k=k,
            sort=request.sort,
            group=request.group,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            index_generation=retriever.generation,
            results=[],
            documents=documents,
            close_match=grouped_close,
        )
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
