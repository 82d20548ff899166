"""`GET /v1/questions` over an index of the real development documents, on a fixed day.

../shared/realdocs holds question documents (kv-tk, "ingezonden" 14-20 November 2024), a postponement
notice (2024Z17538, 20 November 2024), a question and its answer linked by zaaknummer (2024Z18792), a
notice that the questions were answered by letter (ah-tk-20232024-1999) and many answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeEncoder
from vraagbaak.parsing import parse_paths
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.routes.questions import get_today
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.store.builder import build_index

REALDOCS = Path(__file__).resolve().parents[2].parent / "shared" / "realdocs" / "docs"
TODAY = datetime.date(2024, 12, 8)


@pytest.fixture(scope="module")
def realdocs_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert REALDOCS.is_dir(), "../shared/realdocs must be beside the checkout"
    parsed, failures = parse_paths([REALDOCS])
    assert failures == []
    index_dir = tmp_path_factory.mktemp("realdocs-index")
    build_index(parsed, FakeEncoder(), index_dir)
    return index_dir


@pytest.fixture(scope="module")
def client(realdocs_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("questions-app")
    settings = ServiceSettings(index_dir=realdocs_index, data_dir=root / "data", model_cache=root / "models")
    app = create_app(settings, retriever=Retriever.load(realdocs_index, FakeEncoder()))
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app) as test_client:
        yield test_client


def listed(client: TestClient, **params: object) -> dict:  # type: ignore[type-arg]
    response = client.get("/v1/questions", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def by_key(client: TestClient) -> dict[str, dict]:  # type: ignore[type-arg]
    return {item["key"]: item for item in listed(client)["items"]}


def test_each_status_is_right_on_a_fixed_day(client: TestClient) -> None:
    items = by_key(client)
    late = items["2024Z18441"]  # ingezonden 14 November: due 5 December
    assert (late["status"], late["due"], late["days_overdue"]) == ("overdue", "2024-12-05", 3)
    assert (items["2024Z18655"]["status"], items["2024Z18655"]["due"]) == ("open", "2024-12-09")
    notice = items["2024Z17538"]
    assert (notice["status"], notice["postponed_on"], notice["due"]) == ("postponed", "2024-11-20", "2024-12-11")
    assert notice["postponement"].startswith("Vanwege de nodige afstemming")
    linked = items["2024Z18792"]
    assert (linked["status"], linked["submitted"], linked["answered_on"]) == ("answered", "2024-11-19", "2024-11-20")
    assert sorted(d["role"] for d in linked["documents"]) == ["answer", "question"]
    by_letter = next(item for key, item in items.items() if "ah-tk-20232024-1999" in key)
    assert (by_letter["status"], by_letter["answered_on"], by_letter["days_to_answer"]) == ("answered", "2024-06-07", 8)


def test_counts_per_status_ministry_and_party(client: TestClient) -> None:
    body = listed(client)
    assert body["counts"]["by_status"] == {"open": 4, "postponed": 1, "overdue": 4, "answered": 39}
    assert body["total"] == 48 and body["today"] == TODAY.isoformat() and body["term_days"] == 21
    ministries = {row["name"]: row for row in body["counts"]["by_addressee"]}
    klimaat = ministries["Minister van Klimaat en Groene Groei"]
    assert (klimaat["open"], klimaat["overdue"], klimaat["answered"]) == (1, 1, 0)
    assert body["counts"]["by_addressee"][0]["overdue"] + body["counts"]["by_addressee"][0]["open"] >= 1
    parties = {row["name"]: row for row in body["counts"]["by_party"]}
    assert parties["BBB"]["overdue"] == 2


def test_the_backlog_lists_overdue_first(client: TestClient) -> None:
    statuses = [item["status"] for item in listed(client)["items"]]
    assert statuses[:4] == ["overdue"] * 4
    first_answered = statuses.index("answered")
    assert set(statuses[first_answered:]) == {"answered"}


def test_filters_by_status_ministry_party_and_dates(client: TestClient) -> None:
    overdue = listed(client, status="overdue")
    assert overdue["total"] == 4 and {item["status"] for item in overdue["items"]} == {"overdue"}
    assert overdue["counts"]["by_status"]["answered"] == 39  # counts leave the status filter out
    klimaat = listed(client, addressee="klimaat en groene groei")
    assert [item["key"] for item in klimaat["items"]][:2] == ["2024Z18442", "2024Z18796"]  # overdue, open
    assert [item["status"] for item in klimaat["items"][2:]] == ["answered"]
    bbb = listed(client, party="BBB", status="overdue")
    assert sorted(item["key"] for item in bbb["items"]) == ["2024Z18435", "2024Z18442"]
    november = listed(client, **{"from": "2024-11-19", "to": "2024-11-19"})
    assert sorted(item["key"] for item in november["items"]) == ["2024Z18792", "2024Z18795", "2024Z18796"]


def test_paging_walks_the_whole_list_once(client: TestClient) -> None:
    total = listed(client)["total"]
    keys: list[str] = []
    for offset in range(0, total, 7):
        keys += [item["key"] for item in listed(client, offset=offset, limit=7)["items"]]
    assert len(keys) == total == len(set(keys))


def test_each_item_links_to_its_documents_and_units(client: TestClient) -> None:
    item = client.get("/v1/questions/2024Z18796").json()
    document = item["documents"][0]
    assert document["href"] == f"/v1/documents/{document['doc_id']}"
    assert client.get(document["href"]).status_code == 200
    assert len(document["units"]) == 8
    assert client.get(f"/v1/units/{document['units'][0]}").status_code == 200
    assert client.get("/v1/questions/2024Z00000").status_code == 404


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"status": "late"}, "status"),
        ({"from": "2024-13-01"}, "from"),
        ({"to": "gisteren"}, "to"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"addressee": ""}, "addressee"),
        ({"party": "x" * 101}, "party"),
    ],
)
def test_bad_filters_are_422_naming_the_field(client: TestClient, params: dict, detail: str) -> None:  # type: ignore[type-arg]
    response = client.get("/v1/questions", params=params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{detail}:"), response.json()


def test_a_reversed_range_names_both_dates(client: TestClient) -> None:
    response = client.get("/v1/questions", params={"from": "2024-12-01", "to": "2024-11-01"})
    assert response.status_code == 422
    assert response.json()["detail"] == "from 2024-12-01 is after to 2024-11-01; swap them"


def test_answer_times_per_ministry(client: TestClient) -> None:
    body = client.get("/v1/questions/answer-times", params={"months": 24}).json()
    rows = {row["addressee"]: row for row in body["rows"]}
    bzk = rows["Minister van Binnenlandse Zaken en Koninkrijksrelaties"]
    assert (bzk["answers"], bzk["median"], bzk["minimum"], bzk["maximum"]) == (4, 16.0, 8, 57)
    assert body["since"] < body["today"] == TODAY.isoformat()
    assert client.get("/v1/questions/answer-times", params={"months": 0}).status_code == 422


def test_a_followed_question_gets_a_feed_entry_when_its_answer_arrives(tmp_path: Path) -> None:
    import feedparser

    from vraagbaak.store.builder import add_documents

    question, answer = sorted(REALDOCS.glob("limburg__34__*")), sorted(REALDOCS.glob("limburg__55__*"))
    parsed_question, failures = parse_paths(question)
    assert failures == []
    index_dir = tmp_path / "index"
    build_index(parsed_question, FakeEncoder(), index_dir)
    settings = ServiceSettings(
        index_dir=index_dir,
        data_dir=tmp_path / "data",
        model_cache=tmp_path / "models",
        api_key="sleutel-voor-volgen-1",
        monitor_db=tmp_path / "monitors.sqlite3",
    )
    key = {"X-API-Key": "sleutel-voor-volgen-1"}

    def app_client() -> TestClient:
        app = create_app(settings, retriever=Retriever.load(index_dir, FakeEncoder()))
        app.dependency_overrides[get_today] = lambda: TODAY
        return TestClient(app)

    with app_client() as client:
        assert client.post("/v1/questions/2024Z18792/follow").status_code == 401
        assert client.post("/v1/questions/2024Z00000/follow", headers=key).status_code == 404
        made = client.post("/v1/questions/2024Z18792/follow", headers=key)
        assert made.status_code == 201, made.text
        follow = made.json()
        assert (follow["key"], follow["status"]) == ("2024Z18792", "open")
        feed_path = follow["feed_url"].removeprefix("http://testserver")
        assert feedparser.parse(client.get(feed_path).content).entries == []
        assert client.get(f"/v1/monitors/{follow['monitor_id']}").json()["question"].startswith("Vragen van het lid")

    parsed_answer, failures = parse_paths(answer)
    assert failures == []
    add_documents(parsed_answer, FakeEncoder(), index_dir)
    with app_client() as client:
        feed = feedparser.parse(client.get(feed_path).content)
        assert client.get("/v1/questions/2024Z18792").json()["status"] == "answered"
    assert [entry.title.split(":")[0] for entry in feed.entries] == ["Antwoord"]
    assert feed.entries[0].link.endswith(f"/v1/documents/{parsed_answer[0].document.doc_id}")
    assert feed.feed.title.startswith("Vraagbaak volgt:")


def test_how_often_a_question_like_this_was_asked_per_year(client: TestClient, realdocs_index: Path) -> None:
    from vraagbaak.store.generations import load_index

    unit = next(u for u in load_index(realdocs_index).units if u.doc_id.startswith("learninglion__ah-tk-20232024-1292"))
    body = client.get("/v1/questions/asked-by-year", params={"q": unit.question}).json()
    assert body["looked_at"] == 50 and body["close_matches"] >= 1
    assert sum(entry["count"] for entry in body["years"]) + body["undated"] == body["close_matches"]
    assert 2024 in {entry["year"] for entry in body["years"]}
    assert [entry["year"] for entry in body["years"]] == sorted(entry["year"] for entry in body["years"])
    filtered = client.get("/v1/questions/asked-by-year", params={"q": unit.question, "date_to": "2023-12-31"}).json()
    assert all(entry["year"] <= 2023 for entry in filtered["years"])
    assert client.get("/v1/questions/asked-by-year").status_code == 422
