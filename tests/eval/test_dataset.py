"""Validation of question files and the deterministic split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vraagbaak.eval.dataset import DatasetError, load_questions, parse_questions, select_split, split_of

GOOD = {"id": "q1", "lang": "nl", "kind": "paraphrase", "question": "Hoeveel?", "gold": [{"doc": "002", "q": 3}]}


def _line(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def test_a_valid_line_parses_with_defaults() -> None:
    (question,) = parse_questions([_line()])
    assert question.gold[0].q == 3
    assert question.exclude == ()
    assert question.note == ""
    assert question.assigned_split == split_of("q1")


def test_every_bad_line_is_reported_by_number(tmp_path: Path) -> None:
    lines = [
        _line(),
        "{not json",
        json.dumps({k: v for k, v in GOOD.items() if k != "gold"} | {"id": "q3"}),
        _line(id="q4", gold=[{"doc": "003", "q": None}]),
        _line(),  # duplicate id
        "",
        _line(id="q7", lang="Dutch"),
        "[1, 2]",
        _line(id="q9", surprise=True),
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as error:
        load_questions(path)
    message = str(error.value)
    assert str(path) in message
    assert "7 invalid line(s)" in message
    assert "line 2: not valid JSON" in message
    assert "line 3: gold: Field required" in message
    assert "line 4: gold.0: a gold with q null needs a non-empty snippet" in message
    assert "line 5: id 'q1' already used on line 1" in message
    assert "line 7: lang:" in message
    assert "line 8: expected a JSON object, got list" in message
    assert "line 9: surprise: Extra inputs are not permitted" in message


def test_empty_and_unreadable_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no questions"):
        load_questions(empty)
    with pytest.raises(DatasetError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_questions(binary)


def test_split_is_deterministic_and_about_forty_sixty() -> None:
    ids = [f"q{i:03d}" for i in range(1, 1001)]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    dev_share = sum(split_of(i) == "dev" for i in ids) / len(ids)
    assert 0.35 <= dev_share <= 0.45


def test_explicit_split_wins_and_select_split_filters() -> None:
    questions = parse_questions([_line(id="a", split="dev"), _line(id="b", split="test"), _line(id="c", split="test")])
    assert [q.id for q in select_split(questions, "dev")] == ["a"]
    assert [q.id for q in select_split(questions, "test")] == ["b", "c"]
    assert len(select_split(questions, "all")) == 3
    with pytest.raises(DatasetError, match="unknown split"):
        select_split(questions, "train")
