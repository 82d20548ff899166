"""Sync against the fake Tweede Kamer service: first run, deltas, question then answer, faults, resume.

Real files (the Aanhangsel PDFs and question documents of ../shared/realdocs) are served as resources;
embedding uses the keyword encoder so each run takes a fraction of a second. The real model, the parse
worker and the served index are in test_sync_end_to_end.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeEncoder
from vraagbaak.parsing.isolation import ParseJob, run_job
from vraagbaak.sources.sync.index_writer import IndexWriter
from vraagbaak.sources.sync.run import Syncer, SyncOptions, SyncReport
from vraagbaak.sources.sync.state import EntityState, SyncState
from vraagbaak.sources.tk import TkOData
from vraagbaak.sources.tk.stand_in.entities import tk_document
from vraagbaak.sources.tk.stand_in.server import FakeTkOData
from vraagbaak.store.generations import IndexContent, load_index
from vraagbaak.units import ParsedDocument

REALDOCS = Path(__file__).resolve().parents[2].parent / "shared" / "realdocs" / "docs"
PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"


def real(name_part: str) -> bytes:
    found = sorted(REALDOCS.glob(f"*{name_part}*"))
    assert len(found) == 1, f"{name_part}: {found} (../shared/realdocs must be beside the checkout)"
    return found[0].read_bytes()


def parse_in_process(raw: bytes, doc_id: str, name: str) -> ParsedDocument:
    return run_job(ParseJob(name=name, raw=raw, doc_id=doc_id))


def publish(fake: FakeTkOData, soort: str, file: bytes, content_type: str = PDF, **fields: Any) -> str:
    doc_id = fake.add(tk_document(soort, **fields))
    fake.set_file(doc_id, file, content_type)
    return doc_id


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def sync(fake: FakeTkOData, make_client: Callable[..., TkOData], index_dir: Path) -> Callable[..., SyncReport]:
    """One sync run into `index_dir`, as a fresh process would do it (new client, state, writer)."""

    def run(
        parse: Callable[[bytes, str, str], ParsedDocument] = parse_in_process,
        client_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> SyncReport:
        settings = {"batch_documents": 2, "fetch_workers": 2, **options}
        syncer = Syncer(
            make_client(**(client_options or {})),
            SyncState(index_dir / "sync.sqlite3"),
            IndexWriter(index_dir, FakeEncoder()),
            parse,
            SyncOptions(**settings),
        )
        return syncer.run()

    return run


def content(index_dir: Path) -> IndexContent:
    return load_index(index_dir)


def fingerprint(index_dir: Path) -> dict[str, tuple[str, int]]:
    """doc_id -> (content hash, units): what must be equal between an interrupted and a straight run."""
    loaded = content(index_dir)
    units: dict[str, int] = {}
    for unit in loaded.units:
        units[unit.doc_id] = units.get(unit.doc_id, 0) + 1
    return {doc_id: (doc.content_hash, units.get(doc_id, 0)) for doc_id, doc in loaded.documents.items()}


def test_first_sync_indexes_real_files_with_the_source_facts(fake: FakeTkOData, sync, index_dir: Path) -> None:
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    publish(fake, "Antwoord schriftelijke vragen (nader)", real("2313__original.pdf"), koop_id="ah-tk-20232024-2313")

    report = sync()

    assert (report.indexed, report.failed, report.unchanged) == (2, 0, 0)
    loaded = content(index_dir)
    assert sorted(loaded.documents) == ["ah-tk-20232024-1292", "ah-tk-20232024-2313"]
    document = loaded.documents["ah-tk-20232024-1292"]
    assert document.source is not None
    assert document.source.soort == "Antwoord schriftelijke vragen"
    assert document.source.koop_id == "ah-tk-20232024-1292"
    assert document.source.zaak_nummers == ("2024Z01234",)
    assert document.url == "https://zoek.officielebekendmakingen.nl/ah-tk-20232024-1292.html"
    assert sum(unit.doc_id == "ah-tk-20232024-1292" for unit in loaded.units) == 10  # its counted answers


def test_a_delta_adds_changes_deletes_and_skips_resent_entities(fake: FakeTkOData, sync, index_dir: Path) -> None:
    kept = publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    edited = publish(fake, "Antwoord schriftelijke vragen", real("1178__original.pdf"), koop_id="ah-tk-20232024-1178")
    gone = publish(fake, "Antwoord schriftelijke vragen", real("2313__original.pdf"), koop_id="ah-tk-20232024-2313")
    sync()
    before = fingerprint(index_dir)
    files_before = len([r for r in fake.requests if r.path.endswith("/resource")])

    fake.resend(kept)  # a data fix: only the timestamps move
    fake.change(edited, Onderwerp="Antwoord op vragen over de waterkwaliteit (gecorrigeerd)")
    fake.delete(gone)
    publish(fake, "Antwoord schriftelijke vragen", real("2367__original.pdf"), koop_id="ah-tk-20232024-2367")
    report = sync()

    after = fingerprint(index_dir)
    assert sorted(after) == ["ah-tk-20232024-1178", "ah-tk-20232024-1292", "ah-tk-20232024-2367"]
    assert after["ah-tk-20232024-1292"] == before["ah-tk-20232024-1292"]
    assert after["ah-tk-20232024-1178"][0] != before["ah-tk-20232024-1178"][0]  # new facts, new hash
    assert content(index_dir).documents["ah-tk-20232024-1178"].source.onderwerp.endswith("(gecorrigeerd)")
    assert (report.unchanged, report.deleted, report.indexed) == (1, 1, 2)
    files = [r.path for r in fake.requests if r.path.endswith("/resource")][files_before:]
    assert len(files) == 2 and all(kept not in path for path in files)  # the re-sent entity was not downloaded


def test_a_second_run_without_changes_fetches_no_file_and_writes_no_generation(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    first = sync()
    requests = len(fake.requests)

    second = sync()

    assert first.generation and second.generation == ""
    assert (second.seen, second.unchanged, second.indexed) == (1, 1, 0)
    assert not any(r.path.endswith("/resource") for r in fake.requests[requests:])


def test_the_answer_arriving_later_replaces_the_questions_units(fake: FakeTkOData, sync, index_dir: Path) -> None:
    zaak = "2024Z18796"
    publish(fake, "Schriftelijke vragen", real("kv-tk-2024Z18796"), TEXT, koop_id="kv-tk-2024Z18796", zaak_nummer=zaak)
    sync()
    question = content(index_dir)
    assert [u.answered for u in question.units] == [False] * 8

    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292",
            zaak_nummer=zaak)  # fmt: skip
    report = sync()

    loaded = content(index_dir)
    assert report.superseded == 1
    assert sorted(loaded.documents) == ["ah-tk-20232024-1292", "kv-tk-2024Z18796"]
    assert {unit.doc_id for unit in loaded.units} == {"ah-tk-20232024-1292"}  # the question is kept, unit-less
    assert loaded.documents["kv-tk-2024Z18796"].source.zaak_nummers == (zaak,)


def test_a_question_arriving_after_its_answer_is_kept_without_units(fake: FakeTkOData, sync, index_dir: Path) -> None:
    zaak = "2024Z18441"
    publish(fake, "Antwoord schriftelijke vragen", real("1178__original.pdf"), koop_id="ah-tk-20232024-1178",
            zaak_nummer=zaak)  # fmt: skip
    sync()
    publish(fake, "Schriftelijke vragen", real("kv-tk-2024Z18441"), TEXT, koop_id="kv-tk-2024Z18441", zaak_nummer=zaak)
    report = sync()

    loaded = content(index_dir)
    assert report.superseded == 1
    assert "kv-tk-2024Z18441" in loaded.documents
    assert {unit.doc_id for unit in loaded.units} == {"ah-tk-20232024-1178"}


def test_retry_after_and_server_errors_are_waited_out(fake: FakeTkOData, sync, fake_time, index_dir: Path) -> None:
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    fake.fail("status", 1, status=429, retry_after="7", path="/Document")
    fake.fail("status", 2, status=503, path="/resource")

    report = sync()

    assert report.indexed == 1
    assert 7.0 in fake_time.sleeps
    assert "ah-tk-20232024-1292" in content(index_dir).documents


def test_a_file_that_is_no_document_is_recorded_and_retried_on_the_next_run(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    good = publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    bad = publish(fake, "Antwoord schriftelijke vragen", b"<html><body>Storing</body></html>", "text/html",
                  koop_id="ah-tk-20232024-9999")  # fmt: skip

    first = sync()

    assert (first.indexed, first.failed) == (1, 1)
    state = SyncState(index_dir / "sync.sqlite3").get(bad)
    assert state is not None and state.state is EntityState.FAILED and "not" in (state.reason or "")
    assert sorted(content(index_dir).documents) == ["ah-tk-20232024-1292"]

    fake.set_file(bad, real("2313__original.pdf"), PDF)  # the source repairs the file, the entity is unchanged
    second = sync()

    assert (second.retried, second.indexed, second.failed) == (1, 1, 0)
    assert sorted(content(index_dir).documents) == ["ah-tk-20232024-1292", "ah-tk-20232024-9999"]
    assert SyncState(index_dir / "sync.sqlite3").get(good).state is EntityState.INDEXED


def test_a_file_that_cannot_be_parsed_does_not_stop_the_run(fake: FakeTkOData, sync, index_dir: Path) -> None:
    publish(fake, "Antwoord schriftelijke vragen", b"%PDF-1.4\n" + b"\x00" * 200, koop_id="ah-tk-20232024-0001")
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")

    report = sync()

    assert (report.indexed, report.failed) == (1, 1)
    assert report.failures[0][0] == "ah-tk-20232024-0001"


def test_timeouts_truncated_bodies_and_wrong_content_types_are_retried(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    fake.fail("truncated", 1, path="/Document")
    fake.fail("html", 1, path="/Document")

    report = sync()

    assert report.indexed == 1


def test_a_request_that_times_out_is_retried(fake: FakeTkOData, sync, index_dir: Path) -> None:
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    fake.fail("delay", 1, path="/Document", delay_s=1.5)
    fake.fail("delay", 1, path="/resource", delay_s=1.5)

    report = sync(client_options={"timeout_s": 0.4})

    assert report.indexed == 1
    assert len([r for r in fake.requests if r.path.endswith("/resource")]) == 2


def test_a_source_that_stays_down_stops_the_run_with_the_checkpoint_unmoved(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    from vraagbaak.sources.tk.errors import SourceUnavailableError

    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    fake.fail("status", 100, status=500, path="/Document")

    with pytest.raises(SourceUnavailableError):
        sync()

    assert SyncState(index_dir / "sync.sqlite3").checkpoints() == {}


class Killed(BaseException):
    """Stands for kill -9 at a chosen point: nothing after it runs, no cleanup of ours."""


def test_a_run_killed_between_index_write_and_commit_resumes_to_the_same_index(
    fake: FakeTkOData, sync, tmp_path: Path, index_dir: Path, make_client
) -> None:
    zaak = "2024Z18796"
    files = [
        ("Schriftelijke vragen", real("kv-tk-2024Z18796"), TEXT, "kv-tk-2024Z18796", zaak),
        ("Antwoord schriftelijke vragen", real("1292__original.pdf"), PDF, "ah-tk-20232024-1292", zaak),
        ("Antwoord schriftelijke vragen", real("1178__original.pdf"), PDF, "ah-tk-20232024-1178", "2024Z00001"),
        ("Mededeling (uitstel antwoord)", real("1999__original.pdf"), PDF, "ah-tk-20232024-1999", "2024Z00002"),
    ]
    for soort, data, kind, koop, nummer in files:
        publish(fake, soort, data, kind, koop_id=koop, zaak_nummer=nummer)

    straight = tmp_path / "straight"
    Syncer(make_client(), SyncState(straight / "sync.sqlite3"), IndexWriter(straight, FakeEncoder()),
           parse_in_process, SyncOptions(batch_documents=1)).run()  # fmt: skip

    original_commit = SyncState.commit
    commits = {"n": 0}

    def dying_commit(self: SyncState, *args: Any, **kwargs: Any) -> None:
        commits["n"] += 1
        if commits["n"] == 3:
            raise Killed
        original_commit(self, *args, **kwargs)

    SyncState.commit = dying_commit  # type: ignore[method-assign]
    try:
        with pytest.raises(Killed):
            sync(batch_documents=1)
    finally:
        SyncState.commit = original_commit  # type: ignore[method-assign]
    report = sync(batch_documents=1)

    assert fingerprint(index_dir) == fingerprint(straight)
    assert report.failed == 0
    assert SyncState(index_dir / "sync.sqlite3").integrity_ok()


def test_only_the_configured_kinds_are_taken_by_prefix(fake: FakeTkOData, sync, index_dir: Path) -> None:
    publish(fake, "Antwoord schriftelijke vragen (nader)", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    publish(fake, "Motie", real("1178__original.pdf"), koop_id="kst-36000-1")

    sync(kinds=("Antwoord schriftelijke vragen",))

    assert sorted(content(index_dir).documents) == ["ah-tk-20232024-1292"]


def test_a_trial_run_stops_after_the_limit_and_the_next_run_takes_the_rest(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    for name, koop in (
        ("1292", "ah-tk-20232024-1292"),
        ("1178", "ah-tk-20232024-1178"),
        ("2313", "ah-tk-20232024-2313"),
    ):
        publish(fake, "Antwoord schriftelijke vragen", real(f"{name}__original.pdf"), koop_id=koop)

    first = sync(max_documents=2)
    assert first.seen == 2 and len(content(index_dir).documents) == 2
    second = sync()

    assert len(content(index_dir).documents) == 3
    assert second.indexed == 1


def test_entity_records_round_trip_through_the_state_database() -> None:
    from vraagbaak.sources.sync.records_json import tk_from_json, tk_to_json
    from vraagbaak.sources.tk.records import TkDocument

    document = TkDocument.from_odata({**tk_document(), "ApiGewijzigdOp": "2024-03-05T10:00:00.0000000+01:00"})
    again = tk_from_json(tk_to_json(document))
    assert again == document
    assert again.content_hash() == document.content_hash()
    assert dataclasses.asdict(again) == dataclasses.asdict(document)


def test_synced_question_and_answer_make_one_answered_set_in_the_status_view(
    fake: FakeTkOData, sync, index_dir: Path, tmp_path: Path
) -> None:
    import datetime

    from fastapi.testclient import TestClient

    from vraagbaak.retrieval.retriever import Retriever
    from vraagbaak.service.app import create_app
    from vraagbaak.service.routes.questions import get_today
    from vraagbaak.service.settings import ServiceSettings

    zaak = "2024Z18796"
    publish(fake, "Schriftelijke vragen", real("kv-tk-2024Z18796"), TEXT, koop_id="kv-tk-2024Z18796", zaak_nummer=zaak)
    sync()
    settings = ServiceSettings(index_dir=index_dir, data_dir=tmp_path / "data", model_cache=tmp_path / "models")

    def status_on(day: datetime.date) -> dict[str, Any]:
        app = create_app(settings, retriever=Retriever.load(index_dir, FakeEncoder()))
        app.dependency_overrides[get_today] = lambda: day
        with TestClient(app) as client:
            response = client.get(f"/v1/questions/{zaak}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    before = status_on(datetime.date(2024, 12, 20))
    assert (before["status"], before["submitted"], before["days_overdue"]) == ("overdue", "2024-11-19", 10)
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292",
            zaak_nummer=zaak)  # fmt: skip
    sync()

    after = status_on(datetime.date(2024, 12, 20))
    assert after["status"] == "answered"
    roles = {document["doc_id"]: (document["role"], len(document["units"])) for document in after["documents"]}
    assert roles == {"kv-tk-2024Z18796": ("question", 0), "ah-tk-20232024-1292": ("answer", 10)}


def test_a_document_whose_layout_is_not_recognised_is_counted_and_kept_as_prose(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    text = (
        b"Lijst van vragen en antwoorden\n\n"
        b"De vaste commissie heeft over het jaarverslag enkele vragen voorgelegd. Het kabinet heeft die in een "
        b"doorlopende tekst beantwoord, zonder de vragen te nummeren, en gaat daarin in op de kosten van het beleid.\n"
    )
    publish(fake, "Lijst van vragen en antwoorden", text, TEXT, koop_id="kst-36000-99")
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")

    report = sync()

    assert (report.indexed, report.unrecognised) == (2, 1)
    document = content(index_dir).documents["kst-36000-99"]
    assert any("layout not recognised" in warning for warning in document.warnings)
    assert any(unit.doc_id == "kst-36000-99" for unit in content(index_dir).units)  # searchable as prose


def test_an_entity_never_removes_or_overwrites_another_entitys_document(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    old = publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    sync()
    new = publish(fake, "Antwoord schriftelijke vragen", real("1178__original.pdf"), koop_id="ah-tk-20232024-1292")
    sync()  # the KOOP id is taken by the first entity: the second keeps its own id
    assert sorted(content(index_dir).documents) == ["ah-tk-20232024-1292", f"tk-{new}"]

    fake.delete(old)
    sync()

    assert sorted(content(index_dir).documents) == [f"tk-{new}"]


def test_a_question_comes_back_with_its_units_when_its_answer_leaves_the_source(
    fake: FakeTkOData, sync, index_dir: Path
) -> None:
    zaak = "2024Z18796"
    publish(fake, "Schriftelijke vragen", real("kv-tk-2024Z18796"), TEXT, koop_id="kv-tk-2024Z18796", zaak_nummer=zaak)
    answer = publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"),
                     koop_id="ah-tk-20232024-1292", zaak_nummer=zaak)  # fmt: skip
    sync()
    assert not any(unit.doc_id == "kv-tk-2024Z18796" for unit in content(index_dir).units)

    fake.delete(answer)
    sync()  # the answer leaves; its question is queued and, re-read within the checkpoint margin, indexed again

    assert SyncState(index_dir / "sync.sqlite3").get(answer).state is EntityState.DELETED
    units = [unit for unit in content(index_dir).units if unit.doc_id == "kv-tk-2024Z18796"]
    assert len(units) == 8 and not any(unit.answered for unit in units)
    assert "ah-tk-20232024-1292" not in content(index_dir).documents
