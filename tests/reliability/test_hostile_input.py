"""The named list of hostile inputs: each gets a 4xx naming the problem, and the service keeps answering."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import API_KEY, fake_encoder, fake_index  # noqa: F401  (fixtures used below)
from tests.service.conftest import make_client as make_client

ADMIN = {"X-API-Key": API_KEY}


@pytest.fixture
def api(make_client: Any) -> TestClient:
    return make_client(api_key=API_KEY)  # type: ignore[no-any-return]


def _still_answers(api: TestClient) -> None:
    response = api.post("/v1/search", json={"question": "windmolens op zee", "k": 1})
    assert response.status_code == 200 and response.json()["results"][0]["unit_id"] == "energie:1"


SEARCH_CASES: list[tuple[str, Any, int, str]] = [
    ("empty question", {"question": ""}, 422, "question"),
    ("whitespace only", {"question": " \t\n "}, 422, "question: the question is empty"),
    ("zero-width only", {"question": "\u200b\u200d\ufeff"}, 422, "question: the question is empty"),
    ("100k characters", {"question": "handel " * 15000}, 422, "question: String should have at most 2000"),
    ("k = 0", {"question": "handel", "k": 0}, 422, "k: Input should be greater than or equal to 1"),
    ("k = -1", {"question": "handel", "k": -1}, 422, "k: Input should be greater than or equal to 1"),
    ("k = 10^9", {"question": "handel", "k": 10**9}, 422, "k: Input should be less than or equal to 50"),
    ("k = 1.5", {"question": "handel", "k": 1.5}, 422, "k: Input should be a valid integer"),
    ('k = "5"', {"question": "handel", "k": "5"}, 422, "k: Input should be a valid integer"),
    ("question not text", {"question": ["a"]}, 422, "question: Input should be a valid string"),
    ("unknown filter", {"question": "handel", "filters": {"colour": "red"}}, 422, "filters.colour: Extra inputs"),
    ("unknown field", {"question": "handel", "order": "asc"}, 422, "order: Extra inputs are not permitted"),
    ("bad sort", {"question": "handel", "sort": "asc"}, 422, "sort: Input should be 'relevance', 'newest' or 'oldest'"),
    ("bad mode", {"question": "handel", "mode": "magic"}, 422, "mode: Input should be 'hybrid', 'dense' or 'lexical'"),
    ("bad date", {"question": "handel", "filters": {"date_from": "gisteren"}}, 422, "filters.date_from"),
    ("bad kind", {"question": "handel", "filters": {"kinds": ["poem"]}}, 422, "filters.kinds.0"),
    ("not an object", ["handel"], 422, "body"),
]


@pytest.mark.parametrize(("body", "status", "detail"), [c[1:] for c in SEARCH_CASES], ids=[c[0] for c in SEARCH_CASES])
def test_hostile_search_bodies_get_a_4xx_naming_the_problem(
    api: TestClient, body: Any, status: int, detail: str
) -> None:
    response = api.post("/v1/search", json=body)
    assert response.status_code == status
    assert detail in response.json()["detail"]
    _still_answers(api)


@pytest.mark.parametrize(
    "fragment",
    ["' OR 1=1; DROP TABLE units; --", ".*(a+)+$", "%s%s%n{0}{__class__}", "${jndi:ldap://x}", "../../etc/passwd"],
)
def test_injection_fragments_in_filters_are_plain_values(api: TestClient, fragment: str) -> None:
    body = {"question": "handel", "filters": {"parties": [fragment], "dossier": fragment, "doc_ids": [fragment]}}
    response = api.post("/v1/search", json=body)
    assert response.status_code == 200 and response.json()["results"] == []
    _still_answers(api)


def test_right_to_left_and_zero_width_characters_are_stripped_not_fatal(api: TestClient) -> None:
    response = api.post("/v1/search", json={"question": "\u202ewind\u200bmolens\u202c op zee"})
    assert response.status_code == 200
    assert response.json()["query"] == "windmolens op zee"


def test_deeply_nested_json_is_refused(api: TestClient) -> None:
    body = '{"question": "handel", "filters": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    response = api.post("/v1/search", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    _still_answers(api)


def test_ten_megabyte_body_is_413(api: TestClient) -> None:
    response = api.post(
        "/v1/search", content=b"{" + b" " * (10 * 1024 * 1024) + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and "larger than the limit" in response.json()["detail"]
    _still_answers(api)


@pytest.mark.parametrize("raw", [b'{"question": "\xff\xfe handel"}', b'{"question": "han\x00del"}'])
def test_invalid_utf8_and_nul_bytes_get_a_clear_4xx(api: TestClient, raw: bytes) -> None:
    response = api.post("/v1/search", content=raw, headers={"Content-Type": "application/json"})
    detail = response.json()["detail"]
    assert (response.status_code, detail.split(" (")[0]) in {
        (400, "body: not valid JSON in UTF-8"),  # undecodable bytes
        (422, "body: not valid JSON"),  # a raw control character inside a JSON string
    }
    _still_answers(api)


@pytest.mark.parametrize(
    "unit_id",
    ["../etc/passwd", "%2e%2e%2fsecret", "..%2F..%2Fmanifest.json", "a%00b", "x" * 10_000, "export:1/../../2"],
)
def test_hostile_unit_ids_are_404_or_422(api: TestClient, unit_id: str) -> None:
    response = api.get(f"/v1/units/{unit_id}")
    assert response.status_code in (404, 422) and response.json()["detail"]
    _still_answers(api)


@pytest.mark.parametrize(
    "doc_id", ["../outside", "..", "%2e%2e", "a/b", "x" * 10_000, "nul\x00id", "nul%00id", ".hidden"]
)
def test_hostile_document_ids_never_reach_the_file_system(api: TestClient, doc_id: str) -> None:
    data_dir = api.app.state.settings.data_dir  # VRAAGBAAK_DATA_DIR: uploads are kept in its documents/
    response = api.post(
        "/v1/documents", json={"doc_id": doc_id, "text": "1 Vraag over handel?\nAntwoord."}, headers=ADMIN
    )
    assert response.status_code == 422 and "doc_id" in response.json()["detail"]
    if "\x00" not in doc_id:  # an HTTP client cannot put a raw NUL in a URL
        assert api.delete(f"/v1/documents/{doc_id}", headers=ADMIN).status_code in (404, 405, 422)
    assert not data_dir.exists()  # nothing written, not even documents/ (tests/service/test_upload_files.py
    assert list(data_dir.parent.rglob("outside*")) == []  # shows uploads land there), nor where "../" leads
    _still_answers(api)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.txt", "1 Vraag?\nAntwoord.")
    return buffer.getvalue()


UPLOADS: list[tuple[str, bytes, int]] = [
    ("empty text", json.dumps({"doc_id": "leeg", "text": ""}).encode(), 422),
    ("whitespace text", json.dumps({"doc_id": "leeg", "text": "   \n "}).encode(), 422),
    ("binary text", json.dumps({"doc_id": "bin", "text": "\x00\x01\x02binary"}).encode(), 422),
    ("a zip as the body", _zip(), 400),  # not UTF-8 either
    ("not UTF-8", b'{"doc_id": "latin", "text": "caf\xe9"}', 400),
    ("50 MB", b'{"doc_id": "groot", "text": "' + b"a" * (50 * 1024 * 1024) + b'"}', 413),
]


@pytest.mark.parametrize(("raw", "status"), [u[1:] for u in UPLOADS], ids=[u[0] for u in UPLOADS])
def test_bad_uploads_are_refused_and_write_nothing(api: TestClient, raw: bytes, status: int, tmp_path: Any) -> None:
    response = api.post("/v1/documents", content=raw, headers={**ADMIN, "Content-Type": "application/json"})
    assert response.status_code == status and response.json()["detail"]
    if status == 400:
        assert "UTF-8" in response.json()["detail"]
    assert not list((tmp_path / "data").rglob("*.txt"))
    assert {d["doc_id"] for d in api.get("/v1/documents").json()["documents"]} == {"export", "energie"}
    _still_answers(api)


def test_no_cors_headers_unless_configured(api: TestClient) -> None:
    response = api.options(
        "/v1/search", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in response.headers


def test_errors_carry_security_headers_and_no_traceback(api: TestClient) -> None:
    response = api.post("/v1/search", content=b"{broken", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "Traceback" not in response.text and 'File "' not in response.text
