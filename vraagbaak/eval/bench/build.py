"""The `ray` section of `vraagbaak bench`: the index build on Ray next to the single-process build, same run.

Both builds index the same documents with the same model on the same
machine, one after the other: the single-process `build_index`, then
`build_index_on_ray` on a local Ray with one actor per CPU (or the cluster at
`address`). Passages/s of each counts the whole build (chunking, encoding,
FAISS, BM25, the write); the Ray figure includes starting its actors (each
loads the model), not starting Ray itself, which is reported apart. On two
cores the ratio is near 1 or below: the point is that the same command runs
unchanged on a cluster, where the actors are many and have GPUs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder
from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)


def measure_ray_build(
    parsed: Sequence[ParsedDocument],
    encoder: SentenceTransformerEncoder,
    model_cache: Path,
    work: Path,
    *,
    max_units: int | None = None,
    address: str | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Passages/s of the Ray build and of the single-process build, their ratio and the vectors' agreement."""
    if find_spec("ray") is None:
        return {"skipped": "ray is not installed: pip install -e '.[distributed]'"}
    from vraagbaak.eval.bench.inprocess import sample_documents
    from vraagbaak.model.ray_encoding import RayEncoder
    from vraagbaak.store.builder import build_index
    from vraagbaak.store.generations import load_index
    from vraagbaak.store.ray_build import build_index_on_ray
    from vraagbaak.store.vector_index import stored_vectors

    sample = sample_documents(parsed, max_units)
    local = build_index(sample, encoder, work / "local")
    started = time.perf_counter()
    with RayEncoder(encoder, model_cache, address=address, workers=workers) as ray_encoder:
        layout = ray_encoder.start()
        ray_start_s = time.perf_counter() - started
        logger.info("ray section: %d workers on %s", layout.workers, layout.device)
        on_ray = build_index_on_ray(sample, ray_encoder, work / "ray")
        devices = ray_encoder.devices
    if on_ray.embedded != local.embedded:
        raise RuntimeError(f"the Ray build embedded {on_ray.embedded} passages, the local build {local.embedded}")
    _, local_vectors = stored_vectors(load_index(work / "local").vectors)
    _, ray_vectors = stored_vectors(load_index(work / "ray").vectors)
    cosines = np.sum(local_vectors * ray_vectors, axis=1)
    local_rate = local.embedded / local.seconds
    ray_rate = on_ray.embedded / on_ray.seconds
    return {
        "documents": len(sample),
        "units": local.units,
        "passages": local.embedded,
        "workers": layout.workers,
        "device": layout.device,
        "devices": devices,
        "address": address or "local",
        "ray_start_s": round(ray_start_s, 3),
        "local_build_s": round(local.seconds, 3),
        "ray_build_s": round(on_ray.seconds, 3),
        "local_passages_per_s": round(local_rate, 3),
        "ray_passages_per_s": round(ray_rate, 3),
        "ratio": round(ray_rate / local_rate, 3),
        "cosine_min": round(float(cosines.min()), 6),
        "subset": max_units is not None,
    }


def ray_rows(section: dict[str, Any]) -> tuple[str, list[list[str]], list[str]]:
    """(title, rows, header) of the section for the bench table and Markdown."""
    if "skipped" in section:
        return ("Index build on Ray", [[f"skipped: {section['skipped']}", "", ""]], ["", "seconds", "passages/s"])
    title = (
        f"Index build on Ray ({section['documents']} documents, {section['passages']} passages; "
        f"{section['workers']} workers on {section['device']}, {section['address']})"
    )
    rows = [
        ["single-process build_index", f"{section['local_build_s']:.1f}", f"{section['local_passages_per_s']:.2f}"],
        ["build on Ray (actors start inside)", f"{section['ray_build_s']:.1f}", f"{section['ray_passages_per_s']:.2f}"],
        ["ratio Ray / single-process", "", f"{section['ratio']:.2f}×"],
        ["starting or joining Ray (not in the build)", f"{section['ray_start_s']:.1f}", ""],
        ["vectors, cosine min Ray vs single-process", "", f"{section['cosine_min']:.6f}"],
    ]
    return title, rows, ["", "seconds", "passages/s"]
