"""Token counting that crosses into a parse worker: counts as `Encoder.count_tokens` does, and pickles.

Parsing cuts prose into passages of a number of model tokens; a worker process
cannot call the encoder, so callers build a counter here and pass it to parsing
as its `length_function`.
"""

from __future__ import annotations

import functools
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vraagbaak.errors import ModelError
from vraagbaak.text.windows import LengthFunction

if TYPE_CHECKING:
    from vraagbaak.model.encoder import Encoder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenizerCounter:
    """Counts tokens as the encoders do (stripped text, no special tokens), from a `tokenizer.json`.

    A bound `encoder.count_tokens` cannot cross into the worker; this carries
    only the file's path and loads the tokenizer once per process.
    """

    tokenizer_path: str

    def __call__(self, text: str) -> int:
        return len(_tokenizer(self.tokenizer_path).encode(text.strip(), add_special_tokens=False).ids)


@functools.lru_cache(maxsize=4)
def _tokenizer(path: str) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(path)
    tokenizer.no_truncation()  # the file truncates at the model's window; a count must not stop there
    tokenizer.no_padding()
    return tokenizer


def length_function_for(encoder: Encoder, model_cache: Path | None = None) -> LengthFunction:
    """A picklable token counter that counts as `encoder.count_tokens` does.

    Models with a local folder count with its `tokenizer.json` (the folder is
    the encoder's `path`, or where `model_cache` resolves its `model_id`);
    any other encoder is used as is when it pickles (test doubles).
    """
    folder = getattr(encoder, "path", None)
    if folder is None and model_cache is not None:
        from vraagbaak.model.sentence_transformers_encoder import resolve_model

        try:
            folder = resolve_model(encoder.model_id, model_cache).path
        except (OSError, ModelError) as error:
            logger.warning("cannot find the folder of model %r: %s", encoder.model_id, error)
    if folder is not None and (Path(folder) / "tokenizer.json").is_file():
        return TokenizerCounter(str(Path(folder) / "tokenizer.json"))
    count = encoder.count_tokens
    try:
        pickle.dumps(count)
    except Exception as error:  # pickling raises whatever the object's parts raise
        raise ModelError(
            f"cannot count tokens of model {encoder.model_id!r} in a parse worker: no tokenizer.json found "
            f"and its encoder cannot be sent to another process ({type(error).__name__})"
        ) from error
    return count
