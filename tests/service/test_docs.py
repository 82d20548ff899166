"""`/docs` (Swagger UI) and `/redoc` from files in the installed packages: they render with the network cut."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.live import live_server
from tests.service.test_browser import browser  # noqa: F401  (the fixture, with its skip/fail rules)
from vraagbaak.service.settings import ServiceSettings


def test_docs_pages_name_no_outside_address_and_their_files_are_served(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert re.search(r"https?://", page.text) is None, page.text  # nothing from a CDN, no fonts
        assert "<script>" not in page.text  # no inline script: the policy allows none
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "http" not in policy and "unsafe-eval" not in policy
    for asset, kind in (
        ("/docs/assets/swagger-ui-bundle.js", "javascript"),
        ("/docs/assets/swagger-ui.css", "text/css"),
        ("/docs/assets/redoc.standalone.js", "javascript"),
        ("/docs/start.js", "javascript"),
    ):
        served = client.get(asset)
        assert served.status_code == 200 and kind in served.headers["content-type"], asset
    assert client.get("/docs/oauth2-redirect").status_code == 404  # FastAPI's page with an inline script is gone


@pytest.mark.browser
def test_docs_and_redoc_render_the_operations_with_the_network_cut(
    browser: Any,  # noqa: F811
    fake_index: Path,
    fake_encoder: Any,
    tmp_path: Path,
) -> None:
    settings = ServiceSettings(index_dir=fake_index, data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    with live_server(settings, fake_index, fake_encoder) as url:
        context = browser.new_context()
        outside: list[str] = []

        def cut(route: Any) -> None:
            if route.request.url.startswith("http://127.0.0.1:") or route.request.url.startswith("blob:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", cut)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto(f"{url}/docs")
        page.locator(".opblock-summary-path", has_text="/v1/search/batch").first.wait_for(timeout=30_000)
        paths = set(page.locator(".opblock-summary-path").all_inner_texts())
        assert {"/v1/search", "/v1/monitors/{monitor_id}/feed.atom", "/readyz"} <= {p.strip() for p in paths}
        page.locator(".opblock-summary-path", has_text="/v1/search/batch").first.click()
        page.get_by_text("Up to 100 questions in one call").first.wait_for(timeout=10_000)

        page.goto(f"{url}/redoc")
        page.locator("h2", has_text="Search with a JSON body").first.wait_for(timeout=30_000)  # the operation itself
        assert page.locator("h1").first.inner_text().startswith("Vraagbaak")
        # ReDoc's "API docs by Redocly" badge points at its CDN; the policy blocks it before any request,
        # which is all the page tries to fetch from outside.
        blocked_badge = [text for text in problems if "cdn.redoc.ly" in text and '"img-src' in text]
        assert outside == [] and [text for text in problems if text not in blocked_badge] == [], (outside, problems)
        context.close()
