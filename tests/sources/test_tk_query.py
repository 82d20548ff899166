"""The exact query strings the client sends, and the small HTTP helpers behind its retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from vraagbaak.sources.tk.http import RateLimiter, RetryPolicy, parse_retry_after
from vraagbaak.sources.tk.query import document_filter, document_query, encode_query, matches_soort

NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


def test_the_delta_filter_is_inclusive_utc_and_keeps_deletions() -> None:
    since = datetime(2024, 3, 5, 10, 0, 1, 250000, tzinfo=timezone(timedelta(hours=1)))

    text = document_filter(["Antwoord schriftelijke vragen", "Brief regering"], since)

    assert text == (
        "ApiGewijzigdOp ge 2024-03-05T09:00:01.250000Z and (startswith(Soort,'Antwoord schriftelijke vragen') "
        "or startswith(Soort,'Brief regering') or Verwijderd eq true)"
    )


def test_quotes_are_doubled_and_bad_input_is_refused() -> None:
    assert document_filter(["Brief 't Hooft"], None, prefix_match=False) == (
        "(Soort eq 'Brief ''t Hooft' or Verwijderd eq true)"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        document_filter(["Motie"], datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="non-empty strings"):
        document_filter(["Motie", " "], None)
    with pytest.raises(ValueError, match="non-empty strings"):
        document_filter([], None)


def test_the_query_string_has_odata_form() -> None:
    query = encode_query(document_query(["Motie"], None))

    assert query == (
        "$filter=(startswith(Soort,'Motie')%20or%20Verwijderd%20eq%20true)&$orderby=ApiGewijzigdOp,Id"
        "&$expand=Zaak($expand%3DZaakActor),DocumentVersie"
    )


def test_client_side_kind_check_is_case_sensitive() -> None:
    assert matches_soort("Antwoord schriftelijke vragen (nader)", ["Antwoord schriftelijke vragen"], True)
    assert not matches_soort("antwoord schriftelijke vragen", ["Antwoord schriftelijke vragen"], True)
    assert not matches_soort("Antwoord schriftelijke vragen (nader)", ["Antwoord schriftelijke vragen"], False)
    assert not matches_soort(None, ["Motie"], True)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Tue, 05 Mar 2024 12:00:30 GMT", 30.0),
        ("Mon, 04 Mar 2024 12:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_backoff_doubles_with_jitter_and_retry_after_is_capped() -> None:
    policy = RetryPolicy(max_retries=5, backoff_base_s=2.0, backoff_max_s=10.0, retry_after_max_s=60.0)

    assert [policy.delay(n, None, 0.0) for n in range(4)] == [1.0, 2.0, 4.0, 5.0]
    assert [policy.delay(n, None, 0.999) for n in range(2)] == pytest.approx([1.999, 3.998])
    assert policy.delay(0, 600.0, 0.5) == 60.0


def test_rate_limiter_queues_callers() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4.0, lambda: now[0], sleep)
    for _ in range(3):
        limiter.acquire()
    now[0] += 10.0
    limiter.acquire()

    assert waits == [0.25, 0.25]
    with pytest.raises(ValueError, match="requests_per_second"):
        RateLimiter(0, lambda: 0.0, sleep)
