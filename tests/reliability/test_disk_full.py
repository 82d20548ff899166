"""A full disk during an index write: a clear error, and the previous index keeps serving."""

from __future__ import annotations

import errno
import os
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import API_KEY, fake_encoder, fake_index  # noqa: F401  (fixtures used below)
from tests.service.conftest import make_client as make_client


def test_upload_on_a_full_disk_is_507_and_the_old_index_still_serves(
    make_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api: TestClient = make_client(api_key=API_KEY)
    before = api.post("/v1/search", json={"question": "windmolens op zee", "k": 3}).json()
    real_replace = os.replace

    def disk_full(source: Any, target: Any) -> None:
        if str(target).endswith("CURRENT"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", disk_full)
    response = api.post(
        "/v1/documents",
        json={"doc_id": "nieuw", "text": "1 Hoeveel windmolens komen er op land?\nHonderd windmolens op land."},
        headers={"X-API-Key": API_KEY},
    )
    assert response.status_code == 507
    assert "disk is full" in response.json()["detail"] and "previous index is unchanged" in response.json()["detail"]
    after = api.post("/v1/search", json={"question": "windmolens op zee", "k": 3}).json()
    assert after["index_generation"] == before["index_generation"]
    assert after["results"] == before["results"]
    assert {d["doc_id"] for d in api.get("/v1/documents").json()["documents"]} == {"export", "energie"}
    monkeypatch.undo()
    retry = api.post(
        "/v1/documents",
        json={"doc_id": "nieuw", "text": "1 Hoeveel windmolens komen er op land?\nHonderd windmolens op land."},
        headers={"X-API-Key": API_KEY},
    )
    assert retry.status_code == 201  # nothing half-written blocks the next write
