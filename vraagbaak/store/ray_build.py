"""`build_index` with the embedding on Ray: the same generation on disk, the vectors from an actor pool.

The chunks are cut here once, exactly as `build_index` cuts them, so that
every question and passage is encoded in one Ray pass (one model load per
actor); `build_index` then finds its vectors waiting and assembles FAISS,
BM25 and the manifest on the driver as always. The manifest records the
engine, the number of workers and the devices.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from vraagbaak.model.ray_encoding import RayEncoder
from vraagbaak.store.builder import BuildReport, build_index
from vraagbaak.store.chunking import ChunkingConfig, VectorField, chunk_unit
from vraagbaak.store.manifest import BuildInfo
from vraagbaak.store.vector_index import VectorIndexConfig
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)


def field_texts(
    parsed: Sequence[ParsedDocument], encoder: RayEncoder, chunking: ChunkingConfig
) -> tuple[list[str], list[str]]:
    """The texts `build_index` will encode with the query prompt and with the passage prompt."""
    questions: list[str] = []
    answers: list[str] = []
    for item in parsed:
        for unit in item.units:
            for chunk in chunk_unit(unit, chunking, encoder.count_tokens):
                (questions if chunk.field is VectorField.QUESTION else answers).append(chunk.text)
    if chunking.question_prompt == "query":
        return questions, answers
    return [], questions + answers


def build_index_on_ray(
    parsed: Sequence[ParsedDocument],
    encoder: RayEncoder,
    index_dir: Path,
    *,
    chunking: ChunkingConfig | None = None,
    vector_config: VectorIndexConfig | None = None,
    show_progress: bool = False,
) -> BuildReport:
    """A fresh index of `parsed`, its vectors computed on Ray; atomic, like `build_index`."""
    started = time.perf_counter()
    chunking = chunking or ChunkingConfig()
    queries, passages = field_texts(parsed, encoder, chunking)
    logger.info("embedding %d questions and %d passages on Ray", len(queries), len(passages))
    encoder.prefetch(queries, passages, show_progress=show_progress)
    prefetch_seconds = time.perf_counter() - started
    build = BuildInfo(engine="ray", workers=encoder.workers, devices=encoder.devices)
    report = build_index(
        parsed,
        encoder,
        index_dir,
        chunking=chunking,
        vector_config=vector_config,
        show_progress=show_progress,
        build=build,
    )
    # The Ray pass ran before build_index started its clock: the report counts the whole build.
    report.encode_seconds += prefetch_seconds
    report.seconds = time.perf_counter() - started
    return report
