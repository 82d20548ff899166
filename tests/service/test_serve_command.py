"""`vraagbaak serve` builds the app from settings plus flags and hands it to uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vraagbaak.cli.main import main


def test_serve_passes_flags_over_settings_to_uvicorn(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    monkeypatch.setenv("VRAAGBAAK_PORT", "9001")
    monkeypatch.setenv("VRAAGBAAK_API_KEY", "sleutel-van-16-tekens")
    assert main(["serve", "--index", str(tmp_path / "index"), "--host", "127.0.0.2"]) == 0
    [(app, kwargs)] = calls
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.2", 9001)
    settings = app.state.settings
    assert settings.index_dir == tmp_path / "index"
    assert settings.api_key.get_secret_value() == "sleutel-van-16-tekens"
    assert app.state.retriever is None  # loaded by the lifespan, not at construction
    assert "http://127.0.0.2:9001/" in capsys.readouterr().out


def test_serve_defaults_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    for name in ("VRAAGBAAK_HOST", "VRAAGBAAK_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert main(["serve"]) == 0
    assert (calls[0]["host"], calls[0]["port"]) == ("127.0.0.1", 8000)


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "port: Input should be less than or equal to 65535" in capsys.readouterr().err


def test_serve_runs_on_uvloop_and_the_c_http_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Less Python per request on the two cores the engine needs (issue 29); both come with the package."""
    import importlib.util

    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    assert main(["serve"]) == 0
    assert (calls[0]["loop"], calls[0]["http"]) == ("uvloop", "httptools")
    assert importlib.util.find_spec("uvloop") and importlib.util.find_spec("httptools")
