"""Monitors (saved searches with an Atom feed) and `similar` in the API.

Feeds are parsed back with feedparser. Documents are added through the real
admin upload route; the last test runs the bundled model over a copy of the
seed index, so "close match" and "near-duplicate" mean what they mean in use.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.service.conftest import API_KEY
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.monitors.store import MIGRATIONS, SCHEMA_VERSION, MonitorDatabaseError, MonitorStore
from vraagbaak.service.routes.monitors import DATABASE_DOWN
from vraagbaak.service.settings import ServiceSettings

KEY = {"X-API-Key": API_KEY}
WIND = "Hoeveel windmolens komen er op zee?"  # asked in the fake index's "energie" document already
UNKNOWN_ID = "A" * 32


def _qa_text(title: str, question: str, answer: str) -> str:
    return f"{title}\n\nVraag 1\n{question}\n\nAntwoord 1\n{answer}\n"


def _upload(client: TestClient, doc_id: str, text: str) -> Any:
    response = client.post(
        "/v1/documents", params={"doc_id": doc_id}, content=text.encode(), headers={**KEY, "Content-Type": "text/plain"}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _create(client: TestClient, question: str = WIND, **filters: Any) -> dict[str, Any]:
    response = client.post("/v1/monitors", json={"question": question, "filters": filters}, headers=KEY)
    assert response.status_code == 201, response.text
    return response.json()


def _feed(client: TestClient, monitor: dict[str, Any]) -> Any:
    response = client.get(monitor["feed_url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_feed_lists_close_matches_of_documents_added_after_saving(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    monitor = _create(client)
    assert len(monitor["monitor_id"]) == 32
    # No VRAAGBAAK_PUBLIC_URL and a host that is not loopback ("testserver"): links are root-relative.
    assert monitor["feed_url"] == f"/v1/monitors/{monitor['monitor_id']}/feed.atom"

    empty = _feed(client, monitor)
    assert empty.entries == []  # energie:1 asks the same, but was there before the search was saved
    assert empty.feed.id == f"urn:vraagbaak:monitor:{monitor['monitor_id']}"
    assert empty.feed.title == f"Vraagbaak: {WIND}" and empty.feed.updated

    _upload(client, "zee", _qa_text("Windparken op zee", WIND, "Er komen 300 windmolens op zee bij."))
    _upload(client, "melk", _qa_text("Schoolmelk", "Wat kost de schoolmelk per leerling?", "Tien cent per pak."))
    feed = _feed(client, monitor)
    assert [entry.link for entry in feed.entries] == ["/v1/units/zee:1"]
    entry = feed.entries[0]
    assert entry.id == "urn:vraagbaak:unit:zee:1"
    assert entry.title.endswith("vraag 1") and entry.updated
    assert entry.summary == WIND
    assert "300 windmolens" in entry.content[0].value
    assert client.get(entry.link).json()["unit_id"] == "zee:1"

    # A second monitor saved now does not see "zee": it was there before.
    assert _feed(client, _create(client)).entries == []
    # The saved filters hold: a monitor on another document never lists "zee".
    narrowed = _create(client, doc_ids=["elders"])
    _upload(client, "zee2", _qa_text("Meer windparken", WIND, "Nog eens 100 windmolens."))
    assert _feed(client, narrowed).entries == []
    assert {entry.link.rsplit("/", 1)[1] for entry in _feed(client, monitor).entries} == {"zee:1", "zee2:1"}


def test_feed_text_is_escaped_xml(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    question = 'Kost <b>"zon" & wind</b> op zee meer dan 5 < 6 euro?'
    monitor = _create(client, question)
    _upload(client, "tags", _qa_text("Tekens & <haken>", question, "Ja <script>alert(1)</script> & nee."))
    raw = client.get(monitor["feed_url"]).text
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    feed = _feed(client, monitor)
    assert feed.feed.title == f"Vraagbaak: {question}"
    assert "<script>alert(1)</script> & nee." in feed.entries[0].content[0].value


def test_creating_and_deleting_need_the_key_reading_does_not(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    assert client.post("/v1/monitors", json={"question": WIND}).status_code == 401
    assert client.post("/v1/monitors", json={"question": WIND}, headers={"X-API-Key": "fout"}).status_code == 403
    monitor = _create(client)
    assert client.get(monitor["feed_url"]).status_code == 200  # no key
    shown = client.get(f"/v1/monitors/{monitor['monitor_id']}").json()
    assert (shown["question"], shown["feed_url"]) == (WIND, monitor["feed_url"])
    assert client.delete(f"/v1/monitors/{monitor['monitor_id']}").status_code == 401
    removed = client.delete(f"/v1/monitors/{monitor['monitor_id']}", headers=KEY)
    assert (removed.status_code, removed.content) == (204, b"")
    assert client.get(monitor["feed_url"]).status_code == 404
    again = client.delete(f"/v1/monitors/{monitor['monitor_id']}", headers=KEY)
    assert again.status_code == 404
    disabled = make_client()  # no key configured: admin routes are off, as for documents
    assert disabled.post("/v1/monitors", json={"question": WIND}, headers=KEY).status_code == 403


@pytest.mark.parametrize("bad", ["abc", "A" * 31, "A" * 33, "!" * 32, "A" * 31 + "="])
def test_malformed_ids_are_422_naming_the_problem_and_unknown_ones_404(
    make_client: Callable[..., TestClient], bad: str
) -> None:
    client = make_client(api_key=API_KEY)
    for response in (
        client.get(f"/v1/monitors/{bad}/feed.atom"),
        client.get(f"/v1/monitors/{bad}"),
        client.delete(f"/v1/monitors/{bad}", headers=KEY),
    ):
        assert response.status_code == 422, response.text
        assert "monitor_id" in response.json()["detail"] and "32 characters" in response.json()["detail"]
    unknown = client.get(f"/v1/monitors/{UNKNOWN_ID}/feed.atom")
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "no monitor with this id (it may have been deleted)",
    )


def test_bad_monitor_bodies_are_422(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    for body in (
        {"question": "  "},
        {},
        {"question": WIND, "extra": 1},
        {"question": WIND, "filters": {"kinds": ["x"]}},
    ):
        assert client.post("/v1/monitors", json=body, headers=KEY).status_code == 422


def test_the_saved_vector_is_replaced_when_a_generation_of_another_model_arrives(
    make_client: Callable[..., TestClient],
) -> None:
    """A feed read never runs the model: a vector of another model makes the feed 503 until the service takes
    up a generation (here an upload), which encodes the question again."""
    client = make_client(api_key=API_KEY)
    monitor = _create(client)
    store: MonitorStore = client.app.state.monitor_store  # type: ignore[attr-defined]
    saved = store.get(monitor["monitor_id"])
    assert saved is not None and saved.vector is not None and saved.vector_model == "fake:keywords"
    store.save_vector(monitor["monitor_id"], saved.vector[:4], "een-ander-model")
    waiting = client.get(monitor["feed_url"])
    assert (waiting.status_code, waiting.headers["retry-after"]) == (503, "30")
    assert store.get(monitor["monitor_id"]).vector_model == "een-ander-model"  # type: ignore[union-attr]
    _upload(client, "melk", _qa_text("Schoolmelk", "Wat kost de schoolmelk per leerling?", "Tien cent per pak."))
    _feed(client, monitor)
    again = store.get(monitor["monitor_id"])
    assert again is not None and again.vector is not None and again.vector_model == "fake:keywords"
    assert len(again.vector) == len(saved.vector)


def test_similar_for_a_unit_and_for_a_result_list(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    assert client.get("/v1/units/energie:1").json()["similar"] == []
    _upload(client, "zee", _qa_text("Windparken op zee", WIND, "Er komen 300 windmolens op zee bij."))
    (listed,) = client.get("/v1/units/energie:1").json()["similar"]
    assert (listed["unit_id"], listed["doc_id"], listed["number"], listed["url"]) == (
        "zee:1",
        "zee",
        1,
        "/v1/units/zee:1",
    )
    assert listed["question"] == WIND and listed["cosine"] == pytest.approx(1.0)
    both = client.get("/v1/similar", params={"unit_id": ["energie:1", "zee:1", "export:1"]}).json()["similar"]
    assert [[item["unit_id"] for item in both[key]] for key in ("energie:1", "zee:1", "export:1")] == [
        ["zee:1"],
        ["energie:1"],
        [],
    ]
    results = client.get("/v1/search", params={"q": WIND, "k": 3, "include_similar": "true"}).json()["results"]
    by_id = {result["unit_id"]: [item["unit_id"] for item in result["similar"]] for result in results}
    assert by_id["energie:1"] == ["zee:1"] and by_id["zee:1"] == ["energie:1"]
    posted = client.post("/v1/search", json={"question": WIND, "k": 2, "include_similar": True}).json()["results"]
    assert all(result["similar"] is not None for result in posted)
    plain = client.get("/v1/search", params={"q": WIND, "k": 3}).json()["results"]
    assert all(result["similar"] is None for result in plain)  # opt-in: nothing computed unless asked
    unknown = client.get("/v1/similar", params={"unit_id": ["energie:1", "nergens:9"]})
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no unit 'nergens:9' in the index")
    assert client.get("/v1/similar").status_code == 422
    assert client.get("/v1/similar", params={"unit_id": ["energie:1"] * 51}).status_code == 422


# ---------------------------------------------------------------- the database


def test_database_is_created_from_an_empty_file_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "monitors.sqlite3"
    path.touch()
    store = MonitorStore(path)
    assert store.migrate() == SCHEMA_VERSION == 3
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 3
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"monitors", "documents"} <= tables
    assert store.count() == 0


def test_version_1_database_is_migrated_keeping_its_monitors(tmp_path: Path) -> None:
    path = tmp_path / "monitors.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        connection.execute("INSERT INTO monitors VALUES ('m' , 'vraag?', '{}', '2026-01-01T00:00:00+00:00', 3)")
    store = MonitorStore(path)
    with pytest.raises(MonitorDatabaseError, match="schema version 1"):
        store.get("m")  # a read never migrates: the service does that when it starts serving
    assert store.migrate() == 3
    old = store.get("m")
    assert old is not None and (old.question, old.after_seq, old.vector, old.vector_model) == ("vraag?", 3, None, None)
    assert old.zaak is None  # a saved search, as every monitor made before questions could be followed
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 3


def test_newer_or_foreign_database_is_refused_by_name(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(MonitorDatabaseError, match="schema version 99"):
        MonitorStore(newer).migrate()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"dit is geen database" * 100)
    with pytest.raises(MonitorDatabaseError, match=r"garbage\.sqlite3"):
        MonitorStore(garbage).migrate()


def test_threads_create_monitors_at_once(tmp_path: Path) -> None:
    store = MonitorStore(tmp_path / "monitors.sqlite3")
    ids: list[str] = []
    errors: list[BaseException] = []

    def create(n: int) -> None:
        try:
            ids.append(store.create(f"vraag {n}?", "{}", None, None, [f"doc{n}", "gedeeld"]).monitor_id)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(ids)) == 12 and store.count() == 12
    assert [doc.doc_id for doc in store.documents_after(0)].count("gedeeld") == 1


def test_an_unusable_database_is_503_without_its_path(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    garbage = tmp_path / "kapot.sqlite3"
    garbage.write_bytes(b"dit is geen database" * 100)
    client = make_client(api_key=API_KEY, monitor_db=garbage)
    for response in (
        client.post("/v1/monitors", json={"question": WIND}, headers=KEY),
        client.get(f"/v1/monitors/{UNKNOWN_ID}/feed.atom"),
    ):
        assert response.status_code == 503
        assert response.json()["detail"].startswith(DATABASE_DOWN) and "kapot" not in response.text


# ---------------------------------------------------------------- the real model


def test_real_model_feed_and_similar_on_seed_units(
    seed_index: Path, encoder: Any, model_cache: Path, tmp_path: Path
) -> None:
    """A rewording of seed question 002:1 is a near-duplicate of it and a close match for a monitor on it;
    an unrelated document is neither."""
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    settings = ServiceSettings(
        index_dir=index_dir,
        data_dir=tmp_path / "data",
        model_cache=model_cache,
        api_key=SecretStr(API_KEY),
        batch_wait_ms=0.0,
    )
    with TestClient(create_app(settings, retriever=Retriever.load(index_dir, encoder))) as client:
        seed = "002_e3bd35554880f1b2:1"
        before = client.get(f"/v1/units/{seed}").json()
        assert before["similar"] == []  # the seeds hold no repeat of it in another document
        monitor = _create(client, "Wordt er goud of gom uit Sudan in Nederland ingevoerd?")
        _upload(
            client,
            "sudan",
            _qa_text(
                "Vragen over import uit Sudan",
                "Kan worden aangegeven of er goud en/of gom uit Sudan naar Nederland wordt geïmporteerd?",
                "Er is in 2025 geen goud uit Sudan ingevoerd; gom arabicum wel, via Frankrijk.",
            ),
        )
        _upload(client, "melk", _qa_text("Schoolmelk", "Wat kost de schoolmelk per leerling?", "Tien cent per pak."))
        similar = client.get(f"/v1/units/{seed}").json()["similar"]
        assert [item["unit_id"] for item in similar] == ["sudan:1"]
        assert similar[0]["cosine"] >= 0.91 and similar[0]["url"] == "/v1/units/sudan:1"
        assert [item["unit_id"] for item in client.get("/v1/units/sudan:1").json()["similar"]] == [seed]
        assert client.get("/v1/units/melk:1").json()["similar"] == []
        feed = _feed(client, monitor)
        assert [entry.id for entry in feed.entries] == ["urn:vraagbaak:unit:sudan:1"]
