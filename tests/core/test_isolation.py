"""The parse worker: a file that takes too long, needs too much memory or crashes the parser is refused by
name, and the next file is parsed by a fresh worker; what the worker parses equals parsing in-process."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.fakes import FakeEncoder
from vraagbaak.errors import ModelError, ParseError
from vraagbaak.model.tokens import TokenizerCounter, length_function_for
from vraagbaak.parsing import parse_paths, parse_text
from vraagbaak.parsing.isolation import ParseJob, ParseLimits, ParseWorker, run_job
from vraagbaak.settings import Settings
from vraagbaak.units import ParsedDocument

GOOD = SEEDS / "004_983e7923bac65099.txt"


# Runners for the worker: module-level, so the spawned child can import them. Production code never
# passes a runner; these are the only ones that sleep or crash.


def _sleep_when_slow(job: ParseJob) -> ParsedDocument:
    if "traag" in job.name:
        time.sleep(30)
    return run_job(job)


def _segfault_when_broken(job: ParseJob) -> ParsedDocument:
    if "kapot" in job.name:
        os.kill(os.getpid(), signal.SIGSEGV)
    return run_job(job)


def _bug_when_odd(job: ParseJob) -> ParsedDocument:
    if "raar" in job.name:
        raise RuntimeError("unexpected layout")
    return run_job(job)


def test_settings_default_to_a_minute_and_3_gib(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ParseLimits.from_settings(Settings()) == ParseLimits(timeout_s=60.0, memory_mb=3072)
    monkeypatch.setenv("VRAAGBAAK_PARSE_TIMEOUT_S", "2.5")
    monkeypatch.setenv("VRAAGBAAK_PARSE_MEMORY_MB", "512")
    assert ParseLimits.from_settings(Settings()) == ParseLimits(timeout_s=2.5, memory_mb=512)


def test_isolated_seeds_equal_in_process_and_one_worker_serves_them_all() -> None:
    in_process, _ = parse_paths([SEEDS])
    with ParseWorker() as worker:
        isolated = [worker.parse_file(path) for path in sorted(SEEDS.glob("*.txt"))]
        assert worker.starts == 1
    assert isolated == in_process and len(isolated) == 5
    assert parse_paths([SEEDS], limits=ParseLimits()) == (in_process, [])


def test_parse_errors_come_back_with_the_same_message(tmp_path: Path) -> None:
    (tmp_path / "leeg.txt").write_text("", encoding="utf-8")
    (tmp_path / "binair.txt").write_bytes(b"\x00\x01")
    shutil.copy(GOOD, tmp_path / "brief.txt")
    in_process = parse_paths([tmp_path])
    isolated = parse_paths([tmp_path], limits=ParseLimits())
    assert isolated == in_process
    assert [message for _, message in isolated[1]] == [
        f"{tmp_path / 'binair.txt'}: looks like a binary file (NUL bytes); expected UTF-8 text",
        f"{tmp_path / 'leeg.txt'}: file is empty",
    ]


def test_a_slow_file_is_refused_and_the_next_file_parses() -> None:
    slow = SEEDS / "traag.txt"
    with ParseWorker(ParseLimits(timeout_s=0.5), runner=_sleep_when_slow) as worker:
        first = worker.parse_file(GOOD)
        started = time.monotonic()
        with pytest.raises(ParseError) as refused:
            worker.parse_file(slow)
        assert time.monotonic() - started < 5
        assert str(refused.value) == f"{slow}: parsing took longer than 0.5 s; refused"
        assert worker.parse_file(GOOD) == first
        assert worker.starts == 2


def test_a_file_that_needs_too_much_memory_is_refused_and_the_run_goes_on(tmp_path: Path) -> None:
    big = tmp_path / "groot.txt"
    big.write_text("Dit is een zin over de begroting.\n" * 1_000_000, encoding="utf-8")  # 34 MB
    shutil.copy(GOOD, tmp_path / "klein.txt")
    parsed, failures = parse_paths([tmp_path], limits=ParseLimits(memory_mb=200))
    assert failures == [(big, f"{big}: parsing needed more than 200 MB; refused")]
    assert [item.document.doc_id for item in parsed] == ["klein"]


def test_a_parser_crash_is_refused_by_name_and_the_worker_restarts() -> None:
    broken = SEEDS / "kapot.pdf"
    with ParseWorker(runner=_segfault_when_broken) as worker:
        with pytest.raises(ParseError) as crashed:
            worker.parse_file(broken)
        assert str(crashed.value) == f"{broken}: the parser crashed (signal {int(signal.SIGSEGV)}); refused"
        assert worker.parse_file(GOOD).document.doc_id == GOOD.stem
        assert worker.starts == 2


def test_a_parser_bug_refuses_that_file_only() -> None:
    odd = SEEDS / "raar.txt"
    with ParseWorker(runner=_bug_when_odd) as worker:
        with pytest.raises(ParseError) as failed:
            worker.parse_file(odd)
        assert str(failed.value) == f"{odd}: the parser failed on this file (a fault logged by the server); refused"
        assert worker.parse_file(GOOD).document.doc_id == GOOD.stem
        assert worker.starts == 1  # a Python exception leaves the worker sound


def test_uploads_parse_in_the_worker_and_are_named_by_their_upload_name() -> None:
    text = GOOD.read_text(encoding="utf-8")
    with ParseWorker() as worker:
        from_text = worker.parse_text(text, "brief", "/data/brief.txt")
        from_bytes = worker.parse_bytes(text.encode("utf-8"), "brief", "brief.txt")
        with pytest.raises(ParseError) as empty:
            worker.parse_bytes(b"  \n", "leeg", "leeg.txt")
    assert from_text == parse_text(text, "brief", "/data/brief.txt")
    assert [unit.answer for unit in from_bytes.units] == [unit.answer for unit in from_text.units]
    assert str(empty.value).startswith("leeg.txt: ")


def test_length_function_for_a_test_double_is_its_own_counter() -> None:
    count = length_function_for(FakeEncoder())
    assert count("twee woorden") == 2
    pickle.dumps(count)


def test_length_function_for_an_encoder_that_cannot_travel_is_a_model_error() -> None:
    class Local(FakeEncoder):  # a local class does not pickle
        pass

    with pytest.raises(ModelError, match="cannot count tokens of model 'fake:keywords' in a parse worker"):
        length_function_for(Local())


@pytest.mark.slow
def test_seed_units_with_the_model_tokenizer_equal_in_process_parsing(
    encoder: object, seed_documents: list[ParsedDocument]
) -> None:
    """The tokenizer counts in the worker as `encoder.count_tokens` does here, so the passages are the same."""
    count = length_function_for(encoder)  # type: ignore[arg-type]
    assert isinstance(count, TokenizerCounter)
    for item in seed_documents:
        for unit in item.units[:40]:
            assert count(unit.answer) == encoder.count_tokens(unit.answer)  # type: ignore[attr-defined]
    parsed, failures = parse_paths([SEEDS], length_function=count, limits=ParseLimits())
    assert failures == []
    assert parsed == seed_documents
    # passages measured by the tokenizer differ from the stand-in count: the check above has teeth
    assert parse_paths([SEEDS])[0] != seed_documents
