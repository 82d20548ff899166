"""`group=document` on /v1/search: documents with their best units, on the fake index and on the real seeds."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import ENERGY, EXPORT
from vraagbaak.cli.main import main
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings

POINTER_QUESTION = "Wat kost de exportkredietverzekering?"  # export:3 answers "Zie het antwoord op vraag 1. ..."


def test_grouped_post_returns_documents_ranked_by_their_best_unit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(group_units=1)
    body = client.post("/v1/search", json={"question": POINTER_QUESTION, "k": 2, "group": "document"}).json()
    assert (body["group"], body["k"], body["results"]) == ("document", 2, [])
    assert [d["doc_id"] for d in body["documents"]] == [EXPORT, ENERGY]
    first = body["documents"][0]
    assert (first["rank"], first["relevance_rank"], first["kind"], first["date"]) == (1, 1, "qa_list", "2025-06-01")
    assert first["title"] == "Titel van export"
    assert first["citation"] == "Titel van export (Kamerstuk 36180, nr. 164), 1 juni 2025"
    assert {"questioners", "addressee", "answered_by", "matched", "close_match"} <= set(first)
    # The pointer unit is the best one; the unit it points to is shown with it, in document order.
    units = [(u["unit_id"], u["best"], u["context_for"]) for u in first["units"]]
    assert units == [(f"{EXPORT}:1", False, f"{EXPORT}:3"), (f"{EXPORT}:3", True, None)]
    ungrouped = client.post("/v1/search", json={"question": POINTER_QUESTION, "k": 2}).json()
    assert ungrouped["group"] == "none" and ungrouped["documents"] is None
    assert ungrouped["results"][0]["unit_id"] == f"{EXPORT}:3"


def test_grouped_get_is_the_same_search_and_k_counts_documents(client: TestClient) -> None:
    got = client.get("/v1/search", params={"q": POINTER_QUESTION, "k": 1, "group": "document"}).json()
    posted = client.post("/v1/search", json={"question": POINTER_QUESTION, "k": 1, "group": "document"}).json()
    assert got["documents"] == posted["documents"]
    assert len(got["documents"]) == 1 and len(got["documents"][0]["units"]) == 3  # all 3 (VRAAGBAAK_GROUP_UNITS 4)


def test_unknown_group_is_refused(client: TestClient) -> None:
    response = client.post("/v1/search", json={"question": POINTER_QUESTION, "group": "zaak"})
    assert response.status_code == 422
    assert "group" in response.json()["detail"] and "document" in response.json()["detail"]


def test_grouped_export_lists_the_shown_units_document_by_document(client: TestClient) -> None:
    params = {"q": POINTER_QUESTION, "k": 2, "group": "document", "format": "csv"}
    response = client.get("/v1/search", params=params)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    grouped = client.get("/v1/search", params={**params, "format": "json"}).json()
    shown = [u["unit_id"] for d in grouped["documents"] for u in d["units"]]
    assert [row["unit_id"] for row in rows] == shown
    assert [row["rank"] for row in rows] == [str(n) for n in range(1, len(shown) + 1)]
    markdown = client.get("/v1/search", params={**params, "format": "md"}).text
    assert markdown.count("\n## ") == len(shown)


# ------------------------------------------------------------ the real model on the seeds

LIST = "002_e3bd35554880f1b2"


@pytest.fixture(scope="module")
def seed_client(
    retriever: Retriever, seed_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("grouped-api")
    settings = ServiceSettings(index_dir=seed_index, data_dir=root / "data", model_cache=root / "models")
    with TestClient(create_app(settings, retriever=retriever)) as client:
        yield client


@pytest.mark.slow
def test_grouped_seed_search_opens_the_list_at_the_answer(seed_client: TestClient) -> None:
    question = "Wat zijn de tien grootste handelspartners van ons land?"
    body = seed_client.get("/v1/search", params={"q": question, "k": 3, "group": "document"}).json()
    ungrouped = seed_client.get("/v1/search", params={"q": question, "k": 50}).json()
    documents = [d["doc_id"] for d in body["documents"]]
    seen = list(dict.fromkeys(r["doc_id"] for r in ungrouped["results"]))[:3]
    assert len(documents) == 3 and documents[: len(seen)] == seen  # by their best unit, filled to k
    first = body["documents"][0]
    assert first["doc_id"] == LIST
    best = next(u for u in first["units"] if u["best"])
    assert best["unit_id"] == ungrouped["results"][0]["unit_id"] == f"{LIST}:15"
    numbers = [u["number"] for u in first["units"]]
    assert numbers == sorted(numbers) and len([u for u in first["units"] if not u["context_for"]]) <= 4
    assert body["close_match"] == ungrouped["close_match"]


@pytest.mark.slow
def test_search_command_groups_by_document(
    seed_index: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VRAAGBAAK_MODEL_CACHE", str(model_cache))
    question = "Wat zijn de tien grootste handelspartners van ons land?"
    argv = ["search", question, "-k", "2", "--group", "document", "--index", str(seed_index)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith(" 1. [") and f"{LIST}  (" in text.splitlines()[0]
    assert "    * vraag 15\n" in text  # the best unit, marked
    assert main([*argv, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["group"] == "document" and body["results"] == [] and len(body["documents"]) == 2
    assert body["documents"][0]["doc_id"] == LIST
