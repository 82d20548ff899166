"""End to end: `vraagbaak serve` as a real process with the real model and seed index, over HTTP."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import API_KEY, Served

pytestmark = pytest.mark.slow

LIST = "002_e3bd35554880f1b2"
QUESTION = "Wat zijn de tien grootste handelspartners van ons land?"
KEY = {"X-API-Key": API_KEY}
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_served_search_finds_the_seed_answer_with_its_citation(served: Served) -> None:
    ready = httpx.get(f"{served.url}/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 5
    assert ready["model"] is None  # the model id only with the admin key (issue 30)
    assert httpx.get(f"{served.url}/readyz", headers=KEY).json()["model"] == "bundled:multilingual-e5-small"
    response = httpx.post(f"{served.url}/v1/search", json={"question": QUESTION, "k": 3}, timeout=30)
    assert response.status_code == 200
    results = response.json()["results"]
    hit = next(r for r in results if r["unit_id"] == f"{LIST}:15")
    assert hit["citation"]["formatted"].startswith("Antwoord op vraag 15, Lijst van vragen en antwoorden")
    assert hit["highlights"] and all(sentence in hit["answer"] for sentence in hit["highlights"])
    assert response.headers["x-content-type-options"] == "nosniff"


def test_served_routes_and_error_codes(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        page = client.get("/")
        assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
        assert client.get("/static/app.js").status_code == 200
        batch = client.post("/v1/search/batch", json={"questions": [QUESTION, "exportkredietverzekering"], "k": 2})
        assert batch.status_code == 200 and len(batch.json()["responses"]) == 2
        listing = client.get("/v1/documents").json()
        assert listing["count"] == 5
        assert client.get(f"/v1/documents/{LIST}").json()["units"] > 100
        unit = client.get(f"/v1/units/{LIST}:15").json()
        assert unit["number"] == 15 and unit["document"]["doc_id"] == LIST
        assert client.get("/v1/units/nergens:1").status_code == 404
        assert client.post("/v1/search", json={"question": "x" * 2001}).status_code == 422
        assert client.post("/v1/search", json={"question": "\x00\x01"}).json()["detail"].startswith("question: ")
        assert client.post("/v1/search", json={"question": "x", "k": 51}).status_code == 422
        assert client.post("/v1/search", content=b"{", headers={"content-type": "application/json"}).status_code == 422
        too_big = client.post("/v1/search", content=b" " * (2 * 1024 * 1024 + 1))
        assert too_big.status_code == 413
        metrics = client.get("/metrics").text
        assert 'vraagbaak_http_requests_total{method="POST",route="/v1/search",status="413"}' in metrics
        assert "vraagbaak_index_documents 5" in metrics


def test_served_admin_key_and_upload_delete_round_trip(served: Served) -> None:
    text = (SEEDS / "000_ef389c4a9f248eca.txt").read_text(encoding="utf-8")
    upload = {"doc_id": "upload_brexit", "text": text}
    failures: list[str] = []
    done = threading.Event()

    def search_meanwhile() -> None:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            while not done.is_set():
                response = client.post("/v1/search", json={"question": QUESTION, "k": 3})
                if response.status_code != 200 or not response.json()["results"]:
                    failures.append(f"{response.status_code}: {response.text[:200]}")

    with httpx.Client(base_url=served.url, timeout=120) as client:
        assert client.post("/v1/documents", json=upload).status_code == 401
        assert client.post("/v1/documents", json=upload, headers={"X-API-Key": "fout"}).status_code == 403
        assert client.post("/v1/admin/reload", headers={"Authorization": "Bearer fout"}).status_code == 403
        searchers = [threading.Thread(target=search_meanwhile) for _ in range(3)]
        for thread in searchers:
            thread.start()
        try:
            added = client.post("/v1/documents", json=upload, headers=KEY)
            assert added.status_code == 201, added.text
            assert added.json()["documents"] == 6 and added.json()["units"] > 0
            assert (served.data_dir / "documents" / "upload_brexit.txt").read_text(encoding="utf-8") == text
            hits = client.get("/v1/search", params={"q": "Brexit douaneregels VK", "k": 10, "doc_id": "upload_brexit"})
            assert hits.json()["results"] and {r["doc_id"] for r in hits.json()["results"]} == {"upload_brexit"}
            removed = client.delete("/v1/documents/upload_brexit", headers={"Authorization": f"Bearer {API_KEY}"})
            assert removed.status_code == 200 and removed.json()["documents"] == 5
            assert client.get("/v1/documents/upload_brexit").status_code == 404
            reloaded = client.post("/v1/admin/reload", headers=KEY)
            assert reloaded.status_code == 200 and reloaded.json()["documents"] == 5
        finally:
            done.set()
            for thread in searchers:
                thread.join(timeout=60)
    assert failures == []
