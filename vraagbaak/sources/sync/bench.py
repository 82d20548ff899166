"""`vraagbaak bench --sections sync`: how fast sync fills an index, and that its memory stays flat.

The stand-in service (`vraagbaak.sources.tk.stand_in`) runs in this process and serves real files cycled
under new ids: the PDFs of the folders given (the seeds and `--parse-docs`), as the source serves PDFs,
or their text files where there is no PDF. Each measured sync runs in a
fresh child process (`python -m vraagbaak.sources.sync.bench`) with the real parse worker and a fresh index,
and reports its figures and its own peak RSS:

- fetch + parse + index write on 500 and 2,000 documents, with a hash encoder standing in for the model
  (the model's memory and time are constant per passage; this keeps the 2,000-document run in minutes);
- embedding with the real model on a smaller set, for passages/s and units/s;
- the rate limit is lifted for the local service: against the real one, `VRAAGBAAK_SYNC_REQUESTS_PER_SECOND`
  (4 by default, one request per file) bounds fetching, and the estimate below takes that into account.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from vraagbaak.model.hash_encoder import HashEncoder
from vraagbaak.sources.tk.stand_in.entities import tk_document
from vraagbaak.sources.tk.stand_in.server import FakeTkOData
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)

SIZES = (500, 2000)
EMBED_DOCUMENTS = 40
RECORD_DOCUMENTS = 150_000
"""Rough size of the record since 2008 in the synced kinds: about 8,000 documents a year (questions,
answers, postponements, lists of questions) over 18 years. An assumption, stated with the estimate."""
POLITE_REQUESTS_PER_SECOND = 4.0
SOORTEN = ("Antwoord schriftelijke vragen", "Schriftelijke vragen", "Lijst van vragen en antwoorden")


def corpus_files(folders: Sequence[Path]) -> list[tuple[bytes, str]]:
    """(bytes, content type) of the PDFs in the folders, as the source serves them; text files where none."""
    paths = sorted(path for folder in folders for path in folder.iterdir() if path.suffix in (".pdf", ".txt"))
    pdfs = [path for path in paths if path.suffix == ".pdf"]
    if pdfs:
        return [(path.read_bytes(), "application/pdf") for path in pdfs]
    if not paths:
        raise ValueError(f"no .pdf or .txt files in {', '.join(map(str, folders))}")
    return [(path.read_bytes(), "text/plain; charset=utf-8") for path in paths]


def publish(stand_in: FakeTkOData, count: int, files: Sequence[tuple[bytes, str]]) -> None:
    """`count` documents, each its own Zaak and KOOP id, the files cycled (the bytes shared, not copied)."""
    for number in range(count):
        data, content_type = files[number % len(files)]
        entity = tk_document(
            SOORTEN[number % len(SOORTEN)],
            nummer=f"2024D{number:05d}",
            koop_id=f"ah-tk-bench-{number}",
            zaak_nummer=f"2024Z{number:05d}",
        )
        doc_id = stand_in.add(entity)
        stand_in.set_file(doc_id, data, content_type)


def _child_command(url: str, index_dir: Path, encoder: str, model_cache: Path | None) -> list[str]:
    command = [sys.executable, "-m", "vraagbaak.sources.sync.bench", "--url", url, "--index", str(index_dir)]
    command += ["--encoder", encoder]
    if model_cache is not None:
        command += ["--model-cache", str(model_cache)]
    return command


def _measure(url: str, encoder: str, model_cache: Path | None, work: Path, label: str) -> dict[str, Any]:
    index_dir = work / f"index-{label}"
    done = subprocess.run(
        _child_command(url, index_dir, encoder, model_cache), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"sync bench child ({label}) failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _rates(figures: dict[str, Any]) -> dict[str, float]:
    documents = figures["indexed"] + figures["superseded"] + figures["empty"]
    fetch_parse = figures["fetch_seconds"] + figures["parse_seconds"]
    return {
        "documents": documents,
        "fetch_parse_docs_per_s": documents / fetch_parse if fetch_parse else 0.0,
        "fetch_parse_units_per_s": figures["units"] / fetch_parse if fetch_parse else 0.0,
        "write_docs_per_s": documents / figures["write_seconds"] if figures["write_seconds"] else 0.0,
        "embed_passages_per_s": figures["embedded"] / figures["encode_seconds"] if figures["encode_seconds"] else 0.0,
        "embed_units_per_s": figures["units"] / figures["encode_seconds"] if figures["encode_seconds"] else 0.0,
        "total_docs_per_s": documents / figures["seconds"] if figures["seconds"] else 0.0,
    }


def run_sync_bench(
    folders: Sequence[Path],
    model_cache: Path,
    *,
    sizes: Sequence[int] = SIZES,
    embed_documents: int = EMBED_DOCUMENTS,
    work_dir: Path | None = None,
) -> dict[str, Any]:
    """Every measurement of the section, as one JSON-ready dict."""
    files = corpus_files(folders)
    results: dict[str, Any] = {"files": len(files), "runs": []}
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="sync-bench-") as scratch:
        work = Path(scratch)
        for count in sizes:
            with FakeTkOData() as stand_in:
                publish(stand_in, count, files)
                figures = _measure(stand_in.base_url, "hash", None, work, f"hash-{count}")
            results["runs"].append({"documents": count, "encoder": "hash", **figures, "rates": _rates(figures)})
            logger.info("sync bench: %d documents, hash encoder: %s", count, results["runs"][-1]["rates"])
        if embed_documents:  # 0: leave the model out (the test of this bench)
            with FakeTkOData() as stand_in:
                publish(stand_in, embed_documents, files)
                figures = _measure(stand_in.base_url, "model", model_cache, work, "model")
            run = {"documents": embed_documents, "encoder": "model", **figures, "rates": _rates(figures)}
            results["runs"].append(run)
    results["estimate"] = estimate(results)
    return results


def estimate(results: dict[str, Any]) -> dict[str, Any]:
    """Hours for the whole record since 2008 on this machine: fetching at the polite rate, parsing, embedding."""
    hash_runs = [run for run in results["runs"] if run["encoder"] == "hash"]
    model_runs = [run for run in results["runs"] if run["encoder"] == "model"]
    largest = max(hash_runs, key=lambda run: run["documents"])
    units_per_doc = largest["units"] / max(1, largest["rates"]["documents"])
    passages_per_unit = model_runs[0]["embedded"] / max(1, model_runs[0]["units"]) if model_runs else 2.0
    parse_s = largest["parse_seconds"] / max(1, largest["rates"]["documents"])
    write_s = largest["write_seconds"] / max(1, largest["rates"]["documents"])
    embed_rate = model_runs[0]["rates"]["embed_passages_per_s"] if model_runs else 0.0
    per_doc = {
        "fetch_at_polite_rate_s": 1.0 / POLITE_REQUESTS_PER_SECOND,
        "parse_s": parse_s,
        "write_s": write_s,
        "embed_s": units_per_doc * passages_per_unit / embed_rate if embed_rate else None,
    }
    cpu_hours = sum(v for v in per_doc.values() if v) * RECORD_DOCUMENTS / 3600
    return {
        "record_documents_assumed": RECORD_DOCUMENTS,
        "units_per_document": round(units_per_doc, 2),
        "passages_per_unit": round(passages_per_unit, 2),
        "seconds_per_document": per_doc,
        "hours_2_cores": round(cpu_hours, 1),
        "hours_fetching_alone_at_polite_rate": round(RECORD_DOCUMENTS / POLITE_REQUESTS_PER_SECOND / 3600, 1),
    }


def format_sync(results: dict[str, Any]) -> str:
    lines = ["sync (stand-in service on 127.0.0.1, real files, real parse worker; child process per run)"]
    for run in results["runs"]:
        rates = run["rates"]
        lines.append(
            f"  {run['documents']:>5} docs, {run['encoder']:>5} encoder: "
            f"fetch+parse {rates['fetch_parse_docs_per_s']:.1f} docs/s "
            f"({rates['fetch_parse_units_per_s']:.0f} units/s), "
            f"index write {rates['write_docs_per_s']:.1f} docs/s, "
            f"embed {rates['embed_passages_per_s']:.1f} passages/s ({rates['embed_units_per_s']:.1f} units/s), "
            f"all {rates['total_docs_per_s']:.1f} docs/s, peak RSS {run['peak_rss_mib']:.0f} MiB"
        )
    hash_runs = sorted((run for run in results["runs"] if run["encoder"] == "hash"), key=lambda r: r["documents"])
    if len(hash_runs) >= 2:
        small, large = hash_runs[0], hash_runs[-1]
        ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
        lines.append(
            f"  peak RSS {large['documents']} / {small['documents']} docs: {ratio:.2f}x "
            f"(target <= 1.15: {'met' if ratio <= 1.15 else 'not met'})"
        )
    guess = results["estimate"]
    fetching = guess["hours_fetching_alone_at_polite_rate"]
    lines.append(
        f"  whole record (~{guess['record_documents_assumed']:,} documents assumed): about "
        f"{guess['hours_2_cores']} h on this machine, of which {fetching} h is fetching at 4 requests/s"
    )
    return "\n".join(lines)


def _child(argv: list[str] | None = None) -> int:
    """One measured sync in this fresh process; prints its figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m vraagbaak.sources.sync.bench")
    parser.add_argument("--url", required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--encoder", choices=("hash", "model"), default="hash")
    parser.add_argument("--model-cache", type=Path, default=None)
    args = parser.parse_args(argv)

    from vraagbaak.model.encoder import Encoder
    from vraagbaak.model.tokens import length_function_for
    from vraagbaak.parsing.isolation import ParseLimits, ParseWorker
    from vraagbaak.settings import BUNDLED_MODEL, Settings
    from vraagbaak.sources.sync.index_writer import IndexWriter
    from vraagbaak.sources.sync.run import Syncer, SyncOptions
    from vraagbaak.sources.sync.state import SyncState
    from vraagbaak.sources.tk.client import TkOData

    settings = Settings()
    encoder: Encoder
    if args.encoder == "model":
        from vraagbaak.model.sentence_transformers_encoder import load_encoder

        encoder = load_encoder(BUNDLED_MODEL, args.model_cache or settings.model_cache)
        length_function = length_function_for(encoder, args.model_cache or settings.model_cache)
    else:
        encoder = HashEncoder()
        length_function = encoder.count_tokens
    with (
        TkOData(args.url, requests_per_second=None) as client,
        ParseWorker(ParseLimits.from_settings(settings)) as worker,
    ):

        def parse(raw: bytes, doc_id: str, name: str) -> ParsedDocument:
            return worker.parse_bytes(raw, doc_id, name, length_function=length_function)

        state = SyncState(args.index / "sync.sqlite3")
        report = Syncer(client, state, IndexWriter(args.index, encoder), parse, SyncOptions(kinds=SOORTEN)).run()
    figures = asdict(report)
    figures.pop("failures")
    figures["failed_reasons"] = report.failures[:5]
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(_child())
