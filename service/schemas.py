"""The API's request and response models, with their limits.

Separate from the indexer's data model so that internal fields never leak
and every limit is visible in the OpenAPI schema. The CLI's `search --json`
prints these same objects.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from indexer.citations import Citation
from indexer.errors import QueryError
from indexer.query import MAX_K, clean_question
from indexer.retrieval import Filters, SearchHit, SearchMode
from indexer.units import DocumentKind

MAX_QUESTION_CHARS = 2000
MAX_BATCH = 100
_K_HELP = "Results per question; when left out, the server's VRAAGBAAK_TOP_K (default 5)."

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _valid_question(value: str) -> str:
    """The one question rule (indexer.query), as pydantic wants it: a ValueError names the problem."""
    try:
        return clean_question(value)
    except QueryError as error:
        raise ValueError(str(error)) from error


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchFilters(_Strict):
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


class SearchRequest(_Strict):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The new parliamentary question.")
    k: int | None = Field(default=None, ge=1, le=MAX_K, strict=True, description=_K_HELP)
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)

    _clean = field_validator("question")(_valid_question)


class BatchRequest(_Strict):
    questions: list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUESTION_CHARS)]] = Field(
        min_length=1, max_length=MAX_BATCH
    )
    k: int | None = Field(default=None, ge=1, le=MAX_K, strict=True, description=_K_HELP)
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)

    @field_validator("questions")
    @classmethod
    def _clean(cls, values: list[str]) -> list[str]:
        return [_valid_question(value) for value in values]


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


class BatchResponse(BaseModel):
    took_ms: float
    index_generation: str
    responses: list[SearchResponse]


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


# ------------------------------------------------------------ units and documents


class DocumentSummary(BaseModel):
    doc_id: str
    kind: DocumentKind
    title: str
    dossier: str | None
    kamerstuk_nr: str | None
    date: datetime.date | None
    units: int = Field(description="Units the document holds in the index.")
    unanswered: int = Field(default=0, description="Of those, questions printed without an answer.")
    parties: list[str] = Field(description="Parties that asked its questions, sorted.")


class DocumentList(BaseModel):
    count: int
    index_generation: str
    documents: list[DocumentSummary]


class UnitBrief(BaseModel):
    unit_id: str
    number: int | None
    question_numbers: list[int] = Field(default_factory=list, description="Every question one shared answer covers.")
    answered: bool = True
    question: str
    party: str | None
    page: int | None


class DocumentDetail(DocumentSummary):
    source_file: str = Field(description="The file the document was read from (its name; no server paths).")
    content_hash: str
    warnings: list[str]
    vergaderjaar: str | None = None
    aanhangsel_nr: str | None = None
    zaaknummer: str | None = None
    questioners: list[str] = Field(default_factory=list)
    addressee: str | None = None
    answered_by: str | None = None
    subject: str | None = None
    submitted: datetime.date | None = None
    received: datetime.date | None = None
    postponement: str | None = Field(default=None, description="A notice that the answer comes later or elsewhere.")
    unit_list: list[UnitBrief]


class UnitRef(BaseModel):
    unit_id: str
    url: str | None = Field(description="Where to fetch the referenced unit; null when it is not in the index.")


class UnitResponse(BaseModel):
    unit_id: str
    doc_id: str
    number: int | None
    question: str
    answer: str
    party: str | None
    section: str | None
    page: int | None
    footnotes: dict[int, str]
    refs: list[UnitRef]
    citation: Citation
    document: DocumentSummary


# ------------------------------------------------------------ admin

DOC_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"


DOC_ID_DESCRIPTION = "Letters, digits, '_', '.', '-'; 1 to 100 characters, not starting with '.' or '-'."

UPLOAD_TYPES: dict[str, str] = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/markdown": ".md",
    "text/plain": ".txt",
    "application/octet-stream": "",  # the format is told from the content
}
"""Content-Types a file upload may have, with the suffix its original is kept under."""


def no_parent(value: str) -> str:
    if ".." in value:
        raise ValueError("must not contain '..'")
    return value


class DocumentUpload(_Strict):
    doc_id: str = Field(pattern=DOC_ID_PATTERN, description=DOC_ID_DESCRIPTION)
    text: str = Field(min_length=1, description="The document as plain UTF-8 text.")

    _no_parent = field_validator("doc_id")(no_parent)


class UpdateResponse(BaseModel):
    doc_id: str
    status: str = Field(description="added, replaced, unchanged or removed.")
    units: int = Field(description="Units of this document now in the index (0 after removal).")
    index_generation: str
    documents: int
    total_units: int
    took_ms: float


class ReloadResponse(BaseModel):
    previous_generation: str | None
    index_generation: str
    documents: int
    units: int
    took_ms: float


# ------------------------------------------------------------ health


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    status: str
    index_generation: str
    model: str
    documents: int
    units: int


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx body: one readable line, plus the per-field list for validation errors."""

    detail: str
    errors: list[ErrorDetail] | None = None
    error_id: str | None = Field(default=None, description="Server errors: the id of the details in the server log.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (400, "Malformed request."),
        (401, "Admin key missing."),
        (403, "Admin key wrong, or admin routes disabled."),
        (404, "No such unit or document."),
        (409, "The index is being written by another process."),
        (413, "Body over the size limit."),
        (415, "Upload is not UTF-8 text."),
        (422, "Invalid field; `detail` names it."),
        (503, "Index not loaded yet, or the server is overloaded (see Retry-After)."),
        (507, "The index could not be written (disk full); the previous index still serves."),
    )
}
