"""A process for the crash tests to kill: one real index write with the keyword encoder.

Usage: python -m tests.reliability.crash_driver INDEX_DIR build|add|remove|upload|sync

`upload` goes through the service instead: the app (in process, the real
parse worker, updater and monitors database beside the index) takes the text
of UPLOAD_TEXT as document `upload` and records it for the monitors.

`sync` is `vraagbaak sync --index INDEX_DIR` (the command's own code: lock,
client, parse worker, state database, Syncer, IndexWriter) against the source
named by VRAAGBAAK_TK_ODATA_URL (the campaign's stand-in server on 127.0.0.1),
with the keyword encoder in place of the model.

The store, builder, FAISS and BM25 code are the real ones; only the model is
the keyword encoder, so a write takes a fraction of a second and many kills
fit in a test run. Prints "started" when the write begins.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

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
UPLOAD_ID = "upload"
UPLOAD_TEXT = "Kamervragen over de haven\n\n" + "\n\n".join(
    f"Vraag {n}\nHoeveel {WORDS[n % len(WORDS)]} en {WORDS[(n * 5) % len(WORDS)]} in jaar {n}?\n\n"
    f"Antwoord {n}\n" + " ".join(WORDS[(n * k) % len(WORDS)] for k in range(1, 40)) + "."
    for n in range(1, 301)
)
API_KEY = "crash-driver-sleutel-0123456789"


def service_settings(index_dir: Path, api_key: str, **extra: Any) -> Any:
    """The service's settings for an index of the campaign: data and models beside it, `extra` on top."""
    from vraagbaak.service.settings import ServiceSettings

    return ServiceSettings(
        index_dir=index_dir,
        data_dir=index_dir.parent / "data",
        model_cache=index_dir.parent / "models",
        api_key=api_key,
        **extra,
    )


def upload(index_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from vraagbaak.retrieval.retriever import Retriever
    from vraagbaak.service.app import create_app

    settings = service_settings(index_dir, API_KEY, batch_wait_ms=0.0)
    with TestClient(create_app(settings, retriever=Retriever.load(index_dir, FakeEncoder()))) as client:
        response = client.post(
            "/v1/documents",
            params={"doc_id": UPLOAD_ID},
            content=UPLOAD_TEXT.encode(),
            headers={"X-API-Key": API_KEY, "Content-Type": "text/plain"},
        )
        assert response.status_code in (200, 201), response.text


def sync(index_dir: Path) -> None:
    """`vraagbaak sync --index INDEX_DIR` with the keyword encoder; the rest of the command is the real one."""
    import contextlib
    from collections.abc import Iterator

    from vraagbaak.cli.main import main as vraagbaak
    from vraagbaak.sources.sync import job

    @contextlib.contextmanager
    def keyword_encoder(*args: object) -> Iterator[tuple[FakeEncoder, FakeEncoder]]:
        encoder = FakeEncoder()
        yield encoder, encoder

    job._encoder = keyword_encoder  # type: ignore[assignment]
    code = vraagbaak(["sync", "--index", str(index_dir)])
    if code != 0:
        raise SystemExit(f"vraagbaak sync exited {code}")


def main(index_dir: Path, operation: str) -> None:
    print("started", flush=True)
    if operation == "build":
        build_index(NEW_BUILD, FakeEncoder(), index_dir)  # type: ignore[arg-type]
    elif operation == "add":
        add_documents([ADDED], FakeEncoder(), index_dir)  # type: ignore[list-item]
    elif operation == "upload":
        upload(index_dir)
    elif operation == "sync":
        sync(index_dir)
    else:
        remove_documents(["doc_b"], index_dir)
    print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
