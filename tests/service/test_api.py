"""The JSON API on a tiny FakeEncoder index: status codes and exact `detail` messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient

from tests.service.conftest import ENERGY, EXPORT

EMPTY = "the question is empty (after removing whitespace and control characters)"


def test_search_post_returns_ranked_results_with_citations(client: TestClient) -> None:
    response = client.post("/v1/search", json={"question": "Hoeveel geld gaat naar exportbevordering?", "k": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Hoeveel geld gaat naar exportbevordering?"
    assert (body["k"], body["mode"]) == (2, "hybrid")
    assert body["took_ms"] >= 0 and body["index_generation"].startswith("gen-")
    first = body["results"][0]
    assert first["unit_id"] == f"{EXPORT}:1"
    assert (first["doc_id"], first["number"], first["rank"]) == (EXPORT, 1, 1)
    assert set(first["matched"]) == {"question", "answer", "lexical"}
    assert (
        first["citation"]["formatted"]
        == "Antwoord op vraag 1, Titel van export (Kamerstuk 36180, nr. 164), 1 juni 2025"
    )
    assert first["citation"]["party"] == "VVD"
    assert len(body["results"]) == 2


def test_search_get_is_the_same_search(client: TestClient) -> None:
    question = "Hoeveel windmolens komen er op zee?"
    got = client.get("/v1/search", params={"q": question, "k": 3}).json()
    posted = client.post("/v1/search", json={"question": question, "k": 3}).json()
    assert [r["unit_id"] for r in got["results"]] == [r["unit_id"] for r in posted["results"]]
    assert got["results"][0]["unit_id"] == f"{ENERGY}:1"


def test_search_filters_by_party_document_kind_and_date(client: TestClient) -> None:
    def ids(**params: Any) -> list[str]:
        response = client.get("/v1/search", params={"q": "kost geld", "k": 10, **params})
        assert response.status_code == 200, response.text
        return sorted(r["unit_id"] for r in response.json()["results"])

    assert ids(party="VVD") == [f"{EXPORT}:1", f"{EXPORT}:3"]
    assert ids(party=["CDA", "D66"]) == [f"{ENERGY}:2", f"{EXPORT}:2"]
    assert ids(doc_id=ENERGY, mode="lexical") == [f"{ENERGY}:2"]
    assert ids(kind="written_consultation", mode="dense") == [f"{ENERGY}:1", f"{ENERGY}:2"]
    assert ids(date_from="2026-01-01") == [f"{ENERGY}:1", f"{ENERGY}:2"]
    assert ids(dossier="36180", date_to="2025-12-31") == [f"{EXPORT}:1", f"{EXPORT}:2", f"{EXPORT}:3"]
    assert ids(party="SP") == []


def test_search_modes_are_accepted(client: TestClient) -> None:
    for mode in ("hybrid", "dense", "lexical"):
        body = client.post("/v1/search", json={"question": "windmolens op zee", "mode": mode}).json()
        assert body["mode"] == mode and body["results"][0]["unit_id"] == f"{ENERGY}:1"


def test_control_characters_are_stripped_from_the_question(client: TestClient) -> None:
    body = client.post("/v1/search", json={"question": "\x00windmolens\u200b op\x07 zee\u202e"}).json()
    assert body["query"] == "windmolens op zee"


def test_batch_answers_each_question_in_order(client: TestClient) -> None:
    questions = ["Hoeveel windmolens komen er op zee?", "Welke landen bezoekt de handelsmissie?"]
    response = client.post("/v1/search/batch", json={"questions": questions, "k": 1})
    assert response.status_code == 200
    body = response.json()
    assert [r["query"] for r in body["responses"]] == questions
    assert [r["results"][0]["unit_id"] for r in body["responses"]] == [f"{ENERGY}:1", f"{EXPORT}:2"]


def _error(response: Any) -> tuple[int, str]:  # a TestClient response (httpx2 under Starlette 1.x)
    return response.status_code, response.json()["detail"]


def test_validation_errors_are_422_and_name_the_field(client: TestClient) -> None:
    cases = [
        ({"question": "x", "k": 51}, "k: Input should be less than or equal to 50"),
        ({"question": "x", "k": 0}, "k: Input should be greater than or equal to 1"),
        ({"question": "x", "k": "5"}, "k: Input should be a valid integer"),
        ({"question": "x", "mode": "fuzzy"}, "mode: Input should be 'hybrid', 'dense' or 'lexical'"),
        ({}, "question: Field required"),
        ({"question": ""}, "question: String should have at least 1 character"),
        ({"question": " \x00\t\u200b "}, f"question: {EMPTY}"),
        ({"question": "x" * 2001}, "question: String should have at most 2000 characters"),
        ({"question": "x", "top_k": 3}, "top_k: Extra inputs are not permitted"),
        (
            {"question": "x", "filters": {"date_from": "gisteren"}},
            "filters.date_from: Input should be a valid date or datetime, input is too short",
        ),
        (
            {"question": "x", "filters": {"kinds": ["memo"]}},
            "filters.kinds.0: Input should be 'qa_list', 'written_consultation', 'written_answers', "
            "'written_questions', 'postponement' or 'prose'",
        ),
        ({"question": 5}, "question: Input should be a valid string"),
    ]
    for body, detail in cases:
        assert _error(client.post("/v1/search", json=body)) == (422, detail), body


def test_get_search_errors_name_the_query_parameter(client: TestClient) -> None:
    assert _error(client.get("/v1/search")) == (422, "q: Field required")
    assert _error(client.get("/v1/search", params={"q": "\x01 "})) == (422, f"q: {EMPTY}")
    assert _error(client.get("/v1/search", params={"q": "x", "k": 99})) == (
        422,
        "k: Input should be less than or equal to 50",
    )
    assert _error(client.get("/v1/search", params={"q": "x", "party": "p" * 201})) == (
        422,
        "party.0: String should have at most 200 characters",
    )


def test_batch_limits(client: TestClient) -> None:
    assert _error(client.post("/v1/search/batch", json={"questions": []})) == (
        422,
        "questions: List should have at least 1 item after validation, not 0",
    )
    assert _error(client.post("/v1/search/batch", json={"questions": ["x"] * 101})) == (
        422,
        "questions: List should have at most 100 items after validation, not 101",
    )
    assert _error(client.post("/v1/search/batch", json={"questions": ["x", "\x00"]})) == (422, f"questions: {EMPTY}")


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    response = client.post("/v1/search", content=b'{"question": ', headers={"content-type": "application/json"})
    assert _error(response) == (422, "body: not valid JSON (Expecting value at character 13)")
    response = client.post("/v1/search", content=b"\xff\xfe", headers={"content-type": "application/json"})
    assert response.status_code == 422
    response = client.post("/v1/search", content=b"question=x", headers={"content-type": "text/plain"})
    assert response.status_code == 422


def test_body_over_the_limit_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2048)
    big = {"question": "x" * 1500, "filters": {"doc_ids": ["d" * 100] * 10}}
    assert _error(client.post("/v1/search", json=big)) == (
        413,
        "the request body is larger than the limit of 2048 bytes",
    )

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b" " * 1000

    response = client.post("/v1/search", content=chunks(), headers={"content-type": "application/json"})
    assert _error(response) == (413, "the request body is larger than the limit of 2048 bytes")
    assert client.post("/v1/search", json={"question": "windmolens"}).status_code == 200


def test_unit_in_full_with_footnotes_and_refs(client: TestClient) -> None:
    response = client.get(f"/v1/units/{EXPORT}:3")
    assert response.status_code == 200
    unit = response.json()
    assert unit["question"] == "Wat kost de exportkredietverzekering?"
    assert unit["footnotes"] == {"1": "Kamerstuk 36180"}
    assert [(ref["unit_id"], ref["url"]) for ref in unit["refs"]] == [
        (f"{EXPORT}:1", f"/v1/units/{EXPORT}:1"),
        ("elders:9", None),
    ]  # titles and the reverse direction: test_drafters_api.py
    assert unit["citation"]["question_number"] == 3
    assert unit["document"]["doc_id"] == EXPORT and unit["document"]["units"] == 3


def test_unknown_unit_and_document_are_404(client: TestClient) -> None:
    assert _error(client.get("/v1/units/nergens:1")) == (404, "no unit 'nergens:1' in the index")
    assert _error(client.get("/v1/documents/nergens")) == (
        404,
        "no document 'nergens' in the index; GET /v1/documents lists them",
    )
    assert client.get("/v1/nope").status_code == 404


def test_documents_list_and_detail(client: TestClient) -> None:
    listing = client.get("/v1/documents").json()
    assert listing["count"] == 2
    assert [(d["doc_id"], d["units"], d["parties"]) for d in listing["documents"]] == [
        (ENERGY, 2, ["CDA", "GroenLinks-PvdA"]),
        (EXPORT, 3, ["D66", "VVD"]),
    ]
    detail = client.get(f"/v1/documents/{ENERGY}").json()
    assert detail["kind"] == "written_consultation" and detail["dossier"] == "32813"
    assert [u["unit_id"] for u in detail["unit_list"]] == [f"{ENERGY}:1", f"{ENERGY}:2"]


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/search",
        "/v1/search/batch",
        "/v1/units/{unit_id}",
        "/v1/documents",
        "/v1/documents/{doc_id}",
        "/v1/admin/reload",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= set(paths)
    assert set(paths["/v1/search"]) == {"get", "post"}
    assert set(paths["/v1/documents/{doc_id}"]) == {"get", "delete"}
    assert client.get("/docs").status_code == 200


def test_get_search_takes_the_search_query_models_parameters(client: TestClient) -> None:
    """The query string is `SearchQuery` (the filters under their query names) plus `format`; nothing else."""
    from vraagbaak.retrieval.request import SearchQuery

    parameters = client.get("/openapi.json").json()["paths"]["/v1/search"]["get"]["parameters"]
    names = [parameter["name"] for parameter in parameters]
    assert names == [info.alias for info in SearchQuery.model_fields.values()] + ["format"]
    assert names[:3] == ["q", "k", "mode"]
    party = next(parameter for parameter in parameters if parameter["name"] == "party")
    assert (party["schema"]["maxItems"], party["schema"]["items"]["maxLength"]) == (50, 200)


def test_a_search_without_k_returns_the_configured_top_k(make_client: Callable[..., TestClient]) -> None:
    client = make_client(top_k=3)
    question = "Hoeveel geld gaat naar exportbevordering?"
    assert len(client.get("/v1/search", params={"q": question}).json()["results"]) == 3
    posted = client.post("/v1/search", json={"question": question}).json()
    assert (posted["k"], len(posted["results"])) == (3, 3)
    batch = client.post("/v1/search/batch", json={"questions": [question]}).json()
    assert batch["responses"][0]["k"] == 3
    assert len(client.get("/v1/search", params={"q": question, "k": 1}).json()["results"]) == 1


def test_k_null_means_the_server_default(make_client: Callable[..., TestClient]) -> None:
    body = make_client(top_k=2).post("/v1/search", json={"question": "windmolens op zee", "k": None}).json()
    assert body["k"] == 2
