"""The tuning grid and the dev-only rule, on the FakeEncoder index of test_runner."""

from __future__ import annotations

import json

from tests.eval.test_runner import QUESTIONS, retriever  # noqa: F401 - the module-scoped fixture
from vraagbaak.eval.dataset import parse_questions
from vraagbaak.eval.runner import InProcessSearcher
from vraagbaak.eval.tuning import convex_grid, fusion_grid, fusion_label, tune
from vraagbaak.retrieval.retriever import FusionConfig, Retriever


def test_grid_keeps_one_setting_per_weight_ratio() -> None:
    grid = fusion_grid(FusionConfig(rrf_k=60), (0.5, 1.0, 1.5, 2.0))
    # 4**3 = 64 triples; the 8 triples over {1, 2} repeat those over {0.5, 1}, and (1.5, 1.5, 1.5) repeats (1, 1, 1).
    assert len(grid) == 55
    assert sum(f.question_weight == f.answer_weight == f.lexical_weight for f in grid) == 1
    assert all(f.rrf_k == 60 and f.method == "rrf" for f in grid)


def test_grid_with_zero_skips_all_signals_off_and_multiplies_by_rrf_k() -> None:
    grid = fusion_grid(FusionConfig(), (0.0, 1.0), rrf_ks=(10, 60))
    assert len(grid) == 2 * 7  # (0, 0, 0) is not a setting
    assert fusion_label(grid[0]) == "q=0 a=0 lex=1 rrf_k=10"


def test_tune_looks_at_dev_questions_only(retriever: Retriever) -> None:  # noqa: F811
    questions = parse_questions(
        [json.dumps({**q, "split": "dev" if i < 2 else "test"}) for i, q in enumerate(QUESTIONS)]
    )
    report = tune(questions, InProcessSearcher(retriever), k=3, weights=(0.0, 1.0))
    assert report.questions == 2
    assert all(len(result.questions) == 2 for result in report.variants)
    assert len(report.grid) == 7 + len(convex_grid(FusionConfig()))
    assert [row.metrics["mrr@3"] for row in report.grid] == sorted(
        (row.metrics["mrr@3"] for row in report.grid), reverse=True
    )
    assert list(report.prompts) == ["query"]
    assert json.loads(json.dumps(report.to_json()))["split"] == "dev"


def test_convex_grid_spans_offset_share_and_normalisation() -> None:
    grid = convex_grid(FusionConfig(sibling_weight=0.5), offsets=(0.0, 0.02), shares=(0.25,))
    assert len(grid) == 4 and all(f.method == "convex" for f in grid)
    assert {(f.normalisation, f.sibling_weight) for f in grid} == {("zscore", 0.5), ("minmax", 0.1)}
    assert fusion_label(grid[1]) == "convex zscore q_off=0.02 lex=0.25 sib=0.5 focus=0.75"
