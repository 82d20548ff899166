"""Probes, metrics, security headers, CORS, and no stack traces."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.retrieval import Retriever, SearchHit
from tests.fakes import FakeEncoder


def test_healthz_and_readyz_when_loaded(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["model"] == "fake:keywords"
    assert (ready.json()["documents"], ready.json()["units"]) == (2, 5)


def test_readyz_is_503_with_the_reason_when_the_index_is_missing(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(inject=False, index_dir=tmp_path / "geen-index")
    assert client.get("/healthz").status_code == 200
    deadline = time.monotonic() + 10
    while True:
        response = client.get("/readyz")
        assert response.status_code == 503
        if "still loading" not in response.json()["detail"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert response.json()["detail"].startswith(f"not ready: no index in {tmp_path / 'geen-index'}")
    assert response.headers["retry-after"] == "5"
    search = client.post("/v1/search", json={"question": "windmolens"})
    assert search.status_code == 503 and search.json()["detail"] == response.json()["detail"]


def test_security_headers_on_every_response(client: TestClient) -> None:
    for response in (
        client.get("/"),
        client.get("/v1/documents"),
        client.get("/v1/units/nergens:1"),
        client.post("/v1/search", json={}),
        client.get("/static/app.js"),
    ):
        assert response.headers["content-security-policy"].startswith("default-src 'self';")
        assert "script-src 'self';" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_no_cors_unless_configured(make_client: Callable[..., TestClient]) -> None:
    origin = {"Origin": "https://elders.example"}
    closed = make_client()
    assert "access-control-allow-origin" not in closed.get("/v1/documents", headers=origin).headers
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in closed.options("/v1/search", headers=preflight).headers
    opened = make_client(cors_origins=["https://intranet.example"])
    allowed = opened.get("/v1/documents", headers={"Origin": "https://intranet.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"
    assert "access-control-allow-origin" not in opened.get("/v1/documents", headers=origin).headers


class _Broken(Retriever):
    def search_encoded(self, *args: Any, **kwargs: Any) -> list[SearchHit]:
        raise RuntimeError("secret internal state /etc/passwd")


def test_an_unexpected_error_is_a_plain_500_without_a_traceback(
    make_client: Callable[..., TestClient],
    fake_index: Path,
    fake_encoder: FakeEncoder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = make_client(raise_server_exceptions=False)
    app: Any = client.app
    app.state.retriever = _Broken.load(fake_index, fake_encoder)
    response = client.post("/v1/search", json={"question": "windmolens"})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error; the server log has the details"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret internal state" in caplog.text


def test_metrics_count_requests_per_route_template(client: TestClient) -> None:
    client.post("/v1/search", json={"question": "windmolens"})
    client.get("/v1/units/energie:1")
    client.get("/v1/units/nergens:1")
    client.post("/v1/search", json={"question": "windmolens", "k": 0})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'vraagbaak_http_requests_total{method="POST",route="/v1/search",status="200"} 1' in text
    assert 'vraagbaak_http_requests_total{method="POST",route="/v1/search",status="422"} 1' in text
    assert 'vraagbaak_http_requests_total{method="GET",route="/v1/units/{unit_id}",status="404"} 1' in text
    assert 'vraagbaak_http_request_duration_seconds_bucket{method="POST",route="/v1/search",le="+Inf"} 2' in text
    assert 'vraagbaak_http_request_duration_seconds_count{method="GET",route="/v1/units/{unit_id}"} 2' in text
    assert "vraagbaak_index_documents 2" in text and "vraagbaak_index_units 5" in text
    assert "vraagbaak_ready 1" in text
    assert "vraagbaak_encode_questions_total 1" in text
    assert "nergens" not in text  # raw paths never become labels


def test_metrics_label_refused_bodies_by_route(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=1024)
    assert client.post("/v1/search", content=b"x" * 2000).status_code == 413
    client.get("/does/not/exist")
    text = client.get("/metrics").text
    assert 'vraagbaak_http_requests_total{method="POST",route="/v1/search",status="413"} 1' in text
    assert 'vraagbaak_http_requests_total{method="GET",route="<unmatched>",status="404"} 1' in text
