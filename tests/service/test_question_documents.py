"""A real question document uploaded through the admin API: its units wait for answers, out of default search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import require_realdocs
from tests.service.conftest import API_KEY

KEY = {"X-API-Key": API_KEY}


@pytest.fixture
def with_questions(admin: TestClient) -> TestClient:
    """The fake index plus one real question document (kv-tk, eight questions, no answers)."""
    source = next(require_realdocs().glob("limburg__06__kv-tk-*"))
    response = admin.post(
        "/v1/documents",
        params={"doc_id": "vragen"},
        content=source.read_bytes(),
        headers={**KEY, "Content-Type": "text/plain"},
    )
    assert response.status_code == 201, response.text
    return admin


def test_the_document_says_who_asked_and_that_nothing_is_answered(with_questions: TestClient) -> None:
    body = with_questions.get("/v1/documents/vragen").json()
    assert (body["kind"], body["units"], body["unanswered"]) == ("written_questions", 8, 8)
    assert body["questioners"] == ["Kröger (GroenLinks-PvdA)", "Gabriëls (GroenLinks-PvdA)"]
    assert body["zaaknummer"] == "2024Z18796"
    assert body["submitted"] == "2024-11-19"
    assert body["parties"] == ["GroenLinks-PvdA"]
    assert [unit["answered"] for unit in body["unit_list"]] == [False] * 8
    assert body["unit_list"][1]["question"] == "Onderschrijft u deze uitspraak?"


def test_unanswered_questions_come_back_only_when_asked_for(with_questions: TestClient) -> None:
    question = "Onderschrijft u deze uitspraak over klimaatverandering?"

    def doc_ids(**params: object) -> set[str]:
        response = with_questions.get("/v1/search", params={"q": question, "k": 20, **params})
        assert response.status_code == 200, response.text
        return {result["doc_id"] for result in response.json()["results"]}

    assert "vragen" not in doc_ids()
    assert "vragen" in doc_ids(include_unanswered="true")
    posted = with_questions.post(
        "/v1/search",
        json={"question": question, "k": 3, "filters": {"include_unanswered": True, "doc_ids": ["vragen"]}},
    ).json()
    first = posted["results"][0]
    assert first["answer"] == ""
    assert first["citation"]["answered"] is False
    assert first["citation"]["formatted"].startswith("Schriftelijke vragen van de leden Kröger (GroenLinks-PvdA)")
