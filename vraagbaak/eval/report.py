"""Presenting evaluation results: a terminal table, a JSON document, a Markdown report, a PNG plot."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vraagbaak.eval.metrics import DOCUMENT_KS, RECALL_KS, metric_names
from vraagbaak.eval.runner import EvalRunError, VariantResult

logger = logging.getLogger(__name__)


def results_document(results: Sequence[VariantResult], context: dict[str, Any], per_question: bool = True) -> dict:
    """Everything the run measured, for `--json`."""
    return {**context, "variants": {r.variant: r.summary(per_question) for r in results}}


def _row(name: str, count: int, metrics: dict[str, float], names: list[str]) -> list[str]:
    return [name, str(count), *(f"{metrics[n]:.3f}" for n in names)]


def grid_lines(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        return lines + ["| " + " | ".join(row) + " |" for row in rows]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [fmt.format(*row) for row in rows]


def overall_table(results: Sequence[VariantResult], markdown: bool = False) -> list[str]:
    k = results[0].k
    names = metric_names(k)
    header = ["variant", "n", *names, "p50 ms", "p95 ms"]
    rows = []
    for result in results:
        latency = result.latency()
        rows.append(
            [
                *_row(result.variant, len(result.questions), result.metrics(), names),
                f"{latency['p50']:.1f}",
                f"{latency['p95']:.1f}",
            ]
        )
    return grid_lines(header, rows, markdown)


def breakdown_table(results: Sequence[VariantResult], attribute: str, markdown: bool = False) -> list[str]:
    """One row per variant and value of `kind` or `lang`, with the count of questions."""
    k = results[0].k
    names = metric_names(k)
    rows = []
    for result in results:
        for value, group in result.groups(attribute).items():
            rows.append(_row(f"{result.variant} / {value}", group["count"], group, names))
    return grid_lines([f"variant / {attribute}", "n", *names], rows, markdown)


def document_table(results: Sequence[VariantResult], markdown: bool = False) -> list[str]:
    """Document-level figures per variant: ungrouped ones rank documents by their first unit in the top k;
    grouped ones add `gold_shown` (gold unit among the first document's shown units, when it is a gold one)."""
    k = results[0].k
    names = [*(f"doc_recall@{n}" for n in DOCUMENT_KS if n <= k), f"doc_mrr@{k}"]
    rows = []
    for result in results:
        figures = result.document_metrics()
        shown = f"{figures['gold_shown']:.3f} ({int(figures['gold_shown_n'])})" if "gold_shown" in figures else "-"
        rows.append([*_row(result.variant, len(result.questions), figures, names), shown])
    return grid_lines(["variant", "n", *names, "gold_shown (n)"], rows, markdown)


def format_table(results: Sequence[VariantResult]) -> str:
    """The terminal output: overall, by document, then per kind and per language."""
    parts = [*overall_table(results), "", *document_table(results), "", *breakdown_table(results, "kind")]
    return "\n".join([*parts, "", *breakdown_table(results, "lang")])


def format_markdown(results: Sequence[VariantResult], context: dict[str, Any], plot: str | None = None) -> str:
    lines = ["# Retrieval evaluation", ""]
    lines += [f"- {key}: `{value}`" for key, value in context.items()]
    lines += ["", "## Overall", "", *overall_table(results, markdown=True)]
    lines += ["", "## By document", "", *document_table(results, markdown=True)]
    lines += ["", "## Per kind", "", *breakdown_table(results, "kind", markdown=True)]
    lines += ["", "## Per language", "", *breakdown_table(results, "lang", markdown=True)]
    if plot:
        lines += ["", f"![recall@k per variant]({plot})"]
    misses = [
        f"- {result.variant}: " + ", ".join(q.id for q in result.questions if q.first_hit is None)
        for result in results
        if any(q.first_hit is None for q in result.questions)
    ]
    if misses:
        lines += ["", f"## Questions without a hit in the top {results[0].k}", "", *misses]
    return "\n".join(lines) + "\n"


def write_plot(results: Sequence[VariantResult], path: Path, title: str = "") -> None:
    """Recall@k curves, one line per variant (k = 1..run k); needs matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise EvalRunError("--plot needs matplotlib: pip install matplotlib") from error
    from vraagbaak.eval.metrics import recall_at_k

    k = results[0].k
    ks = list(range(1, k + 1))
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    for result in results:
        ranked = {q.id: q.judged for q in result.questions}
        relevant = {q.id: q.relevant for q in result.questions}
        axes.plot(ks, [recall_at_k(ranked, relevant, n) for n in ks], marker="o", markersize=3, label=result.variant)
    axes.set_xlabel("k")
    axes.set_ylabel("recall@k")
    axes.set_ylim(0, 1)
    axes.set_xticks([n for n in ks if n in RECALL_KS or n == k])
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    if title:
        axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
