"""Admin routes: the API key, upload and delete round trips, reload, and atomic swaps under load."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeEncoder, qa_document
from tests.service.conftest import API_KEY, ENERGY
from vraagbaak.service.deps import ADMIN_DISABLED, KEY_MISSING, KEY_WRONG
from vraagbaak.store.builder import add_documents

KEY = {"X-API-Key": API_KEY}
NOTE = "Notitie over zonnepanelen\n\nHet kabinet plaatst zonnepanelen op alle daken van ministeries.\n"


def _upload(client: TestClient, doc_id: str = "zon", text: str = NOTE, headers: dict[str, str] = KEY) -> Any:
    return client.post("/v1/documents", json={"doc_id": doc_id, "text": text}, headers=headers)


def test_admin_is_disabled_without_a_configured_key(client: TestClient) -> None:
    for response in (
        client.post("/v1/documents", json={"doc_id": "zon", "text": NOTE}, headers=KEY),
        client.delete(f"/v1/documents/{ENERGY}", headers=KEY),
        client.post("/v1/admin/reload", headers=KEY),
    ):
        assert (response.status_code, response.json()["detail"]) == (403, ADMIN_DISABLED)
    assert client.get(f"/v1/documents/{ENERGY}").status_code == 200


def test_missing_or_wrong_key_is_refused(admin: TestClient) -> None:
    missing = admin.delete(f"/v1/documents/{ENERGY}")
    assert (missing.status_code, missing.json()["detail"]) == (401, KEY_MISSING)
    assert missing.headers["www-authenticate"] == "Bearer"
    for headers in ({"X-API-Key": "fout"}, {"Authorization": "Bearer fout"}, {"X-API-Key": API_KEY + "x"}):
        response = admin.delete(f"/v1/documents/{ENERGY}", headers=headers)
        assert (response.status_code, response.json()["detail"]) == (403, KEY_WRONG)
    assert admin.get(f"/v1/documents/{ENERGY}").status_code == 200


def test_upload_then_delete_round_trips(admin: TestClient, tmp_path: Path) -> None:
    before = admin.get("/readyz").json()["index_generation"]
    added = _upload(admin)
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["doc_id"], body["status"], body["units"], body["documents"]) == ("zon", "added", 1, 3)
    assert body["index_generation"] != before
    saved = tmp_path / "data" / "documents" / "zon.txt"
    assert saved.read_text(encoding="utf-8") == NOTE
    assert list(saved.parent.iterdir()) == [saved]

    hits = admin.get("/v1/search", params={"q": "zonnepanelen op daken", "k": 1}).json()["results"]
    assert hits[0]["unit_id"] == "zon:p1" and hits[0]["citation"]["kind"] == "prose"
    assert admin.get("/v1/documents/zon").json()["source_file"] == saved.name

    again = _upload(admin)
    assert (again.status_code, again.json()["status"]) == (200, "unchanged")

    removed = admin.delete("/v1/documents/zon", headers={"Authorization": f"Bearer {API_KEY}"})
    assert removed.status_code == 200
    assert (removed.json()["status"], removed.json()["documents"]) == ("removed", 2)
    assert not saved.exists()
    assert admin.get("/v1/documents/zon").status_code == 404
    assert all(r["doc_id"] != "zon" for r in admin.get("/v1/search", params={"q": "zonnepanelen"}).json()["results"])
    gone = admin.delete("/v1/documents/zon", headers=KEY)
    assert (gone.status_code, gone.json()["detail"]) == (
        404,
        "no document 'zon' in the index; GET /v1/documents lists them",
    )


def test_upload_replaces_a_changed_document(admin: TestClient) -> None:
    assert _upload(admin).status_code == 201
    replaced = _upload(admin, text=NOTE + "\nOok komen er laadpalen bij elk ministerie.\n")
    assert replaced.json()["status"] == "replaced"


@pytest.mark.parametrize(
    ("doc_id", "detail"),
    [
        ("../etc/passwd", "doc_id: String should match pattern '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'"),
        ("a/b", "doc_id: String should match pattern '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'"),
        (".verborgen", "doc_id: String should match pattern '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'"),
        ("a..b", "doc_id: must not contain '..'"),
        ("x" * 101, "doc_id: String should match pattern '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'"),
        ("", "doc_id: String should match pattern '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'"),
    ],
)
def test_upload_refuses_unsafe_document_ids(admin: TestClient, tmp_path: Path, doc_id: str, detail: str) -> None:
    response = _upload(admin, doc_id=doc_id)
    assert (response.status_code, response.json()["detail"]) == (422, detail)
    assert not (tmp_path / "data").exists()


def test_upload_refuses_empty_or_unparsable_text(admin: TestClient) -> None:
    empty = _upload(admin, text="")
    assert (empty.status_code, empty.json()["detail"]) == (
        422,
        "text: String should have at least 1 character",
    )
    blank = _upload(admin, text=" \n\n \t")
    assert blank.status_code == 422
    assert blank.json()["detail"]


def test_upload_over_the_upload_limit_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY, max_upload_bytes=4096, max_body_bytes=1024)
    assert _upload(client, text=NOTE).status_code == 201
    big = _upload(client, doc_id="groot", text="woord " * 1000)
    assert (big.status_code, big.json()["detail"]) == (
        413,
        "the request body is larger than the limit of 4096 bytes",
    )


def test_reload_picks_up_a_generation_written_elsewhere(admin: TestClient, fake_index: Path) -> None:
    before = admin.get("/readyz").json()
    add_documents(
        [qa_document("extra", [("Vraag over fietspaden?", "Er komen fietspaden.")])], FakeEncoder(), fake_index
    )
    assert admin.get("/v1/documents/extra").status_code == 404  # still serving the old generation
    response = admin.post("/v1/admin/reload", headers=KEY)
    assert response.status_code == 200
    body = response.json()
    assert body["previous_generation"] == before["index_generation"]
    assert body["index_generation"] != before["index_generation"] and body["documents"] == 3
    assert admin.get("/v1/documents/extra").status_code == 200


def test_searches_in_flight_never_fail_while_the_index_changes(admin: TestClient) -> None:
    failures: list[str] = []
    done = threading.Event()

    def hammer() -> None:
        while not done.is_set():
            response = admin.post("/v1/search", json={"question": "windmolens op zee", "k": 3})
            if response.status_code != 200 or response.json()["results"][0]["unit_id"] != f"{ENERGY}:1":
                failures.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        generations = set()
        for round_ in range(5):
            added = _upload(admin, text=f"{NOTE}\nRonde {round_}.\n")
            generations.add(added.json()["index_generation"])
            removed = admin.delete("/v1/documents/zon", headers=KEY)
            generations.add(removed.json()["index_generation"])
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=30)
    assert failures == []
    assert len(generations) == 10
