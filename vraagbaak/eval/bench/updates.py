"""Updates section: add and remove one document at 10k, 100k and 300k units, next to a full rebuild.

No model runs here. Units are synthetic (`synthetic.synthetic_texts` from the seed questions and
answers, documents of DOCUMENT_UNITS units), and `SyntheticEncoder` stands in for the model: it
returns synthetic vectors (`synthetic.synthetic_vectors` over the seed index's real embeddings),
computed in numpy. So the times are the index's own work (chunking, FAISS, BM25, parts, files,
checksums, fsync), which is what an update costs beyond embedding the new document's passages.

Every operation runs in a fresh child process (`python -m vraagbaak.eval.bench.updates`), one after the
other on the same index, and reports its own peak RSS (VmHWM):

  build   `build_index` of all units: the full rebuild the others are compared with
  add     `add_documents` of one new document, starting from disk (`vraagbaak index add`)
  remove  `remove_documents` of one document of the original build, from disk (`vraagbaak index
          remove`); its part (at most `builder.parts.PART_UNITS` units) is rewritten
  served  the admin API's path: the index is loaded once (not timed); the removed document is added
          back and the second document of the build removed, each starting from the generation in
          memory and returning the next one in memory; a `Retriever` is made from the first (timed
          apart). Its peak RSS includes the loaded index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vraagbaak.eval.bench.synthetic import VECTOR_RECIPE, synthetic_texts, synthetic_vectors
from vraagbaak.units import Document, DocumentKind, ParsedDocument, Unit, qa_unit_id

logger = logging.getLogger(__name__)

DOCUMENT_UNITS = 50
ADDED = "bench-added"
OPERATIONS = ("build", "add", "remove", "served")


class SyntheticEncoder:
    """Stands in for the model in this section only: synthetic vectors from numpy, no model runs.

    The vectors of one call are `synthetic_vectors(base, len(texts))`, seeded by the call's texts,
    so a build and an update see vectors of the same shape as real ones (see `synthetic`).
    """

    model_id = "bench:synthetic-vectors"
    model_hash = "5" * 64
    max_tokens = 512

    def __init__(self, base: np.ndarray) -> None:
        self.prompts = {"query": "query: ", "document": "passage: "}
        self.base = base
        self.dimension = int(base.shape[1])

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        seed = int.from_bytes(hashlib.sha256((texts[0] + texts[-1]).encode()).digest()[:8], "little") + len(texts)
        return synthetic_vectors(self.base, len(texts), seed=seed)

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def close(self) -> None:
        """Nothing to stop."""


def synthetic_documents(
    questions: Sequence[str], answers: Sequence[str], units: int, *, prefix: str = "bench", seed: int = 0
) -> Iterator[ParsedDocument]:
    """`units` synthetic units in documents of DOCUMENT_UNITS, as parsed documents."""
    asked = synthetic_texts(questions, units, seed=seed)
    answered = synthetic_texts(answers, units, seed=seed + 1)
    for start in range(0, units, DOCUMENT_UNITS):
        doc_id = f"{prefix}-{start // DOCUMENT_UNITS:06d}"
        count = min(DOCUMENT_UNITS, units - start)
        document = Document(
            doc_id=doc_id,
            kind=DocumentKind.QA_LIST,
            title=f"Synthetisch document {doc_id}",
            source_path=f"/synthetic/{doc_id}.txt",
            content_hash=hashlib.sha256(f"{doc_id}:{seed}".encode()).hexdigest(),
        )
        items = tuple(
            Unit(unit_id=qa_unit_id(doc_id, n), doc_id=doc_id, number=n, question=next(asked), answer=next(answered))
            for n in range(1, count + 1)
        )
        yield ParsedDocument(document=document, units=items)


def measure_updates(
    base: np.ndarray,
    questions: Sequence[str],
    answers: Sequence[str],
    sizes: Sequence[int],
    work: Path,
    *,
    timeout_s: float = 3600,
) -> dict[str, Any]:
    """Each operation at each size in a child process; time, peak RSS and the ratio to the full rebuild."""
    work.mkdir(parents=True, exist_ok=True)
    np.save(work / "base.npy", np.ascontiguousarray(base, np.float32))
    (work / "texts.json").write_text(json.dumps({"questions": list(questions), "answers": list(answers)}))
    section: dict[str, Any] = {
        "recipe": {
            "units": f"synthetic question and answer texts from the seed units, {DOCUMENT_UNITS} units a document",
            "vectors": f"SyntheticEncoder: {VECTOR_RECIPE}; no model runs, so no time is encoding",
            "operations": {
                "build": "build_index of all units (the full rebuild)",
                "add": f"add_documents of one new document of {DOCUMENT_UNITS} units, from disk (vraagbaak index add)",
                "remove": "remove_documents of the first document of the build, from disk (vraagbaak index remove)",
                "served": "the admin API's path, from the generation in memory: the first document added back, "
                "the second removed",
            },
            "peak_rss": "VmHWM of the child process that ran the operation",
        },
        "document_units": DOCUMENT_UNITS,
        "sizes": [],
    }
    for size in sizes:
        index_dir = work / f"index-{size}"
        entry: dict[str, Any] = {"units": size}
        for operation in OPERATIONS:
            logger.info("updates section: %s at %d units", operation, size)
            entry[operation] = _run_child(operation, index_dir, work, size, timeout_s)
        build_s = entry["build"]["seconds"]
        entry.update(
            documents=entry["build"]["documents"],
            vectors=entry["build"]["vectors"],
            kind=entry["build"]["kind"],
            add_vs_build=round(entry["add"]["seconds"] / build_s, 4),
            remove_vs_build=round(entry["remove"]["seconds"] / build_s, 4),
        )
        section["sizes"].append(entry)
        logger.info("updates section at %d units: %s", size, entry)
    return section


def _run_child(operation: str, index_dir: Path, work: Path, size: int, timeout_s: float) -> dict[str, Any]:
    out = work / f"{operation}-{size}.json"
    command = [
        sys.executable,
        "-m",
        "vraagbaak.eval.bench.updates",
        operation,
        str(index_dir),
        str(work),
        str(size),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"the updates worker ({operation} at {size}) failed ({done.returncode}): {done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _peak_rss_mib() -> float | None:
    from vraagbaak.eval.bench.inprocess import peak_rss_of_mib

    return peak_rss_of_mib("self")


def _figures(report: Any, seconds: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 3),
        "vector_index": report.vector_index,
        "files_linked": report.files_linked,
        "mib_written": round(report.bytes_written / 2**20, 1),
        "documents": report.documents,
        "units": report.units,
        "vectors": report.vectors,
    }


def run_operation(operation: str, index_dir: Path, work: Path, size: int) -> dict[str, Any]:
    """One operation, timed; what a child process reports."""
    from vraagbaak.retrieval.retriever import Retriever
    from vraagbaak.store.builder import add_documents, build_index, remove_documents
    from vraagbaak.store.generations import load_index

    base = np.load(work / "base.npy")
    texts = json.loads((work / "texts.json").read_text())
    encoder = SyntheticEncoder(base)
    questions, answers = texts["questions"], texts["answers"]
    first, second = f"bench-{0:06d}", f"bench-{1:06d}"
    added = list(synthetic_documents(questions, answers, DOCUMENT_UNITS, prefix=ADDED, seed=7))
    result: dict[str, Any]
    if operation == "build":
        corpus = list(synthetic_documents(questions, answers, size))
        started = time.perf_counter()
        report = build_index(corpus, encoder, index_dir)
        result = _figures(report, time.perf_counter() - started)
        assert report.content is not None
        result["kind"] = report.content.manifest.vector_index_kind
        result["parts"] = len(report.content.manifest.parts)
    elif operation == "add":
        started = time.perf_counter()
        report = add_documents(added, encoder, index_dir)
        result = _figures(report, time.perf_counter() - started)
    elif operation == "remove":
        started = time.perf_counter()
        report = remove_documents([first], index_dir)
        result = _figures(report, time.perf_counter() - started)
    else:
        content = load_index(index_dir)
        # put the first document back (the remove above took it out), then remove the second: both from memory
        restored = list(synthetic_documents(questions, answers, DOCUMENT_UNITS, prefix="bench", seed=0))[:1]
        started = time.perf_counter()
        report = add_documents(restored, encoder, index_dir, current=content)
        result = {"add": _figures(report, time.perf_counter() - started)}
        assert report.content is not None
        started = time.perf_counter()
        Retriever(report.content, encoder)
        result["add"]["retriever_s"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        removed = remove_documents([second], index_dir, current=report.content)
        result["remove"] = _figures(removed, time.perf_counter() - started)
        result["seconds"] = round(result["add"]["seconds"] + result["remove"]["seconds"], 3)
    result["peak_rss_mib"] = _peak_rss_mib()
    return result


def update_rows(section: dict[str, Any]) -> tuple[str, list[list[str]], list[str]]:
    """(title, rows, header) of the section for `report`."""
    rows = []
    for entry in section.get("sizes", []):
        build, served = entry["build"], entry["served"]
        retriever_s = served["add"]["retriever_s"]
        cases = [
            ("full rebuild", build, build["peak_rss_mib"]),
            ("add 1 document, from disk", entry["add"], entry["add"]["peak_rss_mib"]),
            ("remove 1 document, from disk", entry["remove"], entry["remove"]["peak_rss_mib"]),
            (f"add, served (+ retriever {retriever_s:.2f} s)", served["add"], served["peak_rss_mib"]),
            ("remove, served", served["remove"], served["peak_rss_mib"]),
        ]
        for n, (label, figures, rss) in enumerate(cases):
            head = [f"{entry['units']:,}", f"{entry['vectors']:,} {entry['kind']}"] if n == 0 else ["", ""]
            ratio = figures["seconds"] / build["seconds"]
            rows.append(
                [
                    *head,
                    label,
                    f"{figures['seconds']:.2f}",
                    f"{ratio:.3f}",
                    f"{rss:.0f}",
                    f"{figures['mib_written']:.0f}",
                    figures["vector_index"],
                ]
            )
    header = ["units", "vectors", "operation", "seconds", "× rebuild", "peak RSS MiB", "MiB written", "vector index"]
    title = f"Index updates: one document of {section.get('document_units')} units (synthetic vectors, no model)"
    return title, rows, header


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("operation", choices=OPERATIONS)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("work", type=Path, help="folder with base.npy and texts.json")
    parser.add_argument("size", type=int)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = run_operation(args.operation, args.index_dir, args.work, args.size)
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
