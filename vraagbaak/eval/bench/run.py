"""`run_bench`: every section in one process and one run, in an order that keeps them apart.

Parse speed first (no model loaded), then build (its peak RSS is then the model plus the build), then the query
path on the built index (or `index_dir`), then the service in its own
process, then scale and updates last, because they take gigabytes.
"""

from __future__ import annotations

import datetime
import logging
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vraagbaak.eval.bench import inprocess, scale, serving
from vraagbaak.eval.bench.query_worker import run_query_worker

logger = logging.getLogger(__name__)

FULL_SCALE = (100_000, 1_000_000)
UPDATE_SIZES = (10_000, 100_000, 300_000)
SECTIONS = ("build", "query", "http", "scale", "parse", "ray", "updates")
QUICK_SECTIONS = "build,query,http,parse"


@dataclass
class BenchConfig:
    """What to run and how long; `quick` picks the CI-sized defaults for anything left None."""

    seeds_dir: Path
    model: str
    model_cache: Path
    quick: bool = False
    index_dir: Path | None = None
    sections: tuple[str, ...] = SECTIONS
    scale_sizes: tuple[int, ...] | None = None
    update_sizes: tuple[int, ...] | None = None  # the updates section
    duration_s: float | None = None
    warmup_s: float | None = None
    concurrencies: tuple[int, ...] = (1, 4, 16, 64)
    rounds: int | None = None
    build_units: int | None = None
    questions: int | None = None  # seed questions of the query and HTTP sections
    parse_docs: Path | None = None  # more real documents (*.txt) for the parse section to cut text from
    hnsw_default_up_to: int = 200_000
    ready_timeout_s: float = 120.0
    work_dir: Path | None = None
    command: str = "vraagbaak bench"
    extra: dict[str, Any] = field(default_factory=dict)

    def resolved(self) -> BenchConfig:
        """A copy with the quick/full defaults filled in."""
        quick = self.quick
        return BenchConfig(
            **{
                **asdict(self),
                "scale_sizes": self.scale_sizes or FULL_SCALE,
                "update_sizes": self.update_sizes or UPDATE_SIZES,
                "duration_s": self.duration_s or (3.0 if quick else 10.0),
                "warmup_s": self.warmup_s if self.warmup_s is not None else (1.0 if quick else 2.0),
                "rounds": self.rounds or (1 if quick else 2),
                # quick: a slice of every document (about 30 units); full: the whole seed corpus
                "build_units": self.build_units if self.build_units is not None else (30 if quick else None),
                "questions": self.questions or (40 if quick else 100),
            }
        )


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory_kib = 0
    import faiss
    import torch

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "load_start": _load(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "faiss": faiss.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _questions(parsed: Sequence[Any], limit: int) -> list[str]:
    """Seed questions, spread over the documents (every n-th), as the realistic query set."""
    questions = [unit.question for item in parsed for unit in item.units if unit.question.strip()]
    if not questions:
        questions = [unit.answer[:200] for item in parsed for unit in item.units]
    step = max(1, len(questions) // limit)
    return questions[::step][:limit]


def _held_out(retriever: Any, encoder: Any, stored_vectors: Any) -> tuple[Any, Any]:
    """(base vectors, query vectors): queries are real questions of every other unit, bases the rest's vectors.

    A query that is itself a generator base finds its own mixtures far too
    easily (recall 1.0 at the smallest search effort), which says nothing
    about a new question.
    """
    import numpy as np

    units = retriever.content.units
    asked = [row for row, unit in enumerate(units) if unit.question.strip()]
    query_rows = set(asked[::2][:200])
    ids, vectors = stored_vectors(retriever.content.vectors)
    vector_map = retriever.content.vector_map
    row_of_id = dict(zip(vector_map.ids.tolist(), vector_map.unit_rows.tolist(), strict=True))
    keep = np.array([row_of_id[int(i)] not in query_rows for i in ids], dtype=bool)
    queries = encoder.encode_queries([units[row].question for row in sorted(query_rows)])
    return vectors[keep], queries


def _parity(served: Any, reference: Any) -> dict[str, Any]:
    """Cosine between the served query vectors and the reference encoder's, question by question."""
    import numpy as np

    cosines = np.sum(served * reference, axis=1)
    return {"cosine_min": round(float(cosines.min()), 5), "cosine_mean": round(float(cosines.mean()), 5)}


def run_bench(config: BenchConfig) -> dict[str, Any]:
    """All requested sections; the results document that `stats.evaluate_targets` and `report` read."""
    config = config.resolved()
    assert config.scale_sizes is not None
    began = time.perf_counter()
    results: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {
            "quick": config.quick,
            "command": config.command,
            "sections": list(config.sections),
            "scale_sizes": list(config.scale_sizes),
            "update_sizes": list(config.update_sizes or ()),
            "duration_s": config.duration_s,
            "concurrencies": list(config.concurrencies),
            "rounds": config.rounds,
            "build_units": config.build_units,
            "questions": config.questions,
        },
    }
    work = Path(tempfile.mkdtemp(prefix="vraagbaak-bench-", dir=config.work_dir))
    try:
        _run_sections(config, work, results)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # built indexes and logs: hundreds of MB per run
    results["machine"]["load_end"] = _load()
    results["took_s"] = round(time.perf_counter() - began, 1)
    return results


def _run_sections(config: BenchConfig, work: Path, results: dict[str, Any]) -> None:
    from vraagbaak.model.sentence_transformers_encoder import load_encoder
    from vraagbaak.parsing import parse_paths
    from vraagbaak.retrieval.retriever import Retriever
    from vraagbaak.store.vector_index import stored_vectors

    assert config.scale_sizes is not None and config.duration_s is not None and config.warmup_s is not None
    assert config.rounds is not None and config.questions is not None
    if "parse" in config.sections:  # no model: parsing alone, first, on a quiet machine
        from vraagbaak.eval.bench.parse_speed import measure_parse_speed

        logger.info("parse section: parse_text on generated text, %s", "to 1 MB" if config.quick else "to 10 MB")
        results["parse"] = measure_parse_speed(config.seeds_dir, config.parse_docs, quick=config.quick)
        if set(config.sections) == {"parse"}:
            return
    encoder = load_encoder(config.model, config.model_cache)
    parsed, failures = parse_paths([config.seeds_dir], length_function=encoder.count_tokens)
    if failures:
        logger.warning("seeds that did not parse: %s", failures)
    questions = _questions(parsed, config.questions)

    index_dir = config.index_dir
    if "build" in config.sections:
        build_dir = work / "build-index"
        logger.info("build section: %s units max", config.build_units or "all")
        results["build"] = inprocess.measure_build(parsed, encoder, build_dir, max_units=config.build_units)
        if index_dir is None:  # quick: the query sections run on the slice that was just built
            index_dir = build_dir
    if "ray" in config.sections:  # issue 18: the same build on a local Ray, same documents, same run
        from vraagbaak.eval.bench.build import measure_ray_build

        logger.info("ray section: the build on a local Ray next to the single-process build")
        results["build_ray"] = measure_ray_build(
            parsed, encoder, config.model_cache, work / "ray", max_units=config.build_units
        )
    if index_dir is None and {"query", "http", "scale", "updates"} & set(config.sections):
        from vraagbaak.store.builder import build_index

        index_dir = work / "seed-index"
        logger.info("building the seed index for the query sections at %s", index_dir)
        build_index(parsed, encoder, index_dir)
    results["index_dir"] = str(index_dir)

    retriever = Retriever.load(index_dir, encoder) if index_dir is not None else None
    if "query" in config.sections and retriever is not None and index_dir is not None:
        logger.info("query section: %d questions × %d, as the service runs it", len(questions), config.rounds)
        served, vectors = run_query_worker(
            index_dir, config.model_cache, questions, rounds=config.rounds, work=work / "query"
        )
        served["parity"] = _parity(vectors, encoder.encode_queries(questions))
        results["query"] = served
        logger.info("query section: the sentence-transformers reference, in this process")
        results["query_reference"] = inprocess.measure_query_path(retriever, questions, rounds=config.rounds)

    if "http" in config.sections and index_dir is not None:
        logger.info("service section: concurrency %s, %s s each", config.concurrencies, config.duration_s)
        bracket_dir = work / "bracket"

        def reference() -> dict[str, Any]:
            figures, _ = run_query_worker(index_dir, config.model_cache, questions, rounds=1, work=bracket_dir)
            return figures

        cold, http = serving.measure_service(
            index_dir,
            config.model_cache,
            questions,
            concurrencies=config.concurrencies,
            duration_s=config.duration_s,
            warmup_s=config.warmup_s,
            ready_timeout_s=config.ready_timeout_s,
            log=work / "serve.log",
            reference=reference,
        )
        results["cold_start"] = cold
        results["http"] = http

    if "scale" in config.sections and retriever is not None:
        import numpy as np

        base, queries = _held_out(retriever, encoder, stored_vectors)
        scores = base @ queries.T
        top = np.sort(scores, axis=0)[::-1]
        section: dict[str, Any] = {
            "recipe": scale.describe(),
            "base_vectors": len(base),
            "query_vectors": len(queries),
            "seed_shape": {
                "mean_top1_cosine": round(float(top[0].mean()), 4),
                "mean_top10_cosine": round(float(top[min(9, len(top) - 1)].mean()), 4),
            },
            "notes": [
                "the product's default: exact (flat) up to 200,000 vectors, IVF-flat with nlist = sqrt(n) and "
                "nprobe = 64 above (FAISS trains it on at most 256 points per list)",
                f"HNSW M=32/efConstruction=80 is built up to {config.hnsw_default_up_to:,} vectors only; above "
                "that, M=16/efConstruction=40 (M=32 takes 12+ min at 1M on 2 cores)",
                "IVF-PQ: not built (not offered by the product)",
                f"{len(queries)} query vectors: the questions of every other seed unit, encoded as queries; "
                f"the {len(base)} base vectors come from the other units only, so no query is one of the bases; "
                "flat latency over at most 30 of them at 1M",
            ],
            "vectors": [],
            "lexical": [],
        }
        seed_texts = [unit.text for item in parsed for unit in item.units]
        text_questions = _questions(parsed, 200)
        results["scale"] = section
        for size in config.scale_sizes:
            logger.info("scale section: %d vectors", size)
            section["vectors"].append(
                scale.measure_vectors(
                    base,
                    queries,
                    size,
                    hnsw_default_up_to=config.hnsw_default_up_to,
                    latency_queries=len(queries),
                    flat_latency_queries=30 if size >= 1_000_000 else 100,
                )
            )
            logger.info("scale section: BM25 on %d texts", size)
            section["lexical"].append(scale.measure_lexical(seed_texts, text_questions, size))

    if "updates" in config.sections and retriever is not None:  # issue 15: add and remove at 10k-300k units
        from vraagbaak.eval.bench.updates import measure_updates

        _, seed_vectors = stored_vectors(retriever.content.vectors)
        units = [unit for item in parsed for unit in item.units]
        logger.info("updates section: add and remove one document at %s units", config.update_sizes)
        results["updates"] = measure_updates(
            seed_vectors,
            [unit.question for unit in units if unit.question.strip()],
            [unit.answer for unit in units if unit.answer.strip()],
            config.update_sizes or UPDATE_SIZES,
            work / "updates",
        )
