"""An `Encoder` without a model: a fixed random unit vector per text, drawn from a hash of the text.

For benchmarks and tests that measure or check everything but the model (index writes, sync, updates):
the vectors have the index's shapes, equal texts get equal vectors, and no two different texts tie.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


class HashEncoder:
    """Deterministic stand-in vectors; `model_id` says so in every manifest it writes."""

    max_tokens = 512

    def __init__(self, dimension: int = 384, model_id: str = "hash:stand-in", model_hash: str = "0" * 64) -> None:
        self.dimension = dimension
        self.model_id = model_id
        self.model_hash = model_hash
        self.prompts = {"query": "", "document": ""}

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            rows[row] = np.random.default_rng(seed).standard_normal(self.dimension)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def close(self) -> None:
        """Nothing to stop."""
