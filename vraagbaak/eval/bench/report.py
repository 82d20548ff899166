"""The bench's results as a plain-text table, Markdown, and PNG plots."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vraagbaak.eval.bench.parse_speed import rows as parse_rows
from vraagbaak.eval.bench.stats import Target


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f} %"


def _rows(results: Mapping[str, Any], targets: list[Target]) -> list[tuple[str, list[list[str]], list[str]]]:
    """(title, rows, header) per section, shared by the text table and Markdown."""
    sections: list[tuple[str, list[list[str]], list[str]]] = []
    query = results.get("query")
    if query:
        title = f"Query path in process (hybrid, k={query['k']}, {query['questions']} questions × {query['rounds']})"
        rows = []
        for name, figures in (("served", query), ("reference", results.get("query_reference"))):
            if not figures:
                continue
            engine = figures.get("engine", "SentenceTransformerEncoder")
            for label, key in (("bare encode_queries([q])", "encode"), ("hybrid search", "hybrid"),
                               ("retrieval only (vector given)", "retrieval_only")):  # fmt: skip
                latency = figures[key]
                rows.append([
                    f"{name} ({engine}): {label}", f"{latency['p50_ms']:.1f}", f"{latency['p95_ms']:.1f}",
                    f"{latency['p99_ms']:.1f}",
                ])  # fmt: skip
            rows.append([f"{name}: search p50 / encode p50", f"{figures['overhead_ratio_p50']:.2f}×", "", ""])
        parity = query.get("parity")
        if parity:
            rows.append([
                "served vs reference query vectors, cosine min / mean",
                f"{parity['cosine_min']:.5f}", f"{parity['cosine_mean']:.5f}", "",
            ])  # fmt: skip
        sections.append((title, rows, ["path", "p50 ms", "p95 ms", "p99 ms"]))
    http = results.get("http")
    if http:
        title = (
            f"HTTP ({http['endpoint']}, k={http['k']}, "
            f"{http['duration_s']} s per level after {http['warmup_s']} s warm-up)"
        )
        rows = []
        for level in http["levels"]:
            latency = level["latency"] or {}
            rows.append([
                str(level["concurrency"]), str(level["requests"]), str(level["errors"]),
                f"{level['throughput_rps']:.1f}", f"{latency.get('p50_ms', 0):.1f}", f"{latency.get('p95_ms', 0):.1f}",
                f"{latency.get('p99_ms', 0):.1f}", str(level.get("mean_encode_batch") or "-"),
                _percent(level.get("encoder_busy")), str(level.get("encode_ms_per_question") or "-"),
            ])  # fmt: skip
        around = http.get("in_process_p50_ms_around_c1")
        if around:
            both = " / ".join(f"{value:.1f}" for value in around)
            rows.append(["in-process, before/after c=1", "", "", "", both, "", "", "", "", ""])
        elif query:
            rows.append(["in-process", "", "", "", f"{query['hybrid']['p50_ms']:.1f}", "", "", "", "", ""])
        floor = http.get("engine_floor")
        if floor:
            rows.append([
                "engine alone: one at a time / best batch", "", "", f"{floor['best_batched_qps']:.1f}",
                f"{floor['single_p50_ms']:.1f}", "", "", "", "", "",
            ])  # fmt: skip
        header = [
            "concurrency", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "mean encode batch",
            "encoder busy", "encode ms/question",
        ]  # fmt: skip
        sections.append((title, rows, header))
    build = results.get("build")
    if build:
        title = f"Index build ({build['documents']} documents, {build['units']} units, {build['passages']} passages)"
        rows = [
            ["vraagbaak build_index", f"{build['build_s']:.1f}", f"{build['passages_per_s']:.2f}"],
            ["bare encode, same texts", f"{build['bare_encode_s']:.1f}", f"{build['bare_encode_passages_per_s']:.2f}"],
            ["ratio build / bare", "", f"{build['ratio']:.2f}×"],
            ["peak RSS of the bench process (model + build)", "", f"{build['peak_rss_mib']:.0f} MiB"],
        ]
        sections.append((title, rows, ["", "seconds", "passages/s"]))
    if results.get("build_ray"):
        from vraagbaak.eval.bench.build import ray_rows

        sections.append(ray_rows(results["build_ray"]))
    if results.get("updates"):
        from vraagbaak.eval.bench.updates import update_rows

        sections.append(update_rows(results["updates"]))
    cold = results.get("cold_start")
    if cold:
        rows = [
            ["process start → /readyz 200", f"{cold['ready_s']:.2f} s"],
            ["RSS at ready", f"{cold['rss_at_ready_mib']} MiB"],
            ["steady RSS, idle", f"{cold['steady_rss_idle_mib']} MiB"],
            ["steady RSS, after load", f"{cold.get('steady_rss_after_load_mib')} MiB"],
            ["peak RSS (VmHWM)", f"{cold.get('peak_rss_mib')} MiB"],
        ]
        title = "Cold start of `vraagbaak serve` (seed index, materialised model)"
        sections.append((title, rows, ["measure", "value"]))
    scale = results.get("scale")
    if scale:
        rows = []
        for entry in scale.get("vectors", []):
            for index in entry["indexes"]:
                for point in index["sweep"]:
                    rows.append([
                        f"{entry['size']:,}", index["name"], f"{index['build_s']:.1f}", f"{index['index_mib']:.0f}",
                        f"{index['rss_delta_mib']:.0f}", point["param"] + (" *" if point.get("default") else ""),
                        f"{point['recall@10']:.3f}", f"{point['p50_ms']:.2f}", f"{point['p99_ms']:.2f}",
                    ])  # fmt: skip
        header = ["vectors", "index", "build s", "index MiB", "RSS Δ MiB", "param (* default)", "recall@10", "p50 ms",
                  "p99 ms"]  # fmt: skip
        sections.append(("Scale: FAISS on synthetic vectors, 384-d (recipe below)", rows, header))
        rows = [
            [f"{entry['size']:,}", f"{entry['words']:,}", f"{entry['build_s']:.1f}", f"{entry['units_per_s']:.0f}",
             f"{entry['rss_delta_mib']:.0f}", f"{entry['p50_ms']:.2f}", f"{entry['p99_ms']:.2f}"]
            for entry in scale.get("lexical", [])
        ]  # fmt: skip
        header = ["units", "words", "build s", "units/s", "RSS Δ MiB", "query p50 ms", "query p99 ms"]
        sections.append(("Scale: BM25 on synthetic text (scores + top-10)", rows, header))
    parse = results.get("parse")
    if parse:
        title = f"Parse speed: parse_text, best of 2-3 runs, on text cut from {parse['sources']}"
        sections.append((title, parse_rows(parse), ["shape", "size", "seconds", "s/MB", "parsed as", "growth"]))
    rows = [[target.name, target.rule, target.measured, target.verdict] for target in targets]
    sections.append(("Targets", rows, ["target", "rule", "measured", "verdict"]))
    return sections


def _machine_line(results: Mapping[str, Any]) -> str:
    machine = results.get("machine", {})
    return (
        f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('memory_gib', '?')} GiB; "
        f"load average {machine.get('load_start', '?')} at start, {machine.get('load_end', '?')} at end"
    )


def format_table(results: Mapping[str, Any], targets: list[Target]) -> str:
    lines = [f"vraagbaak bench ({'quick' if results['config']['quick'] else 'full'}) on {_machine_line(results)}"]
    for title, rows, header in _rows(results, targets):
        lines += ["", title]
        table = [header, *rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    scale = results.get("scale")
    if scale:
        lines += ["", f"synthetic vectors: {scale['recipe']['vectors']}", f"synthetic text: {scale['recipe']['text']}"]
        for entry in scale.get("vectors", []):
            if "shape" in entry:
                lines.append(f"  {entry['size']:,} vectors: {entry['shape']}")
        if "seed_shape" in scale:
            lines.append(f"  real seed index: {scale['seed_shape']}")
    return "\n".join(lines)


def format_markdown(results: Mapping[str, Any], targets: list[Target], plots: list[str]) -> str:
    lines = [
        "# vraagbaak bench",
        "",
        f"Command: `{results['config']['command']}`  ",
        f"Machine: {_machine_line(results)}  ",
        f"Started: {results['started']}, took {results.get('took_s', '?')} s",
    ]
    for title, rows, header in _rows(results, targets):
        lines += ["", f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    scale = results.get("scale")
    if scale:
        lines += ["", "## How the synthetic corpus is made", ""]
        lines += [f"- {name}: {text}" for name, text in scale["recipe"].items()]
        lines += [f"- parameters: {note}" for note in scale.get("notes", [])]
    for plot in plots:
        lines += ["", f"![{plot}]({plot})"]
    return "\n".join(lines) + "\n"


def write_plots(results: Mapping[str, Any], out: Path) -> list[str]:
    """Latency and throughput vs concurrency, recall vs latency at the largest size; [] without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    levels = [level for level in (results.get("http") or {}).get("levels", []) if level.get("latency")]
    if levels:
        figure, left = plt.subplots(figsize=(6, 4))
        concurrency = [level["concurrency"] for level in levels]
        for key in ("p50_ms", "p99_ms"):
            left.plot(concurrency, [level["latency"][key] for level in levels], marker="o", label=key)
        left.set_xscale("log", base=2)
        left.set_xlabel("concurrency")
        left.set_ylabel("latency (ms)")
        right = left.twinx()
        right.plot(concurrency, [level["throughput_rps"] for level in levels], "k--", marker="s", label="req/s")
        right.set_ylabel("throughput (req/s)")
        left.legend(loc="upper left")
        right.legend(loc="upper center")
        left.set_title("POST /v1/search, k=10")
        figure.tight_layout()
        figure.savefig(out / "latency_vs_concurrency.png", dpi=120)
        plt.close(figure)
        written.append("latency_vs_concurrency.png")
    sizes = (results.get("scale") or {}).get("vectors", [])
    if sizes:
        entry = max(sizes, key=lambda item: item["size"])
        figure, axis = plt.subplots(figsize=(6, 4))
        for index in entry["indexes"]:
            points = index["sweep"]
            axis.plot([p["p50_ms"] for p in points], [p["recall@10"] for p in points], marker="o", label=index["name"])
        axis.set_xscale("log")
        axis.set_xlabel("p50 search latency (ms, one query)")
        axis.set_ylabel("recall@10 vs exact")
        axis.set_title(f"{entry['size']:,} synthetic vectors")
        axis.legend()
        figure.tight_layout()
        figure.savefig(out / "recall_vs_latency.png", dpi=120)
        plt.close(figure)
        written.append("recall_vs_latency.png")
    return written
