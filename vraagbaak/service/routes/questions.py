"""`/v1/questions`: the backlog of schriftelijke vragen, with counts per ministry and party, and answer times.

Statuses depend on the day, so they are computed per request from the sets of documents, which are
grouped once per loaded index (a new generation gets a new grouping) and kept for the day.
"""

from __future__ import annotations

import datetime
import threading
import weakref
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from vraagbaak.retrieval.close_match import is_close_match
from vraagbaak.retrieval.query import MAX_K
from vraagbaak.retrieval.questions import (
    QuestionFilter,
    QuestionSet,
    QuestionStatus,
    answer_times,
    backlog_order,
    count,
    question_sets,
    role,
)
from vraagbaak.retrieval.request import SearchMode, SearchQuery
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.deps import BatcherDep, RetrieverDep, SettingsDep, require_admin
from vraagbaak.service.question_schemas import (
    AnswerTimeRow,
    AnswerTimes,
    AskedByYear,
    CountRow,
    FollowResponse,
    QuestionCounts,
    QuestionDocument,
    QuestionItem,
    QuestionList,
    StatusCounts,
    YearCount,
)
from vraagbaak.service.routes.monitors import StoreDep, feed_url

router = APIRouter(prefix="/v1", tags=["questions"])

MAX_LIMIT = 200
MAX_UNITS_LISTED = 100

_cache: weakref.WeakKeyDictionary[Retriever, tuple[tuple[datetime.date, int], list[QuestionSet]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def get_today() -> datetime.date:
    """The day statuses are computed for; tests put a fixed day here through `dependency_overrides`."""
    return datetime.date.today()


TodayDep = Annotated[datetime.date, Depends(get_today)]


def _sets(retriever: Retriever, today: datetime.date, term_days: int) -> list[QuestionSet]:
    with _lock:
        cached = _cache.get(retriever)
        if cached is not None and cached[0] == (today, term_days):
            return cached[1]
    computed = question_sets(retriever.content.documents.values(), today, term_days)
    with _lock:
        _cache[retriever] = ((today, term_days), computed)
    return computed


def _item(retriever: Retriever, item: QuestionSet) -> QuestionItem:
    documents = []
    for doc_id in item.doc_ids:
        document = retriever.document(doc_id)
        if document is None:
            continue
        unit_ids = [unit.unit_id for unit in retriever.units_of(doc_id)[:MAX_UNITS_LISTED]]
        documents.append(
            QuestionDocument(
                doc_id=doc_id,
                role=role(document) or "question",
                title=document.title,
                date=document.date,
                url=document.url,
                href=f"/v1/documents/{doc_id}",
                units=unit_ids,
            )
        )
    return QuestionItem(
        key=item.key,
        zaaknummer=item.zaaknummer,
        status=item.status,
        title=item.title,
        addressee=item.addressee,
        questioners=list(item.questioners),
        parties=list(item.parties),
        submitted=item.submitted,
        due=item.due,
        days_overdue=item.days_overdue,
        postponed_on=item.postponed_on,
        postponement=item.postponement,
        answered_on=item.answered_on,
        answered_by=item.answered_by,
        days_to_answer=item.days_to_answer,
        documents=documents,
    )


def _rows(table: dict[str, dict[str, int]]) -> list[CountRow]:
    rows = [CountRow(name=name, **counts) for name, counts in table.items()]
    return sorted(rows, key=lambda row: (-(row.overdue + row.open + row.postponed), -row.answered, row.name))


@router.get("/questions", summary="Schriftelijke vragen by status: open, postponed, overdue, answered")
def list_questions(
    retriever: RetrieverDep,
    settings: SettingsDep,
    today: TodayDep,
    status: Annotated[QuestionStatus | None, Query(description="Only sets with this status.")] = None,
    addressee: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Part of the ministry's name, any case.")
    ] = None,
    party: Annotated[str | None, Query(min_length=1, max_length=100, description="A questioner's party.")] = None,
    submitted_from: Annotated[
        datetime.date | None, Query(alias="from", description="Sent in on or after this day (YYYY-MM-DD).")
    ] = None,
    submitted_to: Annotated[
        datetime.date | None, Query(alias="to", description="Sent in on or before this day (YYYY-MM-DD).")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> QuestionList:
    if submitted_from and submitted_to and submitted_from > submitted_to:
        raise HTTPException(
            status_code=422,
            detail=f"from {submitted_from.isoformat()} is after to {submitted_to.isoformat()}; swap them",
        )
    everything = _sets(retriever, today, settings.answer_term_days)
    scope = QuestionFilter(None, addressee, party, submitted_from, submitted_to)
    in_scope = [item for item in everything if scope.admits(item)]
    chosen = backlog_order(item for item in in_scope if status is None or item.status is status)
    counts = count(in_scope)
    return QuestionList(
        today=today,
        term_days=settings.answer_term_days,
        total=len(chosen),
        offset=offset,
        limit=limit,
        counts=QuestionCounts(
            by_status=StatusCounts(**counts.by_status),
            by_addressee=_rows(counts.by_addressee),
            by_party=_rows(counts.by_party),
        ),
        items=[_item(retriever, item) for item in chosen[offset : offset + limit]],
    )


@router.get("/questions/answer-times", summary="Days from ingezonden to the answer, per ministry")
def get_answer_times(
    retriever: RetrieverDep,
    settings: SettingsDep,
    today: TodayDep,
    months: Annotated[int, Query(ge=1, le=240, description="Answers received in the last this many months.")] = 12,
) -> AnswerTimes:
    since = today - datetime.timedelta(days=round(months * 30.44))
    rows = answer_times(_sets(retriever, today, settings.answer_term_days), since)
    return AnswerTimes(since=since, today=today, rows=[AnswerTimeRow(**row.__dict__) for row in rows])


def _found(retriever: Retriever, key: str, today: datetime.date, term_days: int) -> QuestionSet:
    for item in _sets(retriever, today, term_days):
        if item.key == key:
            return item
    raise HTTPException(status_code=404, detail=f"no set of questions {key!r}; GET /v1/questions lists them")


QuestionKey = Annotated[str, Path(min_length=1, max_length=200, description="A Zaak number or a document id.")]


@router.get(
    "/questions/asked-by-year",
    summary="How often a question like this one was asked, per year: the close earlier answers among the closest",
)
def asked_by_year(retriever: RetrieverDep, batcher: BatcherDep, query: Annotated[SearchQuery, Query()]) -> AskedByYear:
    request = query.to_request()
    vector = None if request.mode is SearchMode.LEXICAL else batcher.encode(retriever, request.question)
    hits = retriever.search_encoded(request.question, vector, MAX_K, request.mode, request.filters)
    close = [hit for hit in hits if is_close_match(hit)]
    years = Counter(hit.document.date.year for hit in close if hit.document.date is not None)
    return AskedByYear(
        query=request.question,
        looked_at=len(hits),
        close_matches=len(close),
        undated=sum(hit.document.date is None for hit in close),
        years=[YearCount(year=year, count=count) for year, count in sorted(years.items())],
    )


@router.get("/questions/{key}", summary="One set of questions: its status and its documents")
def get_question(key: QuestionKey, retriever: RetrieverDep, settings: SettingsDep, today: TodayDep) -> QuestionItem:
    return _item(retriever, _found(retriever, key, today, settings.answer_term_days))


@router.post(
    "/questions/{key}/follow",
    summary="Follow a set of questions: an Atom feed that gets an entry when its answer or a postponement arrives",
    status_code=201,
    dependencies=[Depends(require_admin)],
)
def follow_question(
    key: QuestionKey,
    request: Request,
    retriever: RetrieverDep,
    settings: SettingsDep,
    today: TodayDep,
    store: StoreDep,
) -> FollowResponse:
    item = _found(retriever, key, today, settings.answer_term_days)
    if item.zaaknummer is None:
        raise HTTPException(
            status_code=422,
            detail=f"{key!r} has no Zaak number: no later answer or notice links to it, so it cannot be followed",
        )
    monitor = store.create(item.title, "{}", None, None, retriever.content.documents.keys(), zaak=item.key)
    return FollowResponse(
        monitor_id=monitor.monitor_id,
        key=item.key,
        status=item.status,
        created=monitor.created,
        feed_url=feed_url(request, monitor.monitor_id),
    )
