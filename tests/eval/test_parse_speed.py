"""The parse-speed bench section's code path on tiny sizes: text generation, timing rows, the target.

No timing is asserted: speed targets live in `vraagbaak bench`, not in tests.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import SEEDS
from vraagbaak.eval.bench.parse_speed import (
    HOSTILE_SHAPES,
    REAL_SHAPES,
    Corpus,
    generate,
    measure_parse_speed,
    parse_target,
    rows,
)
from vraagbaak.eval.bench.report import format_table


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(SEEDS)


@pytest.mark.parametrize("shape", REAL_SHAPES + HOSTILE_SHAPES)
def test_generate_gives_the_size_asked_for_reproducibly(corpus: Corpus, shape: str) -> None:
    text = generate(shape, 5_000, corpus)
    assert len(text) == 5_000
    assert text == generate(shape, 5_000, corpus)


def test_generate_numbers_questions_on_across_repeats(corpus: Corpus) -> None:
    text = generate("qa_list", 400_000, corpus)  # the seed list (176 questions, 150 KB) comes round twice
    expected = 1
    for m in re.finditer(r"(?m)^(\d{1,3}) [A-Z‘(]", text):  # question starts, and footnotes in between
        expected += int(m.group(1)) == expected
    assert expected > 300


def test_generate_refuses_an_unknown_shape(corpus: Corpus) -> None:
    with pytest.raises(ValueError, match="unknown shape 'tabel'"):
        generate("tabel", 100, corpus)


def test_measure_parse_speed_reports_every_shape_and_the_growth_target() -> None:
    section = measure_parse_speed(SEEDS, sizes=(2_000, 8_000), hostile_sizes=(2_000,), repeats=1)
    assert [entry["shape"] for entry in section["real"]] == list(REAL_SHAPES)
    assert [entry["shape"] for entry in section["hostile"]] == list(HOSTILE_SHAPES)
    for entry in section["real"]:
        assert [run["size"] for run in entry["runs"]] == [2_000, 8_000]
        assert entry["growth"] == pytest.approx(entry["runs"][1]["s_per_mb"] / entry["runs"][0]["s_per_mb"], abs=0.01)
    assert len(rows(section)) == 2 * len(REAL_SHAPES) + len(HOSTILE_SHAPES)

    results = {"config": {"quick": True}, "parse": section}
    target = parse_target(results)
    assert target is not None and target.name == "parse speed growth"
    worst = max(entry["growth"] for entry in section["real"])
    assert target.met is (worst <= 2.0)
    table = format_table(results, [target])
    assert "Parse speed" in table and "parse speed growth" in table


def test_parse_target_is_absent_without_the_section_and_unmeasured_with_one_size() -> None:
    assert parse_target({}) is None
    one_size = {"parse": {"sizes": [2_000], "real": [{"shape": "prose", "runs": [], "growth": None}]}}
    target = parse_target(one_size)
    assert target is not None and target.met is None
