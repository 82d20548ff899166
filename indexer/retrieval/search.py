"""A search request, its response, and the one function that answers it, for API and CLI alike.

The HTTP routes and `vraagbaak search` build the same `SearchRequest`, call
`answer_search` and show the same `SearchResponse`; only how the question is
encoded differs (the service goes through its micro-batcher).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from indexer.errors import QueryError
from indexer.retrieval.citations import Citation
from indexer.retrieval.query import MAX_K, clean_question
from indexer.retrieval.retriever import Filters, Retriever, SearchHit, SearchMode
from indexer.units import DocumentKind

MAX_QUESTION_CHARS = 2000
K_HELP = "Results per question; when left out, the server's VRAAGBAAK_TOP_K (default 5)."

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
QuestionEncoder = Callable[[str], np.ndarray]


def valid_question(value: str) -> str:
    """The one question rule (`clean_question`), as pydantic wants it: a ValueError names the problem."""
    try:
        return clean_question(value)
    except QueryError as error:
        raise ValueError(str(error)) from error


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchFilters(StrictModel):
    doc_ids: list[ShortText] = Field(default_factory=list, max_length=100)
    kinds: list[DocumentKind] = Field(default_factory=list, max_length=len(DocumentKind))
    parties: list[ShortText] = Field(default_factory=list, max_length=50)
    dossier: ShortText | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    include_unanswered: bool = Field(
        default=False, description="Also return questions printed without an answer (question documents, notices)."
    )

    def to_filters(self) -> Filters:
        return Filters(
            doc_ids=tuple(self.doc_ids),
            kinds=tuple(self.kinds),
            parties=tuple(self.parties),
            dossier=self.dossier,
            date_from=self.date_from,
            date_to=self.date_to,
            include_unanswered=self.include_unanswered,
        )


class SearchRequest(StrictModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The new parliamentary question.")
    k: int | None = Field(default=None, ge=1, le=MAX_K, strict=True, description=K_HELP)
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)

    _clean = field_validator("question")(valid_question)


class SearchResult(BaseModel):
    unit_id: str
    doc_id: str
    number: int | None
    question: str
    answer: str
    score: float
    rank: int
    matched: list[str] = Field(description="Signals that found the unit: question, answer, lexical.")
    signals: dict[str, float] = Field(description="Raw score per signal: cosine for question/answer, BM25 for lexical.")
    highlights: list[str]
    citation: Citation


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    k: int
    took_ms: float
    index_generation: str
    results: list[SearchResult]


def to_result(hit: SearchHit) -> SearchResult:
    assert hit.citation is not None
    return SearchResult(
        unit_id=hit.unit.unit_id,
        doc_id=hit.unit.doc_id,
        number=hit.unit.number,
        question=hit.unit.question,
        answer=hit.unit.answer,
        score=round(hit.score, 6),
        rank=hit.rank,
        matched=[signal.value for signal in hit.matched],
        signals={signal.value: round(value, 6) for signal, value in hit.signals.items()},
        highlights=hit.highlights,
        citation=hit.citation,
    )


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
    hits = retriever.search_encoded(request.question, vector, k, request.mode, request.filters.to_filters())
    return SearchResponse(
        query=request.question,
        mode=request.mode,
        k=k,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        index_generation=retriever.generation,
        results=[to_result(hit) for hit in hits],
    )
