"""A keyword encoder and document builders for fast, exact unit tests.

`FakeEncoder` maps each word to its own dimension (a one-hot bag of words,
normalised), so the nearest vector is the one sharing the most words: tests
can assert exact rankings without loading the real model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from vraagbaak.units import Document, DocumentKind, ParsedDocument, Unit, qa_unit_id

DIMENSION = 256


class FakeEncoder:
    def __init__(self, model_id: str = "fake:keywords", model_hash: str = "f" * 64) -> None:
        self.model_id = model_id
        self.model_hash = model_hash
        self.dimension = DIMENSION
        self.max_tokens = 512
        self.prompts = {"query": "", "document": ""}
        self.calls: list[int] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(DIMENSION, np.float32)
        for word in re.findall(r"\w+", text.lower()):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, DIMENSION), np.float32)

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def close(self) -> None:
        """Nothing to stop."""


def qa_document(
    doc_id: str,
    pairs: Sequence[tuple[str, str]],
    *,
    kind: DocumentKind = DocumentKind.QA_LIST,
    parties: Sequence[str | None] | None = None,
    dossier: str | None = "36180",
    date: str | None = "2026-01-30",
    content_hash: str | None = None,
) -> ParsedDocument:
    """A parsed document of numbered question/answer pairs."""
    import datetime

    document = Document(
        doc_id=doc_id,
        kind=kind,
        title=f"Titel van {doc_id}",
        dossier=dossier,
        kamerstuk_nr="164" if dossier else None,
        date=datetime.date.fromisoformat(date) if date else None,
        source_path=f"/nowhere/{doc_id}.txt",
        content_hash=content_hash or hashlib.sha256(repr(pairs).encode()).hexdigest(),
    )
    units = tuple(
        Unit(
            unit_id=qa_unit_id(doc_id, n),
            doc_id=doc_id,
            number=n,
            question=question,
            answer=answer,
            party=parties[n - 1] if parties else None,
        )
        for n, (question, answer) in enumerate(pairs, 1)
    )
    return ParsedDocument(document=document, units=units)
