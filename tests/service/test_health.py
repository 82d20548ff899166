"""Probes, security headers and CORS (metrics: test_metrics.py; error bodies: test_errors.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.service.conftest import API_KEY


def test_healthz_and_readyz_when_loaded(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["index_generation"].startswith("gen-")
    assert ready.json()["model"] is None  # the model id only with the admin key
    assert (ready.json()["documents"], ready.json()["units"]) == (2, 5)


def test_readyz_and_metrics_name_the_model_only_with_the_key(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    assert client.get("/readyz").json()["model"] is None
    assert client.get("/readyz", headers={"X-API-Key": "x" * 16}).json()["model"] is None  # a wrong key: no more
    assert client.get("/readyz", headers={"X-API-Key": API_KEY}).json()["model"] == "fake:keywords"
    assert client.get("/readyz", headers={"Authorization": f"Bearer {API_KEY}"}).json()["model"] == "fake:keywords"
    public = client.get("/metrics").text
    assert "vraagbaak_index_info" not in public and "fake:keywords" not in public
    assert "vraagbaak_index_documents 2.0" in public and "vraagbaak_ready 1.0" in public
    keyed = client.get("/metrics", headers={"X-API-Key": API_KEY}).text
    assert 'vraagbaak_index_info{generation="gen-' in keyed and 'model="fake:keywords"' in keyed


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
