"""Malformed input gives warnings, never crashes; the kind comes from content, not the file name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from vraagbaak.errors import ParseError
from vraagbaak.parsing import detect_kind, layout_not_recognised, parse_document, parse_paths, parse_text
from vraagbaak.units import DocumentKind

QA_TEXT = (SEEDS / "002_e3bd35554880f1b2.txt").read_text(encoding="utf-8")


def test_renamed_file_is_still_detected_by_content(tmp_path: Path) -> None:
    renamed = tmp_path / "notities.txt"
    shutil.copy(SEEDS / "001_8351a9266050adcd.txt", renamed)
    parsed = parse_document(renamed)
    assert parsed.document.kind is DocumentKind.WRITTEN_CONSULTATION
    assert parsed.document.doc_id == "notities"
    assert len(parsed.units) == 22
    assert detect_kind(QA_TEXT) is DocumentKind.QA_LIST
    assert detect_kind((SEEDS / "003_f206c1f6e5a79f93.txt").read_text(encoding="utf-8")) is DocumentKind.PROSE


def test_unknown_layout_is_prose_with_a_warning() -> None:
    parsed = parse_text("12345 67890\n---- ++++\n", "raar")
    assert parsed.document.kind is DocumentKind.PROSE
    assert parsed.document.warnings == ("document kind could not be told from its content; indexed as prose",)
    assert not layout_not_recognised(parsed)  # noise, not a Q&A document
    assert detect_kind("12345 67890") is DocumentKind.PROSE


def test_list_title_without_questions_falls_back_to_prose() -> None:
    parsed = parse_text("Lijst van vragen en antwoorden\n\nDe antwoorden volgen later. Dat is zo.\n", "leeg")
    assert parsed.document.kind is DocumentKind.PROSE
    assert any("no numbered questions" in w for w in parsed.document.warnings)
    assert layout_not_recognised(parsed)  # counted with the other documents whose Q&A layout was not recognised


def test_truncated_list_keeps_what_is_there() -> None:
    cut = QA_TEXT.index("2024 importeerde Nederland geen goud uit Soedan.")
    first_answer_cut = parse_text(QA_TEXT[:cut], "afgebroken")
    assert first_answer_cut.document.kind is DocumentKind.QA_LIST
    assert [u.number for u in first_answer_cut.units] == [1]
    assert first_answer_cut.units[0].answer.startswith("In 2024 importeerde Nederland voor USD 284.196")

    # Cut inside the last question, before its question mark.
    question_cut = parse_text(QA_TEXT[: QA_TEXT.rindex("verkenning naar") + 5], "zonder-einde")
    assert len(question_cut.units) == 148
    assert any("148" in w and "truncated" in w for w in question_cut.document.warnings)


def test_shuffled_numbering_is_reported() -> None:
    shuffled = QA_TEXT.replace("\n5 Hoeveel financiële", "\n9X Hoeveel financiële")
    shuffled = shuffled.replace("\n6 Hoeveel sectorale", "\n5 Hoeveel sectorale").replace("\n9X Hoeveel", "\n6 Hoeveel")
    parsed = parse_text(shuffled, "geschud")
    numbers = [u.number or 0 for u in parsed.units]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert 147 <= len(numbers) <= 148
    assert any("question number(s) 6 not found" in w for w in parsed.document.warnings)


def test_missing_question_is_reported_and_the_rest_kept() -> None:
    start, stop = QA_TEXT.index("\n10 Is het"), QA_TEXT.index("\n11 Hoe vaak")
    parsed = parse_text(QA_TEXT[:start] + QA_TEXT[stop:], "gat")
    assert [u.number for u in parsed.units] == [n for n in range(1, 149) if n != 10]
    assert "question number(s) 10 not found before question 11" in parsed.document.warnings


def test_empty_binary_and_non_utf8_files_raise_parse_error_naming_the_file(tmp_path: Path) -> None:
    cases = {
        "leeg.txt": (b"  \n\n", "file is empty"),
        "binair.txt": (b"\x00\x01PK\x03\x04", "binary"),
        "latin1.txt": ("Één vraag over België?".encode("latin-1"), "not valid UTF-8"),
    }
    for name, (raw, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        with pytest.raises(ParseError, match=message) as info:
            parse_document(path)
        assert name in str(info.value)
    with pytest.raises(ParseError, match="cannot read file"):
        parse_document(tmp_path / "bestaat-niet.txt")
    with pytest.raises(ParseError, match="empty"):
        parse_text("   ", "leeg")


def test_parse_paths_skips_bad_files_and_keeps_going(tmp_path: Path) -> None:
    shutil.copy(SEEDS / "004_983e7923bac65099.txt", tmp_path / "goed.txt")
    (tmp_path / "leeg.txt").write_bytes(b"")
    (tmp_path / "notitie.odt").write_text("niet meegenomen: geen documentformaat", encoding="utf-8")
    parsed, failures = parse_paths([tmp_path])
    assert [p.document.doc_id for p in parsed] == ["goed"]
    assert [(path.name, "empty" in message) for path, message in failures] == [("leeg.txt", True)]
