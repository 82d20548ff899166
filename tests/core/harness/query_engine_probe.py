"""Run in a fresh process: the searching side's encoder on given texts, written as .npz.

Usage: python query_engine_probe.py MODEL_CACHE IN.json OUT.npz
IN.json: {"queries": [...], "counted": [...]}. The parent (which has torch
loaded) compares the vectors with the sentence-transformers reference.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from vraagbaak.model.factory import load_search_encoder
from vraagbaak.settings import BUNDLED_MODEL


def main() -> None:
    model_cache, source, target = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    texts = json.loads(source.read_text(encoding="utf-8"))
    encoder = load_search_encoder(BUNDLED_MODEL, model_cache)
    encoder.encode_queries(texts["queries"][:5])  # questions that fit one window: no reference tokenizer
    tokenizer_loaded_early = "_tokenizer" in vars(encoder)
    vectors = encoder.encode_queries(texts["queries"])
    # The service calls the encoder from several threads at once (batcher, batch route, warm-up).
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda text: encoder.encode_queries([text])[0], texts["queries"][:40]))
    np.savez(
        target,
        vectors=vectors,
        threaded=np.array(threaded),
        counts=np.array([encoder.count_tokens(text) for text in texts["counted"]], dtype=np.int64),
        engine=np.array(type(encoder).__name__),
        torch_imported=np.array("torch" in sys.modules),
        tokenizer_loaded_early=np.array(tokenizer_loaded_early),
    )


if __name__ == "__main__":
    main()
