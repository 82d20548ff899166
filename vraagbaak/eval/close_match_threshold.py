"""Choosing the "no close earlier answer" threshold (`vraagbaak.retrieval.close_match.CLOSE_MATCH_COSINE`).

Two kinds of question, each searched as the service searches it (hybrid, the
default fusion, k=1): held-out questions that do have an earlier answer in the
corpus (the evaluation files, leave-one-out exclusions applied) and questions
about topics the corpus never treats (`eval/data/out_of_corpus.jsonl`). The
best cosine of the first result (`close_match.best_cosine`) is compared with
a threshold:

- a **false alarm** is an in-corpus question whose first result falls below it:
  the page says "geen vergelijkbaar eerder antwoord" although there is one;
- a **miss** is an out-of-corpus question whose first result reaches it: the
  page shows a card as if it were an earlier answer to the same question.

The threshold is chosen on the dev split as the value on a 0.005 grid with
the fewest false alarms plus misses (as rates, so both kinds weigh the same
however many questions each has); ties go to the lower value (fewer false
alarms). It is reported on test.

    .venv/bin/python -m vraagbaak.eval.close_match_threshold --index DIR --questions FILE ... \\
        --out-of-corpus eval/data/out_of_corpus.jsonl [--markdown OUT.md]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vraagbaak.eval.dataset import EvalQuestion, load_questions
from vraagbaak.eval.judging import Retrieved, judge, relevant_keys
from vraagbaak.eval.out_of_corpus import OutOfCorpusQuestion, load_out_of_corpus
from vraagbaak.retrieval.close_match import CLOSE_MATCH_COSINE, best_cosine
from vraagbaak.retrieval.retriever import Retriever

logger = logging.getLogger(__name__)

GRID = tuple(round(0.80 + 0.005 * i, 3) for i in range(31))  # 0.800 ... 0.950


@dataclass(frozen=True)
class FirstResult:
    """The first hybrid result of one question: its best cosine and, in-corpus, whether it is a gold."""

    id: str
    split: str
    in_corpus: bool
    cosine: float
    correct: bool = False


@dataclass(frozen=True)
class Rates:
    threshold: float
    false_alarm: float  # share of in-corpus questions flagged "no close earlier answer"
    false_alarm_correct: float  # the same among those whose first result is right
    miss: float  # share of out-of-corpus questions not flagged
    n_in: int
    n_out: int


def first_results(
    retriever: Retriever, questions: Sequence[EvalQuestion], outside: Sequence[OutOfCorpusQuestion]
) -> list[FirstResult]:
    results = []
    for question in questions:
        hits = retriever.search(question.question, k=1, exclude=question.exclude)
        cosine = best_cosine(hits[0]) if hits else None
        unit = hits[0].unit if hits else None
        ranking = [Retrieved(unit.unit_id, unit.doc_id, unit.number, unit.text, unit.question_numbers)] if unit else []
        correct = bool(set(judge(ranking, question.gold)) & relevant_keys(question.gold))
        results.append(FirstResult(question.id, question.assigned_split, True, cosine or 0.0, correct))
    for other in outside:
        hits = retriever.search(other.question, k=1)
        cosine = best_cosine(hits[0]) if hits else None
        results.append(FirstResult(other.id, other.assigned_split, False, cosine or 0.0))
    return results


def rates_at(results: Sequence[FirstResult], threshold: float) -> Rates:
    inside = [r for r in results if r.in_corpus]
    correct = [r for r in inside if r.correct]
    outside = [r for r in results if not r.in_corpus]
    return Rates(
        threshold=threshold,
        false_alarm=_share([r.cosine < threshold for r in inside]),
        false_alarm_correct=_share([r.cosine < threshold for r in correct]),
        miss=_share([r.cosine >= threshold for r in outside]),
        n_in=len(inside),
        n_out=len(outside),
    )


def choose_threshold(dev: Sequence[FirstResult], grid: Sequence[float] = GRID) -> Rates:
    """The grid value with the lowest false-alarm rate + miss rate on `dev`; the lower value on a tie."""
    if not any(r.in_corpus for r in dev) or all(r.in_corpus for r in dev):
        raise ValueError("choosing a threshold needs in-corpus and out-of-corpus questions")
    scored = [rates_at(dev, threshold) for threshold in sorted(grid)]
    return min(scored, key=lambda rates: (round(rates.false_alarm + rates.miss, 9), rates.threshold))


def _share(flags: list[bool]) -> float:
    return float(np.mean(flags)) if flags else 0.0


def format_report(results: Sequence[FirstResult], chosen: Rates, markdown: bool = False) -> str:
    from vraagbaak.eval.report import grid_lines

    header = [
        "split",
        "threshold",
        "in-corpus n",
        "false alarm",
        "false alarm (first right)",
        "out-of-corpus n",
        "miss",
    ]
    rows = []
    for split in ("dev", "test"):
        part = [r for r in results if r.split == split]
        for threshold in sorted({chosen.threshold, CLOSE_MATCH_COSINE}):
            rates = rates_at(part, threshold)
            rows.append(
                [
                    split,
                    f"{threshold:.3f}" + (" (chosen)" if threshold == chosen.threshold else " (shipped)"),
                    str(rates.n_in),
                    f"{rates.false_alarm:.3f}",
                    f"{rates.false_alarm_correct:.3f}",
                    str(rates.n_out),
                    f"{rates.miss:.3f}",
                ]
            )
    lines = [f"Close-match threshold chosen on dev: {chosen.threshold:.3f}", ""]
    lines += grid_lines(header, rows, markdown)
    outside = sorted((r for r in results if not r.in_corpus), key=lambda r: -r.cosine)[:5]
    lines += ["", "Highest first-result cosines of out-of-corpus questions: "]
    lines[-1] += ", ".join(f"{r.id} {r.cosine:.3f} ({r.split})" for r in outside)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vraagbaak.eval.close_match_threshold", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, action="append", required=True, help="in-corpus questions")
    parser.add_argument("--out-of-corpus", type=Path, required=True)
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args(argv)
    from vraagbaak.errors import VraagbaakError
    from vraagbaak.eval.dataset import DatasetError
    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.settings import Settings

    try:
        questions = [q for path in args.questions for q in load_questions(path)]
        outside = load_out_of_corpus(args.out_of_corpus)
        settings = Settings()
        retriever = open_retriever(args.index, settings.model_cache, engine=settings.query_engine)
    except (DatasetError, VraagbaakError) as error:
        sys.stderr.write(f"close_match_threshold: {error}\n")
        return 1
    results = first_results(retriever, questions, outside)
    chosen = choose_threshold([r for r in results if r.split == "dev"])
    sys.stdout.write(format_report(results, chosen))
    if args.markdown:
        args.markdown.write_text(format_report(results, chosen, markdown=True), encoding="utf-8")
        sys.stdout.write(f"wrote {args.markdown}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
