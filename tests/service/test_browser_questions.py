"""The "Openstaande vragen" view in headless Chromium, against a real server with real question documents.

Its own server (over a copy of the seed index) gets question documents and answers of
../shared/realdocs uploaded through the admin API; the test then filters by ministry, reads the
counts and the answer-time chart at desktop and phone width, follows a question, uploads its answer
and finds the answer in the follow's Atom feed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import feedparser
import httpx
import pytest

from tests.service.conftest import API_KEY, Served, start_server, stop_server
from tests.service.test_browser import _drafter_page, _expect, artifacts, browser  # noqa: F401 - fixtures

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REALDOCS = Path(__file__).resolve().parents[2].parent / "shared" / "realdocs" / "docs"
KEY = {"X-API-Key": API_KEY}
QUESTIONS = {  # doc id -> file: question documents of November 2024, to two ministries and more
    "kv-tk-2024Z18792": "limburg__34__kv-tk-2024Z18792__",
    "kv-tk-2024Z18442": "limburg__57__kv-tk-2024Z18442__",
    "kv-tk-2024Z18796": "limburg__06__kv-tk-2024Z18796__",
}
ANSWERS = {  # answers with their ingezonden and ontvangen dates, for the chart
    "ah-tk-20232024-1292": "learninglion__ah-tk-20232024-1292__original.pdf",
    "ah-tk-20232024-1586": "learninglion__ah-tk-20232024-1586__pypdf.txt",
}
LATE_ANSWER = ("ah-2024Z18792", "limburg__55__AH-605-2024Z18792__")  # the answer to the first question


def upload(server: Served, doc_id: str, prefix: str) -> None:
    [path] = sorted(REALDOCS.glob(f"{prefix}*"))
    kind = "application/pdf" if path.suffix == ".pdf" else "text/plain"
    response = httpx.post(
        f"{server.url}/v1/documents",
        params={"doc_id": doc_id},
        content=path.read_bytes(),
        headers={**KEY, "Content-Type": kind},
        timeout=180,
    )
    assert response.status_code in (200, 201), response.text


@pytest.fixture(scope="module")
def backlog_server(seed_index: Path, model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("backlog")
    shutil.copytree(seed_index, root / "index")
    server = start_server(root / "index", root / "data", model_cache, root / "server.log")
    try:
        for doc_id, prefix in {**QUESTIONS, **ANSWERS}.items():
            upload(server, doc_id, prefix)
        yield server
    finally:
        stop_server(server)


def test_drafter_reads_the_backlog_filters_by_ministry_and_follows_a_question(
    browser: Any,  # noqa: F811
    backlog_server: Served,
    artifacts: Path,  # noqa: F811
) -> None:
    expect = _expect()
    context, page, errors = _drafter_page(browser, backlog_server)
    page.goto(f"{backlog_server.url}/?view=vragen&months=60")
    expect(page.locator("#question-list li.question-item")).to_have_count(5)
    listing = httpx.get(f"{backlog_server.url}/v1/questions", timeout=30).json()
    assert listing["counts"]["by_status"]["overdue"] == 3  # today is long past November 2024
    ministries = [row["name"] for row in listing["counts"]["by_addressee"]]
    expect(page.locator("#ministry-counts tbody tr")).to_have_count(len(ministries))
    first_row = page.locator("#ministry-counts tbody tr").first
    assert (first_row.locator("th").text_content() or "") == ministries[0]
    statuses = page.locator("#question-list .badge[class*='status-']").all_text_contents()
    assert statuses[:3] == ["te laat"] * 3 and statuses[3:] == ["beantwoord"] * 2  # overdue first

    times = httpx.get(f"{backlog_server.url}/v1/questions/answer-times", params={"months": 60}, timeout=30).json()
    assert len(times["rows"]) == 2
    expect(page.locator("#answer-times svg g.mark")).to_have_count(len(times["rows"]))
    spoken = page.locator("#answer-times-text li").all_text_contents()
    for row in times["rows"]:
        assert any(line.startswith(f"{row['addressee']}: mediaan {row['median']:g} dagen") for line in spoken), spoken
    page.screenshot(path=str(artifacts / "questions-laptop.png"), full_page=True)

    page.get_by_label("Ministerie", exact=True).select_option("Minister van Klimaat en Groene Groei")
    page.get_by_role("button", name="Toon").click()
    expect(page.locator("#question-list li.question-item")).to_have_count(2)
    assert "addressee=Minister+van+Klimaat+en+Groene+Groei" in page.url and "view=vragen" in page.url
    page.reload()  # the filters live in the URL
    expect(page.locator("#question-list li.question-item")).to_have_count(2)
    assert page.get_by_label("Ministerie", exact=True).input_value() == "Minister van Klimaat en Groene Groei"

    page.goto(f"{backlog_server.url}/?view=vragen&status=overdue")
    item = page.locator('li.question-item[data-key="2024Z18792"]')
    item.get_by_role("button", name="Volg deze vraag").click()
    expect(page.locator("#follow-status")).to_have_text("Vul eerst de beheersleutel in.")
    page.locator("#follow-key").fill(API_KEY)
    item.get_by_role("button", name="Volg deze vraag").click()
    feed_link = item.locator("a.follow-feed")
    feed_link.wait_for(state="visible", timeout=30_000)
    feed_url = feed_link.get_attribute("href") or ""
    assert feed_url.startswith(f"{backlog_server.url}/v1/monitors/") and feed_url.endswith("/feed.atom")
    assert feedparser.parse(httpx.get(feed_url, timeout=30).content).entries == []

    upload(backlog_server, *LATE_ANSWER)
    feed = feedparser.parse(httpx.get(feed_url, timeout=30).content)
    assert [entry.title.split(":")[0] for entry in feed.entries] == ["Antwoord"]
    assert feed.entries[0].link.endswith(f"/v1/documents/{LATE_ANSWER[0]}")
    page.reload()
    expect(page.locator('li.question-item[data-key="2024Z18792"]')).to_have_count(0)  # no longer overdue

    question = "Tot wanneer loopt de internetconsultatie over de huisvesting van Nederlandse evacués?"
    years = httpx.get(f"{backlog_server.url}/v1/questions/asked-by-year", params={"q": question}, timeout=60).json()
    assert years["years"], years
    page.goto(f"{backlog_server.url}/?" + urlencode({"q": question}))
    expect(page.locator("#asked-by-year svg g.mark")).to_have_count(len(years["years"]))
    spoken = page.locator("#asked-by-year-text li").all_text_contents()
    assert [line.split(":")[0] for line in spoken] == [str(entry["year"]) for entry in years["years"]]
    page.screenshot(path=str(artifacts / "asked-by-year-laptop.png"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{backlog_server.url}/?view=vragen&months=60")
    expect(page.locator("#question-list li.question-item")).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "questions-phone.png"), full_page=True)
    assert errors == []
    context.close()
