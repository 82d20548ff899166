"""Choosing retrieval settings on the dev split: variants, fusion settings, the stored-question prompt.

Only dev questions are looked at here; figures for the README are then taken
on the test split with `eval run`. Fusion settings change only the Retriever's
`FusionConfig`, so both grids reuse one loaded index and one query vector per
question (and focus weight). Two grids: weighted RRF over the three weights
(x rrf_k), and the convex fusion over question offset x lexical share x
normalisation. The stored-question prompt is an index setting, so comparing
"query" with "passage" needs a second index (built here on request).
Reciprocal rank fusion is invariant to scaling all weights by one factor, so
the RRF grid keeps one setting per weight ratio.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from vraagbaak.eval.dataset import EvalQuestion
from vraagbaak.eval.judging import Retrieved
from vraagbaak.eval.metrics import RECALL_KS, metric_names
from vraagbaak.eval.runner import VARIANTS, InProcessSearcher, VariantResult, evaluate_variant
from vraagbaak.retrieval.fusion import Normalisation
from vraagbaak.retrieval.retriever import FusionConfig

logger = logging.getLogger(__name__)

GRID_WEIGHTS = (0.5, 1.0, 1.5, 2.0)
GRID_OFFSETS = (0.0, 0.01, 0.02, 0.03, 0.04)
GRID_SHARES = (0.1, 0.2, 0.25, 0.3, 0.4, 0.5)
GRID_NORMALISATIONS: tuple[Normalisation, ...] = ("zscore", "minmax")


def sort_keys(k: int) -> tuple[str, ...]:
    """Grid rows are ranked by MRR@k, then recall@5 (the largest reported recall below 5 when k < 5), then nDCG@k."""
    recall = max(n for n in RECALL_KS if n <= min(5, k))
    return (f"mrr@{k}", f"recall@{recall}", f"ndcg@{k}")


Prompt = Literal["query", "passage"]


def fusion_grid(
    base: FusionConfig, weights: Sequence[float] = GRID_WEIGHTS, rrf_ks: Sequence[int] = ()
) -> list[FusionConfig]:
    """question x answer x lexical weights from `weights` (x `rrf_ks`), one per weight ratio.

    RRF ignores a common factor on all weights, so (1, 1, 1) and (2, 2, 2) are one setting.
    """
    seen: set[tuple[float, ...]] = set()
    grid = []
    for rrf_k in rrf_ks or (base.rrf_k,):
        for question, answer, lexical in itertools.product(weights, repeat=3):
            ratio = (*_ratio(question, answer, lexical), rrf_k)
            if ratio in seen or not any(ratio[:3]):
                continue
            seen.add(ratio)
            update = {
                "method": "rrf",
                "question_weight": question,
                "answer_weight": answer,
                "lexical_weight": lexical,
                "rrf_k": rrf_k,
            }
            grid.append(base.model_copy(update=update))
    return grid


def convex_grid(
    base: FusionConfig,
    offsets: Sequence[float] = GRID_OFFSETS,
    shares: Sequence[float] = GRID_SHARES,
    normalisations: Sequence[Normalisation] = GRID_NORMALISATIONS,
) -> list[FusionConfig]:
    """Convex fusion settings: question offset x lexical share x normalisation, the rest as in `base`.

    The sibling weight is in units of the normalised scores, so min-max (range 0-1) gets a fifth of
    the z-score weight (z-scores over ~200 candidates span about five units).
    """
    grid = []
    for how, offset, share in itertools.product(normalisations, offsets, shares):
        sibling = base.sibling_weight if how == "zscore" else base.sibling_weight / 5
        update = {
            "method": "convex",
            "normalisation": how,
            "question_offset": offset,
            "lexical_share": share,
            "sibling_weight": sibling,
        }
        grid.append(base.model_copy(update=update))
    return grid


def fusion_label(fusion: FusionConfig) -> str:
    if fusion.method == "convex":
        return (
            f"convex {fusion.normalisation} q_off={fusion.question_offset:g} lex={fusion.lexical_share:g} "
            f"sib={fusion.sibling_weight:g} focus={fusion.focus_weight:g}"
        )
    return f"q={fusion.question_weight:g} a={fusion.answer_weight:g} lex={fusion.lexical_weight:g} rrf_k={fusion.rrf_k}"


@dataclass
class GridRow:
    fusion: FusionConfig
    metrics: dict[str, float]


@dataclass
class TuningReport:
    questions: int
    k: int
    prompt: str
    default_fusion: FusionConfig
    variants: list[VariantResult] = field(default_factory=list)
    grid: list[GridRow] = field(default_factory=list)
    prompts: dict[str, list[VariantResult]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "split": "dev",
            "questions": self.questions,
            "k": self.k,
            "index_question_prompt": self.prompt,
            "default_fusion": self.default_fusion.model_dump(),
            "variants": {r.variant: r.summary(per_question=False) for r in self.variants},
            "fusion_grid": [{"fusion": row.fusion.model_dump(), **row.metrics} for row in self.grid],
            "question_prompt": {
                prompt: {r.variant: r.summary(per_question=False) for r in results}
                for prompt, results in self.prompts.items()
            },
        }


def _dev_only(questions: Sequence[EvalQuestion]) -> list[EvalQuestion]:
    dev = [q for q in questions if q.assigned_split == "dev"]
    if len(dev) != len(questions):
        logger.info("tuning looks at the %d dev questions only (of %d)", len(dev), len(questions))
    return dev


def tune(
    questions: Sequence[EvalQuestion],
    searcher: InProcessSearcher,
    *,
    k: int = 10,
    alt_searcher: InProcessSearcher | None = None,
    weights: Sequence[float] = GRID_WEIGHTS,
    rrf_ks: Sequence[int] = (),
    convex: bool = True,
) -> TuningReport:
    """Variants and the fusion grids on `searcher`'s index; the prompt comparison when `alt_searcher` is given."""
    dev = _dev_only(questions)
    base = searcher.retriever.fusion
    prompt = searcher.retriever.content.manifest.chunking.question_prompt
    report = TuningReport(questions=len(dev), k=k, prompt=prompt, default_fusion=base)
    report.variants = [evaluate_variant(dev, variant, k, searcher.search) for variant in VARIANTS]
    for fusion in fusion_grid(base, weights, rrf_ks) + (convex_grid(base) if convex else []):
        result = evaluate_variant(dev, "hybrid", k, partial(_search_with, searcher, fusion))
        report.grid.append(GridRow(fusion, result.metrics()))
    keys = sort_keys(k)
    report.grid.sort(key=lambda row: tuple(-row.metrics[key] for key in keys))
    report.prompts[prompt] = [r for r in report.variants if r.variant in ("hybrid", "dense", "dense-question")]
    if alt_searcher is not None:
        alt_prompt = alt_searcher.retriever.content.manifest.chunking.question_prompt
        if alt_prompt == prompt:
            logger.warning("both indexes store questions with the %r prompt; nothing to compare", prompt)
        else:
            report.prompts[alt_prompt] = [
                evaluate_variant(dev, variant, k, alt_searcher.search)
                for variant in ("hybrid", "dense", "dense-question")
            ]
    return report


def _search_with(
    searcher: InProcessSearcher, fusion: FusionConfig, question: EvalQuestion, variant: str, k: int
) -> tuple[list[Retrieved], float]:
    return searcher.search_with(question, variant, k, fusion)


def build_prompt_index(
    seeds: Sequence[Path], index_dir: Path, prompt: Prompt, searcher: InProcessSearcher, show_progress: bool = False
) -> None:
    """An index like `searcher`'s (same model and chunking) but storing questions with `prompt`."""
    from vraagbaak.parsing import parse_paths
    from vraagbaak.store.builder import build_index

    encoder = searcher.retriever.encoder
    chunking = searcher.retriever.content.manifest.chunking.model_copy(update={"question_prompt": prompt})
    parsed, failures = parse_paths(list(seeds), length_function=encoder.count_tokens)
    for path, reason in failures:
        logger.warning("skipped %s: %s", path, reason)
    logger.info("building %s with question_prompt=%s (this embeds the corpus again)", index_dir, prompt)
    build_index(parsed, encoder, index_dir, chunking=chunking, show_progress=show_progress)


def format_tuning(report: TuningReport, top: int = 12, markdown: bool = False) -> str:
    """Tables of the three comparisons; the grid shows the best `top` settings and the default."""
    from vraagbaak.eval.report import grid_lines, overall_table

    names = metric_names(report.k)
    lines = [f"Tuning on the dev split: {report.questions} questions, k={report.k}", ""]
    lines += [f"Variants (index question_prompt={report.prompt}, default fusion {fusion_label(report.default_fusion)})"]
    lines += ["", *overall_table(report.variants, markdown), ""]
    lines += [f"Fusion grid, hybrid ({len(report.grid)} settings; ranked by {', '.join(sort_keys(report.k))})", ""]
    shown = report.grid[:top]
    default = next((row for row in report.grid if _same_weights(row.fusion, report.default_fusion)), None)
    if default is not None and default not in shown:
        shown = [*shown, default]
    rows = [
        [
            str(report.grid.index(row) + 1),
            fusion_label(row.fusion) + (" (= default)" if row is default else ""),
            *(f"{row.metrics[n]:.3f}" for n in names),
        ]
        for row in shown
    ]
    lines += [*grid_lines(["#", "fusion", *names], rows, markdown), ""]
    lines += ["Stored-question prompt (needs an index per prompt)", ""]
    prompt_rows = [
        [f"{prompt} / {result.variant}", str(len(result.questions)), *(f"{result.metrics()[n]:.3f}" for n in names)]
        for prompt, results in report.prompts.items()
        for result in results
    ]
    lines += grid_lines(["prompt / variant", "n", *names], prompt_rows, markdown)
    return "\n".join(lines) + "\n"


def _ratio(*weights: float) -> tuple[float, ...]:
    top = max(weights) or 1.0
    return tuple(round(w / top, 6) for w in weights)


def _same_weights(a: FusionConfig, b: FusionConfig) -> bool:
    """Same ranking: for RRF the same rrf_k and weights that differ at most by a common factor."""
    if a.method != b.method:
        return False
    if a.method == "convex":
        return a == b
    return a.rrf_k == b.rrf_k and _ratio(a.question_weight, a.answer_weight, a.lexical_weight) == _ratio(
        b.question_weight, b.answer_weight, b.lexical_weight
    )
