"""`vraagbaak bench`: query, HTTP, build, cold-start and scale figures next to their references."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from vraagbaak.settings import Settings


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(float(part)) for part in value.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected sizes like 100000,1000000, got {value!r}") from error
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError(f"sizes must be at least 100, got {value!r}")
    return sizes


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from error
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def _ints(value: str) -> tuple[int, ...]:
    try:
        numbers = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,4,16,64, got {value!r}") from error
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers, got {value!r}")
    return numbers


SYNC = "sync"


def register(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser(
        "bench",
        help="measure search, HTTP, build, cold start and scale against their references",
        description="Every figure comes with its reference from the same run; targets are ratios. "
        "--quick: the seeds only (build, query path, HTTP, cold start) and parse speed to 1 MB, about 4 minutes "
        "on 2 cores. "
        "--scale: FAISS and BM25 at 100k and 1M synthetic units, about 20 minutes. Neither: both, and the "
        "updates section (add and remove one document at 10k, 100k and 300k synthetic units).",
    )
    size = bench.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help="seeds only: a slice of the build, the query path, short HTTP levels"
    )
    size.add_argument("--scale", action="store_true", help="only the scale section (100k and 1M units)")
    bench.add_argument("--out", type=Path, default=None, help="write bench.json, bench.md and plots to this folder")
    bench.add_argument("--seeds", type=Path, default=None, help="corpus folder (default: VRAAGBAAK_SEEDS_DIR)")
    bench.add_argument(
        "--index", type=Path, default=None, help="existing index for the query sections (default: build the seeds)"
    )
    bench.add_argument(
        "--sections",
        default=None,
        help="comma-separated subset of build,query,http,scale,parse,ray,updates,sync (default: all; "
        "--quick: build,query,http,parse; --scale: scale)",
    )
    bench.add_argument("--scale-sizes", type=_sizes, default=None, help="default 100000,1000000")
    bench.add_argument(
        "--update-sizes", type=_sizes, default=None, help="updates section (default 10000,100000,300000)"
    )
    bench.add_argument("--concurrency", type=_ints, default=(1, 4, 16, 64), help="load levels (default: 1,4,16,64)")
    bench.add_argument("--duration", type=float, default=None, help="measured seconds per load level (10; quick 3)")
    bench.add_argument("--build-units", type=int, default=None, help="build only this many seed units (quick: 30)")
    bench.add_argument(
        "--questions", type=_positive, default=None, help="seed questions per query section (100; quick 40)"
    )
    bench.add_argument(
        "--parse-docs", type=Path, default=None, help="more real *.txt documents for the parse section's text"
    )
    bench.set_defaults(handler=run_bench_command)


def _run_sync_section(args: argparse.Namespace, settings: Settings) -> None:
    """The sync section lives with the sync (the evaluation package does not import the sources)."""
    from vraagbaak.sources.sync.bench import format_sync, run_sync_bench

    folders = [args.seeds or settings.seeds_dir, *([args.parse_docs] if args.parse_docs else [])]
    results = run_sync_bench(folders, settings.model_cache)
    print(format_sync(results), flush=True)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "sync.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def run_bench_command(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.eval.bench.parse_speed import parse_target
    from vraagbaak.eval.bench.report import format_markdown, format_table, write_plots
    from vraagbaak.eval.bench.run import QUICK_SECTIONS, SECTIONS, BenchConfig, run_bench
    from vraagbaak.eval.bench.stats import evaluate_targets

    every = (*SECTIONS, SYNC)
    chosen = args.sections or (QUICK_SECTIONS if args.quick else "scale" if args.scale else ",".join(every))
    sections = tuple(part.strip() for part in chosen.split(",") if part.strip())
    unknown = sorted(set(sections) - set(every))
    if unknown or not sections:
        print(f"vraagbaak bench: unknown sections {unknown}; choose from {', '.join(every)}", file=sys.stderr)
        return 2
    if args.index is not None and not args.index.is_dir():
        print(f"vraagbaak bench: --index {args.index} is not a directory", file=sys.stderr)
        return 2
    config = BenchConfig(
        seeds_dir=args.seeds or settings.seeds_dir,
        model=settings.model,
        model_cache=settings.model_cache,
        quick=args.quick,
        index_dir=args.index,
        sections=tuple(section for section in sections if section != SYNC),
        scale_sizes=args.scale_sizes,
        update_sizes=args.update_sizes,
        duration_s=args.duration,
        concurrencies=args.concurrency,
        build_units=args.build_units,
        questions=args.questions,
        parse_docs=args.parse_docs,
        command="vraagbaak " + shlex.join(sys.argv[1:] if sys.argv[1:2] == ["bench"] else ["bench"]),
    )
    if SYNC in sections:
        _run_sync_section(args, settings)
    if not config.sections:
        return 0
    results = run_bench(config)
    targets = evaluate_targets(results)
    if (parse := parse_target(results)) is not None:
        targets.append(parse)
    results["targets"] = [target.as_dict() for target in targets]
    print(format_table(results, targets))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        plots = write_plots(results, args.out)
        (args.out / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        (args.out / "bench.md").write_text(format_markdown(results, targets, plots), encoding="utf-8")
        print(f"\nwrote {args.out / 'bench.json'}, {args.out / 'bench.md'}" + "".join(f", {p}" for p in plots))
    return 0
