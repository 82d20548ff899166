"""The API's request and response models, with their limits.

Separate from the core's data model so that internal fields never leak
and every limit is visible in the OpenAPI schema. The CLI's `search --json`
prints these same objects.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, field_validator

from vraagbaak.retrieval.citations import Citation
from vraagbaak.retrieval.crossrefs import UnitLink
from vraagbaak.retrieval.query import MAX_K
from vraagbaak.retrieval.request import (
    K_HELP,
    MAX_QUESTION_CHARS,
    SearchFilters,
    SearchMode,
    SearchRequest,
    StrictModel,
    valid_question,
)
from vraagbaak.retrieval.search import SearchResponse, SearchResult
from vraagbaak.retrieval.similar import SimilarLink
from vraagbaak.units import DocumentKind, RelatedDocument, SourceRecord

__all__ = ["MAX_QUESTION_CHARS", "SearchFilters", "SearchRequest", "SearchResponse", "SearchResult"]

MAX_BATCH = 100


class BatchRequest(StrictModel):
    questions: list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUESTION_CHARS)]] = Field(
        min_length=1, max_length=MAX_BATCH
    )
    k: int | None = Field(default=None, ge=1, le=MAX_K, strict=True, description=K_HELP)
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)

    @field_validator("questions")
    @classmethod
    def _clean(cls, values: list[str]) -> list[str]:
        return [valid_question(value) for value in values]


class BatchResponse(BaseModel):
    took_ms: float
    index_generation: str
    responses: list[SearchResponse]


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
    section: str | None = Field(default=None, description="Prose: the heading the passage stands under.")


class DocumentDetail(DocumentSummary):
    """One document; `window` (only with ?full=true) holds at most MAX_WINDOW units in full."""

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
    url: str | None = Field(default=None, description="The document's public page, for documents taken by sync.")
    source: SourceRecord | None = Field(
        default=None, description="The Tweede Kamer open-data entity the document was synced from; null otherwise."
    )
    related: list[RelatedDocument] = Field(
        default_factory=list,
        description="The other documents in the index of its Zaak (the question, a postponement, the answer).",
    )
    unit_list: list[UnitBrief]
    window: UnitWindow | None = Field(
        default=None, description="With ?full=true: a bounded run of the units in full, in document order."
    )


class UnitRef(UnitLink):
    url: str | None = Field(description="Where to fetch the referenced unit; null when it is not in the index.")


class UnitText(BaseModel):
    """A unit in full, as the document view shows it."""

    unit_id: str
    number: int | None
    question_numbers: list[int] = Field(default_factory=list)
    answered: bool = True
    question: str
    answer: str
    party: str | None
    section: str | None
    page: int | None
    footnotes: dict[int, str]
    refs: list[UnitRef]
    referenced_by: list[UnitRef] = Field(description='Units whose answers point to this one ("verwezen vanuit").')
    citation: Citation


class UnitWindow(BaseModel):
    offset: int = Field(description="Position in the document of the first unit listed, from 0.")
    limit: int
    total: int = Field(description="Units the document holds; page on with ?offset=.")
    units: list[UnitText]


class UnitResponse(UnitText):
    doc_id: str
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


class DocumentUpload(StrictModel):
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
    model: str | None = Field(description="The model id; null unless the request carries the admin key.")
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


# ------------------------------------------------------------ similar questions and monitors


class SimilarRef(SimilarLink):
    """A unit whose question nearly repeats this one's ("ook eerder gevraagd"), with where to fetch it."""

    url: str


class UnitDetail(UnitResponse):
    similar: list[SimilarRef] = Field(
        default_factory=list,
        description="Near-duplicate questions of other units (at most 10), newest document first.",
    )


class MonitorRequest(StrictModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question to watch for.")
    filters: SearchFilters = Field(default_factory=SearchFilters)

    _clean = field_validator("question")(valid_question)


class MonitorResponse(BaseModel):
    monitor_id: str = Field(description="Unguessable: whoever has it can read the feed.")
    question: str
    filters: SearchFilters
    created: datetime.datetime
    feed_url: str = Field(description="The Atom feed; no key needed to read it.")
