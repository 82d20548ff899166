"""Issue 29: the faster served path gives every evaluation question the ranks it had before.

`eval/results/served_rankings.json` was recorded (`python -m vraagbaak.eval.rankings`) by the code before
issue 29's changes. The test ranks every seed evaluation question again, in process and over HTTP
(`POST /v1/search` through the whole app: middleware, micro-batcher, response), and both must equal it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from vraagbaak.eval.rankings import K, differences, read_rankings, record_rankings, seed_questions
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings


class _RememberingEncoder:
    """The session encoder, remembering each text's vector: the HTTP path (one question per model call)
    then gets the very vectors the in-process ranking used (one call for all), so the two rank alike."""

    def __init__(self, encoder: Any) -> None:
        self._encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        self.model_id, self.model_hash, self.dimension = encoder.model_id, encoder.model_hash, encoder.dimension

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self._encoder.encode_queries(missing), strict=True))
        return np.stack([self._vectors[text] for text in texts])

    def close(self) -> None:
        pass


def test_served_rankings_equal_the_recorded_ones(retriever: Retriever, seed_index: Path, tmp_path: Path) -> None:
    expected = read_rankings()
    questions = seed_questions()
    assert set(expected) == set(questions)
    remembering = Retriever(retriever.content, _RememberingEncoder(retriever.encoder), retriever.fusion)  # type: ignore[arg-type]

    in_process = record_rankings(remembering, questions)
    assert differences(expected, in_process) == []

    settings = ServiceSettings(index_dir=seed_index, data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    app = create_app(settings, retriever=remembering)
    with TestClient(app) as client:
        served = {}
        for qid, question in questions.items():
            response = client.post("/v1/search", json={"question": question, "k": K})
            assert response.status_code == 200, response.text
            served[qid] = [result["unit_id"] for result in response.json()["results"]]
    assert differences(expected, served) == []
