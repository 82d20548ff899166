"""Probes, security headers and CORS (metrics: test_metrics.py; error bodies: test_errors.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_healthz_and_readyz_when_loaded(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["model"] == "fake:keywords"
    assert (ready.json()["documents"], ready.json()["units"]) == (2, 5)


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
