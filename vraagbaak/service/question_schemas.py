"""Response shapes of `/v1/questions`: where each set of schriftelijke vragen stands."""

from __future__ import annotations

import datetime

from pydantic import BaseModel, Field

from vraagbaak.retrieval.questions import QuestionStatus


class QuestionDocument(BaseModel):
    doc_id: str
    role: str = Field(description='"question", "notice" (postponement) or "answer".')
    title: str
    date: datetime.date | None
    url: str | None = Field(description="Its public page, where known.")
    href: str = Field(description="Where this API shows it: /v1/documents/{doc_id}.")
    units: list[str] = Field(description="Its units' ids (at most 100), each at /v1/units/{unit_id}.")


class QuestionItem(BaseModel):
    key: str = Field(description="The Zaak number, or the document id of a set without one.")
    zaaknummer: str | None
    status: QuestionStatus
    title: str
    addressee: str | None = Field(description='Who the questions were put to, e.g. "Minister van Financiën".')
    questioners: list[str]
    parties: list[str]
    submitted: datetime.date | None = Field(description='"ingezonden".')
    due: datetime.date | None = Field(description="When the answer is due (null once answered).")
    days_overdue: int
    postponed_on: datetime.date | None = Field(description="The postponement notice's date.")
    postponement: str | None = Field(description="What the notice says: its reason, or a new date.")
    answered_on: datetime.date | None
    answered_by: str | None
    days_to_answer: int | None
    documents: list[QuestionDocument]


class StatusCounts(BaseModel):
    open: int = 0
    postponed: int = 0
    overdue: int = 0
    answered: int = 0


class CountRow(StatusCounts):
    name: str


class QuestionCounts(BaseModel):
    by_status: StatusCounts
    by_addressee: list[CountRow] = Field(description="Per ministry (addressee), most open and overdue first.")
    by_party: list[CountRow]


class QuestionList(BaseModel):
    today: datetime.date = Field(description="The day the statuses were computed for.")
    term_days: int
    total: int = Field(description="Sets matching the filters; page with offset and limit.")
    offset: int
    limit: int
    counts: QuestionCounts = Field(description="Over the sets matching every filter but status.")
    items: list[QuestionItem]


class AnswerTimeRow(BaseModel):
    addressee: str
    answers: int
    median: float = Field(description="Days from ingezonden to the answer.")
    p25: float
    p75: float
    minimum: int
    maximum: int


class AnswerTimes(BaseModel):
    since: datetime.date
    today: datetime.date
    rows: list[AnswerTimeRow]


class FollowResponse(BaseModel):
    monitor_id: str = Field(description="The follow's id: its feed is at /v1/monitors/{monitor_id}/feed.atom.")
    key: str
    status: QuestionStatus = Field(description="Where the set stood when the follow began.")
    created: datetime.datetime
    feed_url: str = Field(description="Atom feed: an entry when the answer or a postponement notice arrives.")


class YearCount(BaseModel):
    year: int
    count: int = Field(description="Units among the closest that are close earlier answers, from this year.")


class AskedByYear(BaseModel):
    query: str
    looked_at: int = Field(description="How many of the closest units were looked at (the API's most, 50).")
    close_matches: int = Field(description="Of those, close earlier answers (cosine above the calibrated threshold).")
    undated: int = Field(description="Close earlier answers whose document has no date.")
    years: list[YearCount] = Field(description="Per year of the document's date, oldest first; years without none.")
