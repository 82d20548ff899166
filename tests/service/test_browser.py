"""The drafters' page in headless Chromium against the running service.

Needs the Python `playwright` package (its driver only; no browser download)
and Debian's `chromium` (`apt-get install chromium`), or CHROMIUM_PATH. Skipped
when they are missing, except in CI (CI set), where that is a failure.
Screenshots go to TEST_ARTIFACTS_DIR when set, else to the test's tmp_path.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.service.conftest import API_KEY, Served

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LIST = "002_e3bd35554880f1b2"
QUESTION = "Wat zijn de tien grootste handelspartners van ons land?"
HOSTILE = (
    "Notitie over markup\n\n"
    'Het kabinet schrijft <script>window.__pwned = 1</script> en <img src=x onerror="window.__pwned = 2"> '
    "en een link javascript:window.__pwned=3 over cyberveiligheid van havens.\n"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed")
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("no chromium executable (apt-get install chromium, or set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TEST_ARTIFACTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_drafter_searches_sees_the_answer_card_and_copies_the_citation(
    browser: Any, served: Served, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(served.url)
    page.get_by_label("Nieuwe Kamervraag").fill(QUESTION)
    page.get_by_label("Groeperen").select_option("none")  # one card per unit (the page groups by default)
    page.get_by_role("button", name="Zoeken").click()
    card = page.locator(f'li.card[data-unit-id="{LIST}:15"]')
    card.wait_for(timeout=30_000)
    citation = card.locator(".citation").text_content() or ""
    assert citation.startswith("Antwoord op vraag 15, Lijst van vragen en antwoorden")
    assert card.locator(".answer mark").count() >= 1
    assert "resultaten" in (page.locator("#status").text_content() or "")

    card.get_by_role("button", name="Kopieer bronvermelding").click()
    card.get_by_role("button", name="Gekopieerd").wait_for(timeout=5_000)
    assert page.evaluate("navigator.clipboard.readText()") == citation

    card.get_by_role("link", name="Volledige tekst en voetnoten").click()
    card.locator(".unit-detail .document-title").wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "results-laptop.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "results-phone.png"))
    assert errors == []
    context.close()


def test_a_question_typed_while_the_filters_load_is_kept_and_searched(browser: Any, served: Served) -> None:
    """The page used to fill its form from the URL only after the filter list had loaded, wiping what was typed."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL").new_page()
    held: list[Any] = []
    page.route("**/v1/documents", lambda route: held.append(route))  # pending until released
    page.goto(served.url)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never asked for its filter list"
    page.get_by_label("Nieuwe Kamervraag").fill(QUESTION)
    held[0].continue_()
    page.locator("#doc option").nth(1).wait_for(state="attached")  # the filter list has arrived
    assert page.get_by_label("Nieuwe Kamervraag").input_value() == QUESTION
    page.get_by_role("button", name="Zoeken").click()
    page.locator(f'li.card[data-unit-id="{LIST}:15"]').wait_for(timeout=30_000)
    page.context.close()


def test_markup_in_documents_stays_inert_text(browser: Any, served: Served) -> None:
    headers = {"X-API-Key": API_KEY}
    added = httpx.post(
        f"{served.url}/v1/documents", json={"doc_id": "vijandig", "text": HOSTILE}, headers=headers, timeout=120
    )
    assert added.status_code == 201, added.text
    try:
        page = browser.new_page()
        violations: list[str] = []
        page.on("console", lambda message: violations.append(message.text))
        page.goto(f"{served.url}/?q=cyberveiligheid+van+havens&doc_id=vijandig")
        card = page.locator('li.card[data-unit-id="vijandig:p1"]')
        card.wait_for(timeout=30_000)
        answer = card.locator(".answer").text_content() or ""
        assert "<script>window.__pwned = 1</script>" in answer and "onerror=" in answer
        assert card.locator(".answer script, .answer img").count() == 0
        assert page.evaluate("window.__pwned") is None
        page.close()
    finally:
        httpx.delete(f"{served.url}/v1/documents/vijandig", headers=headers, timeout=120)


# ---------------------------------------------------------------- issue 17: the drafters' tools

CROSS_REF_QUESTION = (
    "Hoe vertaalt de keuze voor welvaart en weerbaarheid boven waarden zich juridisch in prioritering "
    "bij handelsbevordering?"
)
DATED_QUESTION = "Wat staat er in de beleidsagenda over handel en ontwikkelingssamenwerking?"


def _expect() -> Any:
    """Playwright's `expect`, waiting as long as a search may take on a loaded machine (a few seconds)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    return expect


def _drafter_page(browser: Any, served: Served, width: int = 1280, height: int = 900) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL", accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return context, page, errors


def _card_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("#results li.card", "cards => cards.map(card => card.dataset.unitId)")


def _target(page: Any) -> str | None:
    return page.evaluate("document.querySelector('#doc-units li.target')?.dataset.unitId ?? null")


def test_drafter_follows_a_cross_reference_into_the_document_and_back(
    browser: Any, served: Served, artifacts: Path
) -> None:
    context, page, errors = _drafter_page(browser, served)
    expect = _expect()
    page.goto(f"{served.url}/?" + urlencode({"q": CROSS_REF_QUESTION, "doc_id": LIST, "k": 3, "group": "none"}))
    card = page.locator(f'li.card[data-unit-id="{LIST}:69"]')
    card.wait_for(timeout=30_000)
    assert "Geen datum bekend" in (card.locator(".dates").text_content() or "")

    reference = card.locator(".refs a")
    assert (reference.text_content() or "").startswith("Vraag 50: Kunt u aangeven")
    reference.click()
    target = page.locator(f'#doc-units li.doc-unit.target[data-unit-id="{LIST}:50"]')
    target.wait_for(timeout=30_000)
    assert page.url.endswith("?" + urlencode({"doc": LIST, "unit": f"{LIST}:50"}))
    assert page.locator("#search-view").is_hidden() and target.is_visible()
    assert page.evaluate("document.activeElement.dataset.unitId") == f"{LIST}:50"
    top = target.bounding_box()
    assert top is not None and 0 <= top["y"] < 200  # scrolled to the unit
    referrers = target.locator(".referenced-by a").all_text_contents()
    assert [text.split(":")[0] for text in referrers] == ["Vraag 52", "Vraag 69"]
    assert page.locator("#doc-toc li").count() == 148
    assert page.locator("#doc-toc li[aria-current] a").text_content().startswith("Vraag 50:")

    citation = target.locator(".citation").text_content() or ""
    assert citation.startswith("Antwoord op vraag 50, Lijst van vragen en antwoorden")
    target.get_by_role("button", name="Kopieer bronvermelding").click()
    target.get_by_role("button", name="Gekopieerd").wait_for(timeout=30_000)
    assert page.evaluate("navigator.clipboard.readText()") == citation
    page.screenshot(path=str(artifacts / "document-laptop.png"))

    page.locator("#doc-toc a", has_text="Vraag 69:").click()
    expect(page.locator("#doc-units li.target")).to_have_attribute("data-unit-id", f"{LIST}:69")
    page.go_back()
    expect(page.locator("#doc-units li.target")).to_have_attribute("data-unit-id", f"{LIST}:50")
    page.go_back()
    card.wait_for(state="visible", timeout=30_000)
    assert page.locator("#doc-view").is_hidden() and f"{LIST}:69" in _card_ids(page)
    page.go_forward()
    expect(page.locator("#doc-units li.target")).to_have_attribute("data-unit-id", f"{LIST}:50")

    page.set_viewport_size({"width": 390, "height": 844})
    target.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "document-phone.png"))
    assert errors == []
    context.close()


def test_drafter_filters_by_date_sorts_shares_the_url_and_exports(
    browser: Any, served: Served, artifacts: Path
) -> None:
    context, page, errors = _drafter_page(browser, served)
    expect = _expect()
    page.goto(served.url)
    page.get_by_label("Nieuwe Kamervraag").fill(DATED_QUESTION)
    page.get_by_label("Groeperen").select_option("none")
    page.get_by_label("Sorteren").select_option("newest")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator("#results li.card")).to_have_count(5)
    assert "sort=newest" in page.url
    badges = page.eval_on_selector_all(
        "#results li.card",
        "cards => cards.map(c => c.querySelector('.date').hidden ? null : c.querySelector('.date').textContent)",
    )
    assert badges[0] == "30 januari 2026"  # the dated document first; undated ones after it
    assert badges == sorted(badges, key=lambda badge: badge is None)
    assert page.locator("#results .badge.relevance:not([hidden])").count() == 5
    newest = _card_ids(page)

    page.get_by_label("Vanaf datum").fill("2026-01-01")
    page.get_by_label("Sorteren").select_option("relevance")
    page.get_by_role("button", name="Zoeken").click()
    expect(page).to_have_url(re.compile(r"[?&]date_from=2026-01-01(&|$)"))
    expect(page.locator("#results .badge.relevance:not([hidden])")).to_have_count(0)
    filtered = _card_ids(page)
    assert filtered and all(unit.startswith("001_") for unit in filtered)
    dates = page.locator("#results li.card .dates").all_text_contents()
    assert dates and all(text == "Datum document 30 januari 2026" for text in dates)
    shared = page.url

    # Export what is on the screen: a CSV download and Markdown on the clipboard.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "vraagbaak-resultaten.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [row["unit_id"] for row in rows] == filtered
    assert rows[0]["link"].startswith(f"{served.url}/?doc=001_")
    page.get_by_role("button", name="Kopieer als Markdown").click()
    page.get_by_role("button", name="Gekopieerd").wait_for(timeout=30_000)
    markdown = page.evaluate("navigator.clipboard.readText()")
    assert markdown.startswith(f"# Eerdere antwoorden op: {DATED_QUESTION}")
    first_citation = page.locator("#results li.card .citation").first.text_content() or ""
    assert f"*Bron:* {first_citation}" in markdown
    page.screenshot(path=str(artifacts / "filters-laptop.png"), full_page=True)

    # Back to the earlier search, and forward again, without retyping anything.
    page.go_back()
    expect(page.locator("#results .badge.relevance:not([hidden])")).to_have_count(5)
    assert _card_ids(page) == newest and page.get_by_label("Sorteren").input_value() == "newest"
    page.go_forward()
    expect(page.locator("#results .badge.relevance:not([hidden])")).to_have_count(0)

    # A reversed range is refused on the page before any request.
    page.get_by_label("Tot en met datum").fill("2025-01-01")
    page.get_by_role("button", name="Zoeken").click()
    assert "draai ze om" in (page.locator("#status").text_content() or "")
    assert page.url == shared

    # The shared URL, opened in a fresh context on a phone, shows the same results with the form filled.
    phone, other, other_errors = _drafter_page(browser, served, width=390, height=844)
    other.goto(shared)
    expect(other.locator("#results li.card")).to_have_count(len(filtered))
    assert _card_ids(other) == filtered
    assert other.get_by_label("Vanaf datum").input_value() == "2026-01-01"
    assert other.get_by_label("Nieuwe Kamervraag").input_value() == DATED_QUESTION
    assert other.evaluate("document.documentElement.scrollWidth") <= 390
    other.screenshot(path=str(artifacts / "filters-phone.png"))
    assert errors == [] and other_errors == []
    phone.close()
    context.close()


def test_drafter_creates_and_removes_a_monitor_for_a_search(browser: Any, served: Served, artifacts: Path) -> None:
    context, page, errors = _drafter_page(browser, served)
    expect = _expect()
    page.goto(f"{served.url}/?" + urlencode({"q": DATED_QUESTION, "date_from": "2026-01-01", "k": 3, "group": "none"}))
    expect(page.locator("#results li.card")).to_have_count(3)
    page.get_by_text("Volg deze zoekopdracht").click()
    create = page.get_by_role("button", name="Maak een monitor")
    create.click()
    expect(page.locator("#monitor-status")).to_have_text("Vul eerst de beheersleutel in.")
    page.get_by_label("Beheersleutel").fill("verkeerde-sleutel")
    create.click()
    expect(page.locator("#monitor-status")).to_contain_text("Monitor maken is niet gelukt")

    page.get_by_label("Beheersleutel").fill(API_KEY)
    create.click()
    feed_link = page.locator("#monitor-feed")
    feed_link.wait_for(state="visible", timeout=30_000)
    feed_url = feed_link.get_attribute("href") or ""
    assert feed_url.startswith(f"{served.url}/v1/monitors/") and feed_url.endswith("/feed.atom"), feed_url
    monitor = httpx.get(feed_url.removesuffix("/feed.atom"), timeout=30).json()
    assert monitor["question"] == DATED_QUESTION and monitor["filters"]["date_from"] == "2026-01-01"
    feed = httpx.get(feed_url, timeout=60)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    page.get_by_role("button", name="Kopieer feed-link").click()
    expect(page.locator("#monitor-status")).to_have_text("Feed-link gekopieerd.")
    assert page.evaluate("navigator.clipboard.readText()") == feed_url
    page.screenshot(path=str(artifacts / "monitor-laptop.png"))

    page.get_by_role("button", name="Verwijder monitor").click()
    expect(page.locator("#monitor-status")).to_contain_text("Monitor verwijderd")
    assert httpx.get(feed_url, timeout=30).status_code == 404
    # The one console error is the browser's own line about the refused (403) key.
    assert [error for error in errors if "status of 403" not in error] == []
    context.close()


# ---------------------------------------------------------------- issue 31: results by document


def test_drafter_sees_documents_opened_at_their_best_answers_on_laptop_and_phone(
    browser: Any, served: Served, artifacts: Path
) -> None:
    """The page's default: documents ranked by their best unit, each with its best units in document order."""
    expect = _expect()
    for width, height, name in ((1280, 900, "laptop"), (390, 844, "phone")):
        context, page, errors = _drafter_page(browser, served, width=width, height=height)
        page.goto(served.url)
        assert page.get_by_label("Groeperen").input_value() == "document"
        page.get_by_label("Nieuwe Kamervraag").fill(QUESTION)
        page.get_by_label("Aantal resultaten").fill("3")
        page.get_by_role("button", name="Zoeken").click()
        groups = page.locator("#results > li.doc-group")
        expect(groups).to_have_count(3)
        assert "group=" not in page.url  # the page's default stays out of the shared URL
        expect(page.locator("#status")).to_contain_text("3 documenten")
        first = groups.first
        assert first.get_attribute("data-doc-id") == LIST
        best = first.locator("li.group-unit.best")
        expect(best).to_have_count(1)
        assert best.get_attribute("data-unit-id") == f"{LIST}:15"
        assert best.locator(".rank").text_content() == "best passend"
        shown = first.locator("li.group-unit").evaluate_all("cards => cards.map(card => card.dataset.unitId)")
        numbers = [int(unit.rsplit(":", 1)[1]) for unit in shown]
        assert numbers == sorted(numbers) and len(shown) >= 1  # document order
        citation = first.locator(":scope > article > .citation-row .citation").text_content() or ""
        assert citation.startswith("Lijst van vragen en antwoorden")
        first.locator(":scope > article > .citation-row button").click()
        expect(first.locator(":scope > article > .citation-row button")).to_have_text("Gekopieerd")
        assert page.evaluate("navigator.clipboard.readText()") == citation

        # The title opens the document at the best unit; back returns to the same documents.
        first.locator(".group-link").click()
        expect(page.locator("#doc-units li.doc-unit.target")).to_have_attribute("data-unit-id", f"{LIST}:15")
        page.go_back()
        expect(page.locator("#results > li.doc-group")).to_have_count(3)

        # The export of a grouped search lists the shown units, document by document.
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download CSV").click()
        text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        on_page = page.eval_on_selector_all("#results li.group-unit", "cards => cards.map(c => c.dataset.unitId)")
        assert [row["unit_id"] for row in rows] == on_page

        # Switching to one card per unit is a URL of its own.
        page.get_by_label("Groeperen").select_option("none")
        page.get_by_role("button", name="Zoeken").click()
        expect(page).to_have_url(re.compile(r"[?&]group=none(&|$)"))
        expect(page.locator("#results > li.card")).to_have_count(3)
        assert page.locator("#results li.doc-group").count() == 0
        page.go_back()
        expect(page.locator("#results > li.doc-group")).to_have_count(3)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts / f"grouped-{name}.png"), full_page=True)
        assert errors == []
        context.close()


def test_a_bare_answer_is_shown_with_the_answer_it_points_to(browser: Any, served: Served) -> None:
    """A pointer answer ("Zie antwoord vraag 25") comes with the unit it points to, labelled as belonging to it."""
    expect = _expect()
    pointer = httpx.get(f"{served.url}/v1/units/{LIST}:28", timeout=30).json()
    assert pointer["answer"] == "Zie antwoord vraag 25"
    params = {"q": pointer["question"], "doc_id": LIST, "k": 1}
    api = httpx.get(f"{served.url}/v1/search", params={**params, "group": "document"}, timeout=60).json()
    units = {unit["unit_id"]: unit for unit in api["documents"][0]["units"]}
    assert {f"{LIST}:28", f"{LIST}:25"} <= set(units)  # the pointer and what it points to, together
    context, page, errors = _drafter_page(browser, served)
    page.goto(f"{served.url}/?" + urlencode(params))
    group = page.locator("#results > li.doc-group")
    expect(group).to_have_count(1)
    for unit_id, unit in units.items():
        label = group.locator(f'li.group-unit[data-unit-id="{unit_id}"] .rank').text_content()
        bare = units.get(unit["context_for"] or "")
        wanted = "best passend" if unit["best"] else f"hoort bij vraag {bare['number']}" if bare else "ook passend"
        assert label == wanted, unit_id
    assert errors == []
    context.close()
