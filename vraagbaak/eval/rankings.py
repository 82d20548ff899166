"""The rankings every evaluation question gets from the search the service answers, stored to compare.

A change to the query path that is meant to be only faster (issue 29) must give
the same ranks for every question: `record_rankings` runs each question of the
seed evaluation files through `answer_search` (the function `POST /v1/search`
calls) with the service's defaults (hybrid, k 10, no held-out units) and keeps
the ranked unit ids; `eval/results/served_rankings.json` holds them as the code
gave them before issue 29's changes. A test compares the stored file with the
current code, in process and over HTTP. Regenerate it only on purpose:

    python -m vraagbaak.eval.rankings --index DIR --out eval/results/served_rankings.json

(the index: the seeds built with the bundled model, as the tests' `seed_index`;
the encoder: sentence-transformers, as the tests' `encoder`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

from vraagbaak.eval.dataset import load_questions
from vraagbaak.eval.out_of_corpus import load_out_of_corpus
from vraagbaak.retrieval.request import SearchRequest
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.search import answer_search

DATA = Path(__file__).resolve().parents[2] / "eval" / "data"
STORED = DATA.parent / "results" / "served_rankings.json"
SEED_FILES = ("paraphrases.jsonl", "hard.jsonl", "heldout_crossref.jsonl")
"""Question files over the seed corpus (realdocs.jsonl asks about another corpus)."""
OUT_OF_CORPUS = "out_of_corpus.jsonl"
K = 10


def seed_questions(data: Path = DATA) -> dict[str, str]:
    """id -> question of every seed evaluation question, out-of-corpus ones included, in file order."""
    questions = {q.id: q.question for name in SEED_FILES for q in load_questions(data / name)}
    questions.update({q.id: q.question for q in load_out_of_corpus(data / OUT_OF_CORPUS)})
    return questions


def record_rankings(retriever: Retriever, questions: dict[str, str], k: int = K) -> dict[str, list[str]]:
    """id -> the unit ids `answer_search` ranks for the question, best first.

    The questions are encoded in one `Retriever.encode` call (fast, and the same vectors whenever the
    same list is encoded again); the ranking is what the service does with a vector.
    """
    vectors = retriever.encode(list(questions.values()))
    return {
        qid: [
            result.unit_id
            for result in answer_search(SearchRequest(question=text, k=k), retriever, k, vector=vectors[i]).results
        ]
        for i, (qid, text) in enumerate(questions.items())
    }


def differences(expected: dict[str, list[str]], got: dict[str, list[str]]) -> list[str]:
    """One line per question whose ranking differs (or is missing on one side)."""
    lines = []
    for qid in sorted(set(expected) | set(got)):
        if expected.get(qid) != got.get(qid):
            lines.append(f"{qid}: expected {expected.get(qid)}, got {got.get(qid)}")
    return lines


def write_rankings(rankings: dict[str, list[str]], path: Path) -> None:
    path.write_text(json.dumps(rankings, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_rankings(path: Path = STORED) -> dict[str, list[str]]:
    rankings: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return rankings


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="the seed index")
    parser.add_argument("--out", type=Path, default=STORED)
    args = parser.parse_args(list(argv) if argv is not None else None)

    from vraagbaak.model.bundled.materialize import bundled_source_path, file_sha256, materialize_bundled_model
    from vraagbaak.model.encoder import ResolvedModel
    from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder
    from vraagbaak.settings import BUNDLED_MODEL, Settings

    model_dir = materialize_bundled_model(Settings().model_cache).path
    encoder = SentenceTransformerEncoder(
        ResolvedModel(BUNDLED_MODEL, str(model_dir), file_sha256(bundled_source_path()))
    )
    rankings = record_rankings(Retriever.load(args.index, encoder), seed_questions())
    write_rankings(rankings, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
