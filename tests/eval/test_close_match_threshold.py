"""The out-of-corpus question format and the dev-split rule that picks the close-match threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vraagbaak.eval.close_match_threshold import FirstResult, choose_threshold, rates_at
from vraagbaak.eval.dataset import DatasetError
from vraagbaak.eval.out_of_corpus import load_out_of_corpus

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_out_of_corpus_file_is_valid_and_split() -> None:
    questions = load_out_of_corpus(REPO / "eval" / "data" / "out_of_corpus.jsonl")
    assert len(questions) >= 30
    assert {q.assigned_split for q in questions} == {"dev", "test"}
    assert sum(q.lang == "en" for q in questions) >= 10


def test_out_of_corpus_lines_are_validated_strictly(tmp_path: Path) -> None:
    good = {"id": "x1", "lang": "nl", "kind": "out_of_corpus", "question": "Hoeveel wolven zijn er?"}
    lines = [
        json.dumps(good),
        json.dumps({**good, "id": "x2", "gold": []}),  # no gold field at all, not even empty
        json.dumps({**good, "id": "x3", "kind": "paraphrase"}),
        json.dumps({**good, "id": "x4", "question": "   "}),
        json.dumps(good),  # duplicate id
        "{oops",
    ]
    path = tmp_path / "ooc.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as error:
        load_out_of_corpus(path)
    message = str(error.value)
    assert "5 invalid line(s)" in message
    for number in (2, 3, 4, 5, 6):
        assert f"line {number}:" in message


def _results(inside: list[float], outside: list[float]) -> list[FirstResult]:
    return [FirstResult(f"i{n}", "dev", True, c, correct=n % 2 == 0) for n, c in enumerate(inside)] + [
        FirstResult(f"o{n}", "dev", False, c) for n, c in enumerate(outside)
    ]


def test_rates_count_false_alarms_among_in_corpus_and_misses_among_out_of_corpus() -> None:
    rates = rates_at(_results([0.95, 0.90, 0.85, 0.80], [0.86, 0.70]), 0.88)
    assert (rates.false_alarm, rates.miss, rates.n_in, rates.n_out) == (0.5, 0.0, 4, 2)
    assert rates.false_alarm_correct == 0.5  # i0 (0.95) and i2 (0.85) have a right first result


def test_the_threshold_minimises_false_alarms_plus_misses_and_ties_go_low() -> None:
    results = _results([0.95, 0.92, 0.90, 0.89], [0.86, 0.84, 0.80])
    chosen = choose_threshold(results, grid=(0.85, 0.86, 0.87, 0.88, 0.89, 0.90))
    assert chosen.threshold == 0.87 and chosen.false_alarm == 0.0 and chosen.miss == 0.0
    with pytest.raises(ValueError, match="in-corpus and out-of-corpus"):
        choose_threshold(_results([0.9], []))
