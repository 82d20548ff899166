"""`vraagbaak sync` on the command line: its options, its status view, and the schedule loop."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.fakes import FakeEncoder
from tests.sources.test_sync import parse_in_process, publish, real
from vraagbaak.cli.commands.sync import duration
from vraagbaak.cli.main import main
from vraagbaak.sources.sync.index_writer import IndexWriter
from vraagbaak.sources.sync.job import SyncLockedError, run_every, sync_lock
from vraagbaak.sources.sync.run import Syncer, SyncOptions, SyncReport
from vraagbaak.sources.sync.state import SyncState
from vraagbaak.sources.tk.errors import SourceUnavailableError
from vraagbaak.sources.tk.stand_in.server import FakeTkOData


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--help"]) == 0
    shown = capsys.readouterr().out
    for option in ("--index", "--since", "--every", "--kind", "--limit", "--url", "--ray", "--ray-workers", "--status"):
        assert option in shown


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sync", "--every", "10s"], "at least 1m"),
        (["sync", "--every", "soon"], "expected a duration"),
        (["sync", "--since", "2024-13-01"], "expected a date"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_limit_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--index", str(tmp_path), "--limit", "0"]) == 2
    assert "--limit must be 1 or more" in capsys.readouterr().err


def test_durations_read_as_seconds() -> None:
    assert [duration(text) for text in ("90s", "15m", "1h", "1d", "3600")] == [90, 900, 3600, 86400, 3600]


def test_status_shows_checkpoints_counts_and_failures(
    fake: FakeTkOData, make_client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    publish(fake, "Antwoord schriftelijke vragen", real("1292__original.pdf"), koop_id="ah-tk-20232024-1292")
    publish(fake, "Antwoord schriftelijke vragen", b"<html>Storing</html>", "text/html", koop_id="ah-tk-x-1")
    Syncer(make_client(), SyncState(index_dir / "sync.sqlite3"), IndexWriter(index_dir, FakeEncoder()),
           parse_in_process, SyncOptions(kinds=("Antwoord schriftelijke vragen",))).run()  # fmt: skip

    assert main(["sync", "--index", str(index_dir), "--status"]) == 0

    shown = capsys.readouterr().out
    assert "checkpoint  Antwoord schriftelijke vragen: changed since 2024-" in shown
    assert "entities    indexed: 1" in shown and "entities    failed: 1" in shown
    assert "failed      ah-tk-x-1" in shown


def test_a_second_sync_of_the_same_index_is_refused(tmp_path: Path) -> None:
    refused = pytest.raises(SyncLockedError, match="another `vraagbaak sync` is running")
    with sync_lock(tmp_path), refused, sync_lock(tmp_path):
        pass


def test_the_schedule_goes_on_after_a_run_the_source_let_down() -> None:
    stop = threading.Event()
    runs: list[str] = []
    shown: list[SyncReport] = []

    def once() -> SyncReport:
        runs.append("run")
        if len(runs) == 1:
            raise SourceUnavailableError("the service kept failing")
        stop.set()
        return SyncReport(seen=3)

    run_every(0.01, once, shown.append, stop)  # the second run sets stop

    assert runs == ["run", "run"] and [report.seen for report in shown] == [3]
