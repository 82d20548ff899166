"""Server-side failures: stable text and an error id for the client, the details under that id in the log."""

from __future__ import annotations

import errno
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeEncoder
from tests.service.conftest import API_KEY
from vraagbaak.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    ManifestMismatchError,
    ModelError,
    VraagbaakError,
)
from vraagbaak.retrieval.retriever import Retriever, SearchHit
from vraagbaak.service.errors import DISK_FULL, INTERNAL, WRITE_FAILED, public_message

ERROR_ID = re.compile(r"[0-9a-f]{16}")
UPLOAD = {"doc_id": "nieuw", "text": "1 Hoeveel windmolens komen er op land?\nHonderd windmolens op land."}


def _logged(caplog: pytest.LogCaptureFixture, error_id: str) -> logging.LogRecord:
    """The one log record that carries `error_id`."""
    records = [record for record in caplog.records if error_id in record.getMessage()]
    assert len(records) == 1, [record.getMessage() for record in caplog.records]
    return records[0]


class _Broken(Retriever):
    def search_encoded(self, *args: Any, **kwargs: Any) -> list[SearchHit]:
        raise RuntimeError("secret internal state /etc/passwd")


def test_an_exception_in_a_route_is_a_stable_500_with_an_error_id_in_the_log(
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
    body = response.json()
    assert set(body) == {"detail", "error_id"} and ERROR_ID.fullmatch(body["error_id"])
    assert body["detail"] == INTERNAL == "internal server error; the server log has the details"
    assert "secret" not in response.text and "/etc/passwd" not in response.text and "Traceback" not in response.text
    record = _logged(caplog, body["error_id"])
    assert record.levelno == logging.ERROR and record.name == "vraagbaak.service.errors"
    assert "secret internal state /etc/passwd" in record.getMessage() and "POST /v1/search" in record.getMessage()
    assert record.exc_info is not None  # the traceback goes to the log
    again = client.post("/v1/search", json={"question": "windmolens"}).json()
    assert again["detail"] == body["detail"] and again["error_id"] != body["error_id"]


@pytest.mark.parametrize(
    ("code", "detail"),
    [(errno.ENOSPC, DISK_FULL), (errno.EACCES, WRITE_FAILED)],
    ids=["disk full", "permission denied"],
)
def test_a_failed_index_write_is_507_without_a_path(
    make_client: Callable[..., TestClient],
    fake_index: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    code: int,
    detail: str,
) -> None:
    admin = make_client(api_key=API_KEY)
    real_replace = os.replace

    def failing(source: Any, target: Any) -> None:
        if str(target).endswith("CURRENT"):
            raise OSError(code, os.strerror(code))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing)
    response = admin.post("/v1/documents", json=UPLOAD, headers={"X-API-Key": API_KEY})
    assert response.status_code == 507
    body = response.json()
    assert body == {"detail": detail, "error_id": body["error_id"]} and ERROR_ID.fullmatch(body["error_id"])
    assert str(fake_index) not in response.text and os.strerror(code) not in response.text
    record = _logged(caplog, body["error_id"])
    assert str(fake_index) in record.getMessage() and record.levelno == logging.ERROR


def test_readyz_is_503_without_a_path_when_the_index_is_missing(
    make_client: Callable[..., TestClient], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "geen-index"
    client = make_client(inject=False, index_dir=missing)
    assert client.get("/healthz").status_code == 200
    deadline = time.monotonic() + 10
    while True:
        response = client.get("/readyz")
        assert response.status_code == 503
        if "still loading" not in response.json()["detail"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    body = response.json()
    assert body == {
        "detail": "not ready: no index in the configured index directory; "
        "build one with `vraagbaak index build` (or set VRAAGBAAK_INDEX_DIR)",
        "error_id": body["error_id"],
    }
    assert ERROR_ID.fullmatch(body["error_id"]) and str(tmp_path) not in response.text
    assert response.headers["retry-after"] == "5"
    assert str(missing) in _logged(caplog, body["error_id"]).getMessage()
    search = client.post("/v1/search", json={"question": "windmolens"})
    assert (search.status_code, search.json()) == (503, body)


def test_readyz_while_loading_has_no_error_id(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(inject=False, index_dir=tmp_path / "geen-index")
    app: Any = client.app
    deadline = time.monotonic() + 10
    while app.state.load_error is None and time.monotonic() < deadline:
        time.sleep(0.05)
    app.state.load_error, app.state.load_error_id = None, None  # as while the load still runs
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"detail": "not ready: the index and model are still loading"}


@pytest.mark.parametrize(
    "error",
    [
        IndexLockedError("another process is writing /srv/index (lock /srv/index/.lock); try again"),
        IndexNotFoundError("no index in /srv/index; build one"),
        IndexCorruptError("/srv/index/gen-1/vectors.faiss is not a readable FAISS index (Error in faiss::read)"),
        ManifestMismatchError("/srv/index/manifest.json names model x, not y"),
        ModelError("cannot load model 'x' from /home/svc/.cache/models: OSError: [Errno 2]"),
        IndexWriteError("could not write the index to /srv/index: Read-only file system"),
        VraagbaakError("/srv/elsewhere: something new"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_public_messages_name_no_server_paths(error: VraagbaakError) -> None:
    message = public_message(error)
    assert "/" not in message.replace("VRAAGBAAK_INDEX_DIR", "") and "srv" not in message and "faiss" not in message
    assert message == public_message(type(error)("another text"))  # stable: independent of the raw message


def test_a_validation_error_keeps_naming_the_bad_input(client: TestClient) -> None:
    response = client.post("/v1/search", json={"question": "windmolens", "k": 0})
    assert response.status_code == 422 and "error_id" not in response.json()
    assert response.json()["detail"].startswith("k: ")
