"""The drafters' page in headless Chromium against the running service.

Needs the Python `playwright` package (its driver only; no browser download)
and Debian's `chromium` (`apt-get install chromium`), or CHROMIUM_PATH. Skipped
when they are missing, except in CI (CI set), where that is a failure.
Screenshots go to TEST_ARTIFACTS_DIR when set, else to the test's tmp_path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
