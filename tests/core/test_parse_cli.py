"""`vraagbaak parse`: summary table, JSONL output, and clear messages for files it cannot read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS, require_realdocs
from vraagbaak.cli.main import main
from vraagbaak.units import read_jsonl


def test_parse_prints_units_per_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:6] for line in out.splitlines() if line.startswith("00")}
    assert rows["001_8351a9266050adcd"] == ["written_consultation", "22", "22", "0", "0"]
    assert rows["002_e3bd35554880f1b2"][:4] == ["qa_list", "148", "148", "0"]
    assert rows["000_ef389c4a9f248eca"] == ["prose", "4", "0", "0", "0"]
    assert out.splitlines()[0].split() == ["document", "kind", "units", "Q&A", "unanswered", "warnings"]
    assert "! footnote(s) 29, 31" in out  # warnings are listed under their document


def test_parse_writes_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "units.jsonl"
    assert main(["parse", str(SEEDS / "001_8351a9266050adcd.txt"), "--out", str(out_file)]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [
        f"wrote 22 units of 1 documents to {out_file}",
        "Q&A layout not recognised: 0 of 1 documents",
    ]
    (document,) = read_jsonl(out_file)
    assert document.document.doc_id == "001_8351a9266050adcd"
    assert [u.party for u in document.units][-1] == "CDA"


def test_parse_names_bad_files_and_still_succeeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(SEEDS / "004_983e7923bac65099.txt", tmp_path / "brief.txt")
    (tmp_path / "leeg.txt").write_text("", encoding="utf-8")
    (tmp_path / "binair.txt").write_bytes(b"\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("Één vraag".encode("latin-1"))
    assert main(["parse", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "brief" in captured.out
    for name, reason in [("leeg.txt", "file is empty"), ("binair.txt", "binary"), ("latin1.txt", "not valid UTF-8")]:
        assert f"skipped {tmp_path / name}: " in captured.err
        assert reason in captured.err


def test_parse_fails_when_nothing_could_be_parsed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "weg.txt"
    assert main(["parse", str(missing)]) == 1
    err = capsys.readouterr().err
    assert f"vraagbaak: skipped {missing}: cannot read file" in err
    assert "nothing could be parsed" in err

    assert main(["parse", str(tmp_path)]) == 1
    assert f"no documents (.pdf, .docx, .md, .txt) found in {tmp_path}" in capsys.readouterr().err


def test_the_table_counts_questions_still_waiting_for_an_answer(capsys: pytest.CaptureFixture[str]) -> None:
    source = next(require_realdocs().glob("limburg__06__kv-tk-*"))
    assert main(["parse", str(source)]) == 0
    row = next(line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("limburg"))
    assert row[1:6] == ["written_questions", "8", "0", "8", row[5]]


THEMATIC = (
    "Beantwoording vragen Tweede Kamer over het rapport Onderhoud van bruggen\n\n"
    "Geachte voorzitter, hierbij de antwoorden op de vragen van de commissie.\n\n"
    "Onderhoud. In de vragen 1 tot en met 4 vraagt u naar het onderhoud. Het onderhoud is uitgesteld.\n\n"
    "Kosten. De vragen 5 en 6 gaan over de kosten. Die zijn gestegen.\n"
)


def test_parse_counts_the_documents_whose_layout_was_not_recognised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SEEDS / "001_8351a9266050adcd.txt", tmp_path / "verslag.txt")
    (tmp_path / "thematisch.txt").write_text(THEMATIC, encoding="utf-8")
    assert main(["parse", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "! Q&A layout not recognised (headed as questions or answers to them" in out
    assert out.splitlines()[-1] == "Q&A layout not recognised: 1 of 2 documents (indexed as prose): thematisch"
    assert main(["parse", str(tmp_path), "--out", str(tmp_path / "units.jsonl")]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("Q&A layout not recognised: 1 of 2 documents")


@pytest.mark.slow
def test_index_build_and_add_count_the_documents_whose_layout_was_not_recognised(
    tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VRAAGBAAK_MODEL_CACHE", str(model_cache))
    shutil.copy(SEEDS / "004_983e7923bac65099.txt", tmp_path / "brief.txt")
    (tmp_path / "thematisch.txt").write_text(THEMATIC, encoding="utf-8")
    index = tmp_path / "index"
    assert main(["index", "build", str(tmp_path / "brief.txt"), "--out", str(index), "--device", "cpu"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Q&A layout not recognised: 0 of 1 documents"
    assert main(["index", "add", str(tmp_path / "thematisch.txt"), "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "Q&A layout not recognised: 1 of 1 documents (indexed as prose): thematisch"
