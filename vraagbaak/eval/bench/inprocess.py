"""In-process sections: the query path against one bare encode, and the index build against bare encode."""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vraagbaak.eval.bench.stats import summarise
from vraagbaak.model.encoder import Encoder
from vraagbaak.retrieval.request import SearchMode
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.store.builder import build_index
from vraagbaak.store.chunking import ChunkingConfig, VectorField, chunk_unit
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)


def peak_rss_mib() -> float:
    """This process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mib(pid: int | str = "self") -> float | None:
    """VmRSS of a process from /proc (None where /proc is missing or the process is gone)."""
    return _proc_status(pid, "VmRSS")


def peak_rss_of_mib(pid: int | str) -> float | None:
    """VmHWM (peak resident set) of a process from /proc."""
    return _proc_status(pid, "VmHWM")


def _proc_status(pid: int | str, field: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def measure_query_path(retriever: Retriever, questions: Sequence[str], *, rounds: int, k: int = 10) -> dict[str, Any]:
    """Hybrid search (k) next to one bare `encode_queries([q])` of the same question, interleaved.

    Each question is encoded bare and searched back to back, in alternating
    order, so load from other processes hits both sides alike. `retrieval`
    is `search_encoded` on a ready vector: everything but the model.
    """
    encoder = retriever.encoder
    for question in questions[:3]:  # the first calls pay for lazy set-up
        encoder.encode_queries([question])
        retriever.search(question, k, SearchMode.HYBRID)
    encode_s: list[float] = []
    search_s: list[float] = []
    retrieval_s: list[float] = []
    vectors = encoder.encode_queries(list(questions))
    for turn in range(rounds):
        for i, question in enumerate(questions):
            steps = ("encode", "search") if (turn + i) % 2 == 0 else ("search", "encode")
            for step in steps:
                started = time.perf_counter()
                if step == "encode":
                    encoder.encode_queries([question])
                    encode_s.append(time.perf_counter() - started)
                else:
                    retriever.search(question, k, SearchMode.HYBRID)
                    search_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            retriever.search_encoded(question, vectors[i], k, SearchMode.HYBRID)
            retrieval_s.append(time.perf_counter() - started)
    encode = summarise(encode_s)
    hybrid = summarise(search_s)
    return {
        "questions": len(questions),
        "rounds": rounds,
        "k": k,
        "mode": "hybrid",
        "units": len(retriever.content.units),
        "vectors": len(retriever.content.vector_map),
        "encode": encode.as_dict(),
        "hybrid": hybrid.as_dict(),
        "retrieval_only": summarise(retrieval_s).as_dict(),
        "overhead_ratio_p50": round(hybrid.p50_ms / encode.p50_ms, 3),
    }


FLOOR_BATCHES = (2, 4, 8, 16)
"""Batch sizes tried for the engine's batched floor; 16 is the most the c=16 level can put in one call."""


def measure_engine_floor(
    encoder: Encoder, questions: Sequence[str], batches: Sequence[int] = FLOOR_BATCHES
) -> dict[str, Any]:
    """What the engine alone does with the same questions: one at a time (p50) and in its best batch (q/s).

    The floor the served path is held to (issue 29): HTTP c=1 p50 against the single encode p50, HTTP c=16
    throughput against the best batched throughput. Bare `encode_queries` calls, nothing else.
    """
    questions = list(questions)
    encoder.encode_queries(questions[:2])  # warm
    single = []
    for question in questions:
        started = time.perf_counter()
        encoder.encode_queries([question])
        single.append(time.perf_counter() - started)
    batched: dict[str, float] = {}
    for size in batches:
        started = time.perf_counter()
        for start in range(0, len(questions), size):
            encoder.encode_queries(questions[start : start + size])
        batched[str(size)] = round(len(questions) / (time.perf_counter() - started), 2)
    best = max(batched, key=batched.__getitem__)
    one = summarise(single)
    return {
        "questions": len(questions),
        "single": one.as_dict(),
        "single_qps": round(len(single) / sum(single), 2),
        "batched_qps": batched,
        "best_batch": int(best),
        "best_batched_qps": batched[best],
    }


def chunk_texts(
    parsed: Sequence[ParsedDocument], encoder: Encoder, chunking: ChunkingConfig
) -> dict[VectorField, list[str]]:
    """The exact texts `build_index` embeds, by field."""
    texts: dict[VectorField, list[str]] = {VectorField.QUESTION: [], VectorField.ANSWER: []}
    for item in parsed:
        for unit in item.units:
            for chunk in chunk_unit(unit, chunking, encoder.count_tokens):
                texts[chunk.field].append(chunk.text)
    return texts


def bare_encode(encoder: Encoder, texts: dict[VectorField, list[str]], chunking: ChunkingConfig) -> float:
    """Seconds for the model alone on `texts`: one call per field, as the build makes (same prompts)."""
    questions = texts[VectorField.QUESTION]
    answers = texts[VectorField.ANSWER]
    encode_questions = encoder.encode_queries if chunking.question_prompt == "query" else encoder.encode_passages
    started = time.perf_counter()
    if questions:
        encode_questions(questions)
    if answers:
        encoder.encode_passages(answers)
    return time.perf_counter() - started


def sample_documents(parsed: Sequence[ParsedDocument], max_units: int | None) -> list[ParsedDocument]:
    """The first `max_units` units of the corpus, spread over every document (None: all of it)."""
    if max_units is None:
        return list(parsed)
    per_document = max(1, max_units // max(1, len(parsed)))
    return [ParsedDocument(document=item.document, units=item.units[:per_document]) for item in parsed]


def measure_build(
    parsed: Sequence[ParsedDocument], encoder: Encoder, index_dir: Path, *, max_units: int | None = None
) -> dict[str, Any]:
    """`build_index` passages/s next to bare encode passages/s on the very same texts, and peak RSS."""
    chunking = ChunkingConfig()
    sample = sample_documents(parsed, max_units)
    texts = chunk_texts(sample, encoder, chunking)
    passages = sum(len(group) for group in texts.values())
    encoder.encode_passages(texts[VectorField.ANSWER][:4] or ["opwarmen"])  # warm the model first
    rss_before = current_rss_mib()
    # Bare encode before and after the build; the faster one is the reference (load from other work only slows).
    bare_before = bare_encode(encoder, texts, chunking)
    report = build_index(sample, encoder, index_dir, chunking=chunking)
    bare_after = bare_encode(encoder, texts, chunking)
    bare_s = min(bare_before, bare_after)
    if report.embedded != passages:  # the bench's texts must be the build's texts, or the ratio means nothing
        raise RuntimeError(f"the build embedded {report.embedded} passages, the bench counted {passages}")
    return {
        "documents": len(sample),
        "units": report.units,
        "passages": passages,
        "question_passages": len(texts[VectorField.QUESTION]),
        "answer_passages": len(texts[VectorField.ANSWER]),
        "build_s": round(report.seconds, 3),
        "build_encode_s": round(report.encode_seconds, 3),
        "bare_encode_s": round(bare_s, 3),
        "bare_encode_runs_s": [round(bare_before, 3), round(bare_after, 3)],
        "passages_per_s": round(passages / report.seconds, 3),
        "bare_encode_passages_per_s": round(passages / bare_s, 3),
        "ratio": round(bare_s / report.seconds, 3),
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak_rss_mib(),
        "subset": max_units is not None,
    }


def query_vectors(encoder: Encoder, questions: Sequence[str]) -> np.ndarray:
    return encoder.encode_queries(list(questions))
