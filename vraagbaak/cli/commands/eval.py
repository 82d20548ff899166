"""`vraagbaak eval run|crossref|tune`: measure retrieval on held-out questions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vraagbaak.settings import Settings

if TYPE_CHECKING:
    from vraagbaak.eval.dataset import EvalQuestion

# vraagbaak.eval.runner.VARIANTS (a test keeps them equal; importing eval here would slow every command)
MODE_CHOICES = (
    "hybrid",
    "dense",
    "lexical",
    "dense-question",
    "dense-answer",
    "hybrid-rrf",
    "hybrid-minmax",
    "hybrid-no-siblings",
    "hybrid-no-focus",
    "hybrid-grouped",
    "hybrid-grouped-plain",
)


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("eval", help="evaluate retrieval on held-out questions")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    run = actions.add_parser("run", help="metrics for a question file against an index or a running service")
    run.add_argument(
        "--questions",
        type=Path,
        action="append",
        required=True,
        help="JSON Lines question file (repeatable; ids must be unique across files)",
    )
    run.add_argument(
        "--mode",
        default="hybrid",
        choices=(*MODE_CHOICES, "all"),
        help="search mode, single-signal baseline, alternative fusion, or all of them (default: hybrid)",
    )
    run.add_argument("--k", type=int, default=10, help="results per question (default: 10)")
    run.add_argument(
        "--split",
        choices=("dev", "test", "all"),
        default="test",
        help="which part of the questions to use (default: test; tune on dev)",
    )
    run.add_argument("--index", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    run.add_argument("--url", default=None, help="evaluate a running service instead, e.g. http://127.0.0.1:8000")
    run.add_argument(
        "--fusion-weights",
        type=_weights,
        default=None,
        metavar="Q,A,L",
        help="in-process only: weighted RRF with these question, answer and lexical weights (not the default fusion)",
    )
    run.add_argument("--rrf-k", type=int, default=None, help="in-process only: rrf_k instead of the index default")
    run.add_argument("--json", type=Path, default=None, dest="json_out", help="write all figures as JSON")
    run.add_argument("--markdown", type=Path, default=None, help="write a Markdown report")
    run.add_argument("--plot", type=Path, default=None, help="write recall@k curves as PNG (needs matplotlib)")
    run.set_defaults(handler=run_eval)

    crossref = actions.add_parser("crossref", help="generate held-out questions from cross-references")
    crossref.add_argument("paths", nargs="*", type=Path, help="corpus files or folders (default: VRAAGBAAK_SEEDS_DIR)")
    crossref.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    crossref.set_defaults(handler=run_crossref)

    tune = actions.add_parser("tune", help="compare variants, fusion weights and question prompts on the dev split")
    tune.add_argument("--questions", type=Path, action="append", required=True, help="question file (repeatable)")
    tune.add_argument("--k", type=int, default=10)
    tune.add_argument("--index", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    tune.add_argument(
        "--alt-index",
        type=Path,
        default=None,
        help="index storing questions with the other prompt; built here from the seeds if absent",
    )
    tune.add_argument("--top", type=int, default=12, help="grid rows to show (default: 12)")
    tune.add_argument(
        "--weights",
        type=_weights,
        default=None,
        help="comma-separated fusion weights for the grid (default: 0.5,1,1.5,2; 0 switches a signal off)",
    )
    tune.add_argument(
        "--rrf-k",
        type=_weights,
        default=None,
        help="comma-separated rrf_k values for the grid (default: the index's, 60)",
    )
    tune.add_argument("--json", type=Path, default=None, dest="json_out")
    tune.add_argument("--markdown", type=Path, default=None)
    tune.set_defaults(handler=run_tune)


def _weights(text: str) -> tuple[float, ...]:
    try:
        weights = tuple(float(part) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from error
    if not weights or any(w < 0 for w in weights):
        raise argparse.ArgumentTypeError(f"weights must be zero or more, got {text!r}")
    return weights


def _load(paths: list[Path]) -> list[EvalQuestion]:
    from vraagbaak.eval.dataset import DatasetError, load_questions

    questions: list[EvalQuestion] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for question in load_questions(path):
            if question.id in seen:
                raise DatasetError(f"question id {question.id!r} occurs in both {seen[question.id]} and {path}")
            seen[question.id] = path
            questions.append(question)
    return questions


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.eval.dataset import select_split
    from vraagbaak.eval.report import format_markdown, format_table, results_document, write_plot
    from vraagbaak.eval.runner import HttpSearcher, InProcessSearcher, Searcher, resolve_variants, run_evaluation
    from vraagbaak.eval.tuning import fusion_label

    questions = select_split(_load(args.questions), args.split)
    if not questions:
        print(f"vraagbaak eval run: no questions in the {args.split} split", file=sys.stderr)
        return 1
    searcher: Searcher
    fusion = None
    if args.url:
        if args.fusion_weights or args.rrf_k:
            print(
                "vraagbaak eval run: --fusion-weights and --rrf-k work in-process only, not with --url", file=sys.stderr
            )
            return 2
        searcher = HttpSearcher(args.url)
    else:
        from vraagbaak.retrieval.retriever import FusionConfig, open_retriever

        if args.fusion_weights or args.rrf_k:
            weights = args.fusion_weights or (1.0, 1.0, 1.0)
            if len(weights) != 3 or (args.rrf_k is not None and args.rrf_k < 1):
                print(
                    "vraagbaak eval run: --fusion-weights takes three numbers Q,A,L; --rrf-k one >= 1", file=sys.stderr
                )
                return 2
            question, answer, lexical = weights
            fusion = FusionConfig(method="rrf", question_weight=question, answer_weight=answer, lexical_weight=lexical)
            if args.rrf_k:
                fusion = fusion.model_copy(update={"rrf_k": args.rrf_k})
        index_dir = args.index or settings.index_dir
        retriever = open_retriever(
            index_dir,
            settings.model_cache,
            batch_size=settings.encode_batch_size,
            fusion=fusion,
            engine=settings.query_engine,
        )
        searcher = InProcessSearcher(retriever, target=str(index_dir), group_units=settings.group_units)
    try:
        results = run_evaluation(questions, searcher, resolve_variants(args.mode, searcher), args.k)
    finally:
        if isinstance(searcher, HttpSearcher):
            searcher.close()
    context = {
        "questions": ", ".join(map(str, args.questions)),
        "split": args.split,
        "k": args.k,
        "target": searcher.target,
    }
    if fusion is not None:
        context["fusion"] = fusion_label(fusion)
    print(f"{len(questions)} questions ({args.split} split) against {searcher.target}, k={args.k}\n")
    print(format_table(results))
    if args.json_out:
        args.json_out.write_text(json.dumps(results_document(results, context), indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {args.json_out}")
    if args.plot:
        write_plot(results, args.plot, title=f"{args.split} split, {len(questions)} questions")
        print(f"wrote {args.plot}")
    if args.markdown:
        plot = os.path.relpath(args.plot, args.markdown.parent) if args.plot else None
        args.markdown.write_text(format_markdown(results, context, plot), encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0


def run_crossref(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.eval.crossref import heldout_questions
    from vraagbaak.eval.dataset import dump_question
    from vraagbaak.parsing import parse_paths

    parsed, failures = parse_paths(args.paths or [settings.seeds_dir])
    for path, reason in failures:
        print(f"vraagbaak eval crossref: skipped {path}: {reason}", file=sys.stderr)
    lines = [dump_question(question) + "\n" for question in heldout_questions(parsed)]
    if args.out:
        args.out.write_text("".join(lines), encoding="utf-8")
        print(f"wrote {len(lines)} questions to {args.out}")
    else:
        sys.stdout.write("".join(lines))
    return 0


def run_tune(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.eval.runner import InProcessSearcher
    from vraagbaak.eval.tuning import GRID_WEIGHTS, Prompt, build_prompt_index, format_tuning, tune
    from vraagbaak.retrieval.retriever import Retriever, open_retriever
    from vraagbaak.store.generations import index_exists

    index_dir = args.index or settings.index_dir
    retriever = open_retriever(
        index_dir, settings.model_cache, batch_size=settings.encode_batch_size, engine=settings.query_engine
    )
    searcher = InProcessSearcher(retriever, target=str(index_dir))
    alt = None
    if args.alt_index:
        if not index_exists(args.alt_index):
            current = retriever.content.manifest.chunking.question_prompt
            other: Prompt = "passage" if current == "query" else "query"
            build_prompt_index([settings.seeds_dir], args.alt_index, other, searcher, show_progress=True)
        alt = InProcessSearcher(Retriever.load(args.alt_index, retriever.encoder), target=str(args.alt_index))
    report = tune(
        _load(args.questions),
        searcher,
        k=args.k,
        alt_searcher=alt,
        weights=args.weights or GRID_WEIGHTS,
        rrf_ks=tuple(int(value) for value in args.rrf_k or ()),
    )
    print(format_tuning(report, args.top))
    if args.json_out:
        args.json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n")
        print(f"wrote {args.json_out}")
    if args.markdown:
        args.markdown.write_text(format_tuning(report, args.top, markdown=True), encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0
