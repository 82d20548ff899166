"""The `Encoder` protocol: what the index needs from an embedding model.

Retrieval and build code talk to an `Encoder`, never to a library, so the
torch-free query engine or a test double can stand in. This module imports
no implementation; `vraagbaak.model.factory` picks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """What the index needs from an embedding model."""

    @property
    def model_id(self) -> str: ...
    @property
    def model_hash(self) -> str: ...
    @property
    def dimension(self) -> int: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def prompts(self) -> dict[str, str]: ...

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Normalised float32 rows, with the model's query prompt."""
        ...

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Normalised float32 rows, with the model's document prompt."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` alone: no prompt, no special tokens."""
        ...

    def close(self) -> None:
        """Stop any helper process; the encoder still works afterwards (it restarts what it needs)."""
        ...


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model setting points: a folder to load and how the index should name it."""

    model_id: str
    path: str
    model_hash: str
