"""The `ray` section of `vraagbaak bench`: its table rows, from a hand-made result."""

from __future__ import annotations

from vraagbaak.eval.bench.build import ray_rows
from vraagbaak.eval.bench.report import format_table


def test_ray_section_prints_both_builds_and_their_ratio() -> None:
    section = {
        "documents": 5, "passages": 480, "workers": 2, "device": "cpu", "address": "local",
        "local_build_s": 154.7, "ray_build_s": 89.2, "local_passages_per_s": 3.103, "ray_passages_per_s": 5.381,
        "ratio": 1.734, "ray_start_s": 5.8, "cosine_min": 0.9999998,
    }  # fmt: skip
    title, rows, header = ray_rows(section)
    assert title == "Index build on Ray (5 documents, 480 passages; 2 workers on cpu, local)"
    assert rows[0] == ["single-process build_index", "154.7", "3.10"]
    assert rows[1] == ["build on Ray (actors start inside)", "89.2", "5.38"]
    assert rows[2] == ["ratio Ray / single-process", "", "1.73×"]
    assert header == ["", "seconds", "passages/s"]
    table = format_table({"config": {"quick": False}, "build_ray": section}, [])
    assert "Index build on Ray (5 documents" in table and "1.73×" in table


def test_ray_section_says_when_ray_is_missing() -> None:
    title, rows, _ = ray_rows({"skipped": "ray is not installed: pip install -e '.[distributed]'"})
    assert title == "Index build on Ray"
    assert rows == [["skipped: ray is not installed: pip install -e '.[distributed]'", "", ""]]
