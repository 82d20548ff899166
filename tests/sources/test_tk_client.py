"""TkOData's document pages against the fake TK service: paging, delta, deletions, retries, bodies, rate limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tests.sources.conftest import FakeTime
from vraagbaak.sources.tk import (
    SourceError,
    SourceRequestError,
    SourceResponseError,
    SourceUnavailableError,
    TkOData,
)
from vraagbaak.sources.tk.query import document_query
from vraagbaak.sources.tk.stand_in.entities import tk_document
from vraagbaak.sources.tk.stand_in.server import FakeTkOData

ASV = "Antwoord schriftelijke vragen"
MakeClient = Callable[..., TkOData]


def add_documents(fake: FakeTkOData, count: int, soort: str = ASV) -> list[str]:
    return [fake.add(tk_document(soort, nummer=f"2024D{10000 + n}")) for n in range(count)]


def test_first_page_and_paging_follow_next_link_across_three_pages(fake: FakeTkOData, make_client: MakeClient) -> None:
    ids = add_documents(fake, 7)
    fake.page_size = 3

    pages = list(make_client().iter_pages([ASV]))

    assert [len(p.documents) for p in pages] == [3, 3, 1]
    assert [d.id for p in pages for d in p.documents] == ids  # oldest ApiGewijzigdOp first
    assert [p.next_link is None for p in pages] == [False, False, True]
    sent = fake.collection_requests()
    assert len(sent) == 3
    assert sent[0].params == document_query([ASV], None)
    assert all("$skiptoken" in r.params and r.params["$filter"] == sent[0].params["$filter"] for r in sent[1:])
    assert "$top" not in sent[0].params
    assert sent[0].raw_query.startswith("$filter=(startswith(Soort,'Antwoord%20schriftelijke%20vragen')%20or%20")
    assert "+" not in sent[0].raw_query


def test_page_reports_its_highest_api_gewijzigd_op(fake: FakeTkOData, make_client: MakeClient) -> None:
    ids = add_documents(fake, 4)
    fake.page_size = 2

    pages = list(make_client().iter_pages([ASV]))

    for page in pages:
        assert page.max_api_gewijzigd_op == max(d.api_gewijzigd_op for d in page.documents if d.api_gewijzigd_op)
    assert pages[-1].max_api_gewijzigd_op == datetime.fromisoformat(fake.entity(ids[-1])["ApiGewijzigdOp"])


def test_soort_prefix_takes_the_nader_variant_and_exact_does_not(fake: FakeTkOData, make_client: MakeClient) -> None:
    plain = fake.add(tk_document(ASV))
    nader = fake.add(tk_document(f"{ASV} (nader)"))
    fake.add(tk_document("Motie", koop_id=None))
    client = make_client()

    prefixed = {d.id for d in client.iter_documents([ASV])}
    exact = {d.id for d in client.iter_documents([ASV], prefix_match=False)}

    assert prefixed == {plain, nader}
    assert exact == {plain}
    first, second = (r.params["$filter"] for r in fake.collection_requests())
    assert first == f"(startswith(Soort,'{ASV}') or Verwijderd eq true)"
    assert second == f"(Soort eq '{ASV}' or Verwijderd eq true)"


def test_since_reads_only_what_changed_at_or_after_the_checkpoint(fake: FakeTkOData, make_client: MakeClient) -> None:
    old = add_documents(fake, 3)
    client = make_client()
    checkpoint = list(client.iter_pages([ASV]))[-1].max_api_gewijzigd_op
    assert checkpoint is not None
    fake.change(old[0], Titel="Antwoord op vragen (gecorrigeerd)")
    new = fake.add(tk_document(ASV, nummer="2024D99999"))

    again = list(client.iter_documents([ASV], since=checkpoint))

    assert [d.id for d in again] == [old[2], old[0], new]  # old[2] sits on the checkpoint: inclusive
    assert (
        fake.collection_requests()[-1]
        .params["$filter"]
        .startswith(f"ApiGewijzigdOp ge {checkpoint.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}Z and (")
    )


def test_ties_on_a_page_boundary_are_not_lost_when_resuming_from_a_checkpoint(
    fake: FakeTkOData, make_client: MakeClient
) -> None:
    stamp = "2024-03-05T12:00:00.0000000+01:00"
    ids = [fake.add(tk_document(ASV), api_gewijzigd_op=stamp) for _ in range(4)]
    fake.page_size = 2
    client = make_client()
    first = next(client.iter_pages([ASV]))  # then the run stops (crash) before page 2

    resumed = [d.id for d in client.iter_documents([ASV], since=first.max_api_gewijzigd_op)]

    assert set(resumed) == set(ids)


def test_resume_from_a_kept_next_link_continues_exactly_there(fake: FakeTkOData, make_client: MakeClient) -> None:
    ids = add_documents(fake, 5)
    fake.page_size = 2
    first = next(make_client().iter_pages([ASV]))

    rest = [d.id for p in make_client().iter_pages([ASV], start_link=first.next_link) for d in p.documents]

    assert [d.id for d in first.documents] + rest == ids


def test_deleted_entities_come_through_marked_even_as_placeholders(fake: FakeTkOData, make_client: MakeClient) -> None:
    _, emptied, flagged = add_documents(fake, 3)
    client = make_client()
    checkpoint = list(client.iter_pages([ASV]))[-1].max_api_gewijzigd_op
    fake.delete(emptied)  # Soort and every other field gone
    fake.delete(flagged, placeholder=False)

    changes = {d.id: d for d in client.iter_documents([ASV], since=checkpoint)}

    assert changes[emptied].verwijderd and changes[emptied].soort is None
    assert changes[flagged].verwijderd and changes[flagged].soort == ASV
    assert set(changes) == {emptied, flagged}


def test_resent_unchanged_entity_hashes_equal_and_a_changed_one_differs(
    fake: FakeTkOData, make_client: MakeClient
) -> None:
    same, edited = add_documents(fake, 2)
    client = make_client()
    before = {d.id: d for d in client.iter_documents([ASV])}
    fake.resend(same)
    fake.change(edited, Onderwerp="Een ander onderwerp")

    after = {d.id: d for d in client.iter_documents([ASV])}

    assert after[same].api_gewijzigd_op != before[same].api_gewijzigd_op
    assert after[same].content_hash() == before[same].content_hash()
    assert after[edited].content_hash() != before[edited].content_hash()


def test_429_with_retry_after_seconds_is_honoured(
    fake: FakeTkOData, make_client: MakeClient, fake_time: FakeTime
) -> None:
    add_documents(fake, 1)
    fake.fail("status", status=429, retry_after="7")

    assert len(list(make_client().iter_documents([ASV]))) == 1
    assert fake_time.sleeps == [7.0]
    assert len(fake.collection_requests()) == 2


def test_retry_after_as_http_date_is_capped(fake: FakeTkOData, make_client: MakeClient, fake_time: FakeTime) -> None:
    add_documents(fake, 1)
    fake.fail("status", status=503, retry_after=format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True))

    list(make_client(retry_after_max_s=30.0).iter_documents([ASV]))

    assert fake_time.sleeps == [30.0]


def test_500_then_success_backs_off_once(fake: FakeTkOData, make_client: MakeClient, fake_time: FakeTime) -> None:
    add_documents(fake, 2)
    fake.fail("status", status=500)

    assert len(list(make_client().iter_documents([ASV]))) == 2
    assert fake_time.sleeps == [0.75]  # base 1 s: half fixed, half jitter (0.5 here)


def test_persistent_500_raises_unavailable_after_max_retries(
    fake: FakeTkOData, make_client: MakeClient, fake_time: FakeTime
) -> None:
    add_documents(fake, 1)
    fake.fail("status", times=99, status=500)

    with pytest.raises(SourceUnavailableError, match=r"after 4 attempts; last: HTTP 500") as caught:
        list(make_client(max_retries=3).iter_documents([ASV]))

    assert fake.base_url + "Document?" in str(caught.value)
    assert len(fake.collection_requests()) == 4
    assert fake_time.sleeps == [0.75, 1.5, 3.0]  # exponential


def test_timeout_then_success(fake: FakeTkOData, make_client: MakeClient) -> None:
    add_documents(fake, 1)
    fake.fail("delay", delay_s=3.0)

    assert len(list(make_client(timeout_s=0.3).iter_documents([ASV]))) == 1
    assert len(fake.collection_requests()) == 2


def test_truncated_body_is_retried_then_raised_naming_the_url(fake: FakeTkOData, make_client: MakeClient) -> None:
    add_documents(fake, 3)
    fake.fail("truncated", times=99)

    with pytest.raises(SourceError, match=r"GET http://127\.0\.0\.1:\d+/OData/v4/2\.0/Document\?\$filter=") as caught:
        list(make_client(max_retries=2).iter_documents([ASV]))

    assert "RemoteProtocolError" in str(caught.value)
    assert len(fake.collection_requests()) == 3


def test_cut_json_is_retried_then_raised_as_a_response_error(fake: FakeTkOData, make_client: MakeClient) -> None:
    add_documents(fake, 3)
    fake.fail("garbage", times=99)

    with pytest.raises(SourceResponseError, match=r"not valid JSON"):
        list(make_client(max_retries=2).iter_documents([ASV]))
    assert len(fake.collection_requests()) == 3


def test_wrong_content_type_is_retried_and_recovers(fake: FakeTkOData, make_client: MakeClient) -> None:
    add_documents(fake, 1)
    fake.fail("html", times=1)

    assert len(list(make_client().iter_documents([ASV]))) == 1


def test_wrong_content_type_every_time_is_a_response_error(fake: FakeTkOData, make_client: MakeClient) -> None:
    add_documents(fake, 1)
    fake.fail("html", times=99)

    with pytest.raises(SourceResponseError, match=r"content type text/html where JSON was expected"):
        list(make_client(max_retries=1).iter_documents([ASV]))


def test_a_query_the_service_refuses_is_not_retried(fake: FakeTkOData, make_client: MakeClient) -> None:
    bad = fake.base_url + "Document?$filter=contains(Soort,'Motie')"

    with pytest.raises(SourceRequestError, match=r"HTTP 400: The query specified in the URI is not valid"):
        list(make_client().iter_pages([ASV], start_link=bad))
    assert len(fake.collection_requests()) == 1


def test_next_link_to_another_host_is_refused(make_client: MakeClient) -> None:
    page = {"value": [], "@odata.nextLink": "https://example.org/OData/v4/2.0/Document?$skiptoken=x"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=page))
    client = make_client(base_url="https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/", transport=transport)

    with pytest.raises(SourceResponseError, match="a page link outside"):
        list(client.iter_pages([ASV]))


def test_rate_limit_spaces_requests_on_the_injected_clock(
    fake: FakeTkOData, make_client: MakeClient, fake_time: FakeTime
) -> None:
    add_documents(fake, 6)
    fake.page_size = 2

    list(make_client(requests_per_second=2.0).iter_documents([ASV]))

    assert len(fake.collection_requests()) == 3
    assert fake_time.sleeps == [0.5, 0.5]
    assert fake_time.now == pytest.approx(1001.0)
