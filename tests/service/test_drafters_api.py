"""Issue 17 in the API: cross-references both ways, a document around a unit, dates and sort, export.

On the FakeEncoder index of conftest: `export` (2025-06-01) has three units, the third of which
refers to the first and to `elders:9` (not in the index); `energie` (2026-02-01) has two.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeEncoder, qa_document
from tests.service.conftest import ENERGY, EXPORT
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.store.builder import build_index

FIRST_QUESTION = "Hoeveel geld gaat naar exportbevordering?"


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["detail"]


# ---------------------------------------------------------------- cross-references


def test_unit_refs_carry_ids_and_titles_and_unknown_targets_stay_listed(client: TestClient) -> None:
    unit = client.get(f"/v1/units/{EXPORT}:3").json()
    assert unit["refs"] == [
        {
            "unit_id": f"{EXPORT}:1",
            "doc_id": EXPORT,
            "number": 1,
            "title": FIRST_QUESTION,
            "url": f"/v1/units/{EXPORT}:1",
        },
        {"unit_id": "elders:9", "doc_id": None, "number": None, "title": None, "url": None},
    ]
    assert unit["referenced_by"] == []


def test_a_referred_unit_lists_who_refers_to_it(client: TestClient) -> None:
    unit = client.get(f"/v1/units/{EXPORT}:1").json()
    assert unit["referenced_by"] == [
        {
            "unit_id": f"{EXPORT}:3",
            "doc_id": EXPORT,
            "number": 3,
            "title": "Wat kost de exportkredietverzekering?",
            "url": f"/v1/units/{EXPORT}:3",
        }
    ]
    assert unit["refs"] == []
    assert client.get(f"/v1/units/{ENERGY}:1").json()["referenced_by"] == []


def test_search_results_carry_refs_referenced_by_and_dates(client: TestClient) -> None:
    body = client.get("/v1/search", params={"q": "exportkredietverzekering premie", "k": 5}).json()
    by_id = {result["unit_id"]: result for result in body["results"]}
    third, first = by_id[f"{EXPORT}:3"], by_id[f"{EXPORT}:1"]
    assert [(r["unit_id"], r["title"]) for r in third["refs"]] == [(f"{EXPORT}:1", FIRST_QUESTION), ("elders:9", None)]
    assert [r["unit_id"] for r in first["referenced_by"]] == [f"{EXPORT}:3"]
    assert third["document_date"] == "2025-06-01" and by_id[f"{ENERGY}:2"]["document_date"] == "2026-02-01"
    assert "received" in third and "submitted" in third


# ---------------------------------------------------------------- the document around a unit


def test_document_in_full_lists_its_units_in_order_with_citations(client: TestClient) -> None:
    detail = client.get(f"/v1/documents/{EXPORT}", params={"full": "true"}).json()
    window = detail["window"]
    assert (window["offset"], window["limit"], window["total"]) == (0, 100, 3)
    assert [u["unit_id"] for u in window["units"]] == [f"{EXPORT}:1", f"{EXPORT}:2", f"{EXPORT}:3"]
    third = window["units"][2]
    assert third["answer"] == "Zie het antwoord op vraag 1. De premie dekt de kosten."
    assert third["footnotes"] == {"1": "Kamerstuk 36180"}
    assert third["refs"][0]["unit_id"] == f"{EXPORT}:1"
    assert third["citation"]["formatted"].startswith("Antwoord op vraag 3, Titel van export")
    assert window["units"][0]["referenced_by"][0]["unit_id"] == f"{EXPORT}:3"
    plain = client.get(f"/v1/documents/{EXPORT}").json()
    assert plain["window"] is None  # without full: ids and questions only
    first = plain["unit_list"][0]
    assert (first["unit_id"], first["section"]) == (f"{EXPORT}:1", None)


def test_document_window_is_bounded_and_pages(client: TestClient) -> None:
    def window(**params: Any) -> dict[str, Any]:
        response = client.get(f"/v1/documents/{EXPORT}", params={"full": "true", **params})
        assert response.status_code == 200, response.text
        return response.json()["window"]

    assert [u["unit_id"] for u in window(limit=1, offset=1)["units"]] == [f"{EXPORT}:2"]
    assert window(limit=2, offset=2)["units"][0]["unit_id"] == f"{EXPORT}:3"
    around = window(limit=2, unit=f"{EXPORT}:3")
    assert (around["offset"], [u["unit_id"] for u in around["units"]]) == (1, [f"{EXPORT}:2", f"{EXPORT}:3"])
    assert window(offset=10)["units"] == []
    assert _error(client.get(f"/v1/documents/{EXPORT}", params={"full": "true", "limit": 201})) == (
        422,
        "limit: Input should be less than or equal to 200",
    )
    assert _error(client.get(f"/v1/documents/{EXPORT}", params={"full": "true", "offset": -1})) == (
        422,
        "offset: Input should be greater than or equal to 0",
    )


def test_document_window_at_an_unknown_unit_is_404(client: TestClient) -> None:
    params = {"full": "true", "unit": f"{ENERGY}:1"}
    assert _error(client.get(f"/v1/documents/{EXPORT}", params=params)) == (
        404,
        f"no unit '{ENERGY}:1' in document '{EXPORT}'",
    )
    assert _error(client.get("/v1/documents/nergens", params=params))[0] == 404
    assert _error(client.get("/v1/units/nergens:1")) == (404, "no unit 'nergens:1' in the index")


# ---------------------------------------------------------------- dates and sort


def _ranked(client: TestClient, **params: Any) -> list[tuple[str, int, int]]:
    response = client.get("/v1/search", params={"q": "kost geld", "k": 10, **params})
    assert response.status_code == 200, response.text
    return [(r["unit_id"], r["rank"], r["relevance_rank"]) for r in response.json()["results"]]


def test_sort_newest_and_oldest_reorder_the_relevant_units_by_date(client: TestClient) -> None:
    relevance = _ranked(client)
    assert [rank for _, rank, _ in relevance] == [relevance_rank for *_, relevance_rank in relevance]
    newest = _ranked(client, sort="newest")
    oldest = _ranked(client, sort="oldest")
    assert {unit for unit, *_ in newest} == {unit for unit, *_ in relevance}
    assert [unit.split(":")[0] for unit, *_ in newest] == [ENERGY] * 2 + [EXPORT] * 3
    assert [unit.split(":")[0] for unit, *_ in oldest] == [EXPORT] * 3 + [ENERGY] * 2
    assert [rank for _, rank, _ in newest] == [1, 2, 3, 4, 5]
    # Within one date, relevance decides.
    energy = [relevance_rank for unit, _, relevance_rank in newest if unit.startswith(ENERGY)]
    assert energy == sorted(energy)
    posted = client.post("/v1/search", json={"question": "kost geld", "k": 10, "sort": "newest"}).json()
    assert posted["sort"] == "newest"
    assert [(r["unit_id"], r["rank"], r["relevance_rank"]) for r in posted["results"]] == newest


def test_sort_by_date_takes_the_newest_of_the_relevant_not_of_the_index(client: TestClient) -> None:
    # k=1, newest: the newest of the top DATE_SORT_POOL by relevance; the whole toy index fits in the pool.
    assert _ranked(client, k=1, sort="newest")[0][0].startswith(ENERGY)
    # A filter still applies before the sort.
    assert {unit for unit, *_ in _ranked(client, sort="newest", date_to="2025-12-31")} == {
        f"{EXPORT}:1",
        f"{EXPORT}:2",
        f"{EXPORT}:3",
    }


def test_bad_sort_and_reversed_date_range_are_422_naming_the_problem(client: TestClient) -> None:
    assert _error(client.get("/v1/search", params={"q": "x", "sort": "date"})) == (
        422,
        "sort: Input should be 'relevance', 'newest' or 'oldest'",
    )
    reversed_range = "date_from 2026-01-01 is after date_to 2025-01-01; swap them"
    assert _error(client.get("/v1/search", params={"q": "x", "date_from": "2026-01-01", "date_to": "2025-01-01"})) == (
        422,
        f"date_to: {reversed_range}",
    )
    body = {"question": "x", "filters": {"date_from": "2026-01-01", "date_to": "2025-01-01"}}
    assert _error(client.post("/v1/search", json=body)) == (422, f"filters.date_to: {reversed_range}")
    assert _error(client.post("/v1/search", json={"question": "x", "sort": "nieuwste"}))[0] == 422
    assert _error(client.get("/v1/search", params={"q": "x", "format": "pdf"})) == (
        422,
        "format: Input should be 'json', 'csv' or 'md'",
    )
    same_day = client.get("/v1/search", params={"q": "kost", "date_from": "2025-06-01", "date_to": "2025-06-01"})
    assert same_day.status_code == 200 and same_day.json()["results"]


# ---------------------------------------------------------------- export


def test_csv_export_has_question_answer_citation_and_link(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": FIRST_QUESTION, "k": 2, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="vraagbaak-resultaten.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    first = rows[0]
    assert (first["rank"], first["unit_id"], first["question"]) == ("1", f"{EXPORT}:1", FIRST_QUESTION)
    assert first["answer"] == "Er gaat 10 miljoen euro naar exportbevordering."
    assert first["citation"] == "Antwoord op vraag 1, Titel van export (Kamerstuk 36180, nr. 164), 1 juni 2025"
    assert first["date"] == "2025-06-01"
    # "testserver" is no loopback name and no VRAAGBAAK_PUBLIC_URL is set: a root-relative link (issue 30)
    assert first["link"] == f"/?doc={EXPORT}&unit={EXPORT}%3A1"


def test_markdown_export(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": FIRST_QUESTION, "k": 1, "format": "md", "sort": "oldest"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    text = response.text
    assert text.startswith(f"# Eerdere antwoorden op: {FIRST_QUESTION}\n")
    assert "## 1. Vraag 1 — Titel van export" in text
    assert "> Er gaat 10 miljoen euro naar exportbevordering." in text
    assert "*Bron:* Antwoord op vraag 1, Titel van export (Kamerstuk 36180, nr. 164), 1 juni 2025" in text
    assert f"[Bekijk in het document](/?doc={EXPORT}&unit={EXPORT}%3A1)" in text


def test_csv_export_cannot_smuggle_a_formula_into_a_spreadsheet(tmp_path: Path) -> None:
    encoder = FakeEncoder()
    hostile = qa_document(
        "formules",
        [
            ('=HYPERLINK("http://x","klik") formule', "+31 formule antwoord"),
            ("-2+3 formule", "@SUM(A1) formule"),
            ("\tformule tab", "gewoon formule antwoord"),
        ],
    )
    build_index([hostile], encoder, tmp_path / "index")
    settings = ServiceSettings(
        index_dir=tmp_path / "index", data_dir=tmp_path / "data", model_cache=tmp_path / "models", batch_wait_ms=0.0
    )
    with TestClient(create_app(settings, retriever=Retriever.load(tmp_path / "index", encoder))) as client:
        response = client.get("/v1/search", params={"q": "formule", "k": 3, "format": "csv"})
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row]
    assert '\'=HYPERLINK("http://x","klik") formule' in cells
    assert {"'+31 formule antwoord", "'-2+3 formule", "'@SUM(A1) formule", "'\tformule tab"} <= set(cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t")]


# ---------------------------------------------------------------- the command line


def test_cli_refuses_a_reversed_date_range_and_an_unknown_sort(capsys: pytest.CaptureFixture[str]) -> None:
    from vraagbaak.cli.main import main

    assert main(["search", "windmolens", "--date-from", "2026-01-01", "--date-to", "2025-01-01"]) == 2
    assert (
        capsys.readouterr().out.strip()
        == "vraagbaak search: date_to: date_from 2026-01-01 is after date_to 2025-01-01; swap them"
    )
    assert main(["search", "windmolens", "--sort", "date"]) == 2
    assert "invalid choice: 'date'" in capsys.readouterr().err
