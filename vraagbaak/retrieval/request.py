"""What a search asks: the question, how many results, how, sorted how, and restricted to what.

`SearchFilters` is the one filter model of retrieval, the API and the command
line: `Retriever` turns it into a FAISS id selector and a BM25 mask, the API takes
it as the `filters` of a JSON body (`SearchRequest`) and, flat under the names of
`QUERY_NAMES`, in a query string (`SearchQuery`, the model of `GET /v1/search`),
and the CLI's flags fill that same `SearchQuery`. Its limits are the API's, so
every caller is held to them. Light to import (no numpy), for the CLI's parser.
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from vraagbaak.errors import QueryError
from vraagbaak.retrieval.query import MAX_K, clean_question
from vraagbaak.units import DocumentKind

MAX_QUESTION_CHARS = 2000
K_HELP = "Results per question; when left out, the server's VRAAGBAAK_TOP_K (default 5)."
# Sorting by date re-orders the DATE_SORT_POOL most relevant units (or k, when k is larger) and returns the
# first k: "newest" means the newest of the relevant answers, not the newest document of the whole index.
DATE_SORT_POOL = 20

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]

QUERY_NAMES = {"question": "q", "parties": "party", "doc_ids": "doc_id", "kinds": "kind"}
"""Fields named otherwise in a query string (one value per repeat: `?party=VVD&party=D66`) and on the CLI."""


def valid_question(value: str) -> str:
    """The one question rule (`clean_question`), as pydantic wants it: a ValueError names the problem."""
    try:
        return clean_question(value)
    except QueryError as error:
        raise ValueError(str(error)) from error


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class SearchGroup(StrEnum):
    NONE = "none"
    DOCUMENT = "document"


GROUP_HELP = (
    "none (default): units; document: documents ranked by their best unit, each with its best units in "
    "document order (VRAAGBAAK_GROUP_UNITS, default 4), a bare Ja/Nee or pointer answer shown with the unit it "
    "leads into or points to; k then counts documents and `documents` holds them."
)

SORT_HELP = (
    f"relevance (default), newest or oldest: by date, the {DATE_SORT_POOL} most relevant units (k when larger) "
    "re-ordered by their document's date, undated ones last, ties by relevance; then the first k."
)


class SearchFilters(StrictModel):
    """Restrictions applied inside retrieval; empty lists and None mean "no restriction"."""

    # `[]`, not a default_factory, so that the schema shows the default (pydantic copies it per instance).
    doc_ids: list[ShortText] = Field(default=[], max_length=100)
    kinds: list[DocumentKind] = Field(default=[], max_length=len(DocumentKind))
    parties: list[ShortText] = Field(default=[], max_length=50)
    dossier: ShortText | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    include_unanswered: bool = Field(
        default=False, description="Also return questions printed without an answer (question documents, notices)."
    )

    @field_validator("date_to")
    @classmethod
    def _range_in_order(cls, value: datetime.date | None, info: ValidationInfo) -> datetime.date | None:
        start = info.data.get("date_from")
        if value is not None and start is not None and start > value:
            raise ValueError(f"date_from {start.isoformat()} is after date_to {value.isoformat()}; swap them")
        return value

    @property
    def active(self) -> bool:
        """Whether any restriction beyond the default (answered units only) is set."""
        return any(getattr(self, name) for name in SearchFilters.model_fields if name != "include_unanswered")

    def to_filters(self) -> SearchFilters:
        """The filters alone, as a plain `SearchFilters` (of a subclass that adds other fields)."""
        if type(self) is SearchFilters:
            return self
        return SearchFilters(**{name: getattr(self, name) for name in SearchFilters.model_fields})


class SearchRequest(StrictModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The new parliamentary question.")
    k: int | None = Field(default=None, ge=1, le=MAX_K, strict=True, description=K_HELP)
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)
    sort: SearchSort = Field(default=SearchSort.RELEVANCE, description=SORT_HELP)
    include_similar: bool = Field(
        default=False, description="Give each result its `similar` list (ook eerder gevraagd)."
    )
    group: SearchGroup = Field(default=SearchGroup.NONE, description=GROUP_HELP)

    _clean = field_validator("question")(valid_question)


class _Asked(BaseModel):
    """The head of `SearchQuery`, a base of its own so that these come first in its field order."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question.")
    k: int | None = Field(default=None, ge=1, le=MAX_K, description="Default: VRAAGBAAK_TOP_K.")
    mode: SearchMode = SearchMode.HYBRID

    _clean = field_validator("question")(valid_question)


class SearchQuery(SearchFilters, _Asked):
    """A search as flat parameters under their query-string names (`QUERY_NAMES`): the model of
    `GET /v1/search`'s query string, which the CLI's flags fill too. Other parameters are ignored."""

    model_config = ConfigDict(extra="ignore", alias_generator=lambda name: QUERY_NAMES.get(name, name))

    include_similar: bool = Field(default=False, description="Give each result its `similar` list.")
    sort: SearchSort = Field(default=SearchSort.RELEVANCE, description=SORT_HELP)
    group: SearchGroup = Field(default=SearchGroup.NONE, description=GROUP_HELP)

    def to_request(self) -> SearchRequest:
        return SearchRequest(
            question=self.question,
            k=self.k,
            mode=self.mode,
            filters=self.to_filters(),
            sort=self.sort,
            include_similar=self.include_similar,
            group=self.group,
        )
