"""A process for the crash tests to kill: one real index write with the keyword encoder.

Usage: python -m tests.reliability.crash_driver INDEX_DIR build|add|remove

The store, builder, FAISS and BM25 code are the real ones; only the model is
the keyword encoder, so a write takes a fraction of a second and many kills
fit in a test run. Prints "started" when the write begins.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.store.builder import add_documents, build_index, remove_documents

WORDS = [
    "haven",
    "export",
    "verzekering",
    "handel",
    "akkoord",
    "visserij",
    "kotter",
    "tarief",
    "douane",
    "markt",
    "missie",
    "partner",
]


def corpus(doc_id: str, units: int, salt: int = 0) -> object:
    pairs = [
        (
            f"Vraag {n} over {WORDS[(n + salt) % len(WORDS)]} en {WORDS[(n * 7 + salt) % len(WORDS)]}?",
            " ".join(WORDS[(n * k + salt) % len(WORDS)] for k in range(1, 60)),
        )
        for n in range(units)
    ]
    return qa_document(doc_id, pairs)


OLD = [corpus("doc_a", 1500), corpus("doc_b", 1500)]
NEW_BUILD = [corpus("doc_a", 1500, salt=3), corpus("doc_c", 1500)]
ADDED = corpus("doc_c", 1500)


def main(index_dir: Path, operation: str) -> None:
    print("started", flush=True)
    if operation == "build":
        build_index(NEW_BUILD, FakeEncoder(), index_dir)  # type: ignore[arg-type]
    elif operation == "add":
        add_documents([ADDED], FakeEncoder(), index_dir)  # type: ignore[list-item]
    else:
        remove_documents(["doc_b"], index_dir)
    print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
