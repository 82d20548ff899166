"""The embedding stage on Ray: a Ray Data `map_batches` over an actor pool, behind the `Encoder` protocol.

`build_index` calls `encode_passages` and `encode_queries` as it does on any
encoder; `RayEncoder` ships the texts to a pool of Ray actors (one model
each; one GPU each where the cluster has GPUs, CPU threads otherwise) and
puts the vectors back in input order. Chunking, FAISS, BM25, the manifest
and the atomic `CURRENT` swap stay on the driver, so the generation on disk
is the one a single-process build writes. Token counting stays on the
driver's local encoder: chunk boundaries do not depend on where vectors are
computed.

A worker that dies (killed, out of memory, a lost node) is restarted by Ray
and its batch retried (`max_restarts`, `max_task_retries`); a batch that
keeps failing fails the build instead of looping. Without an address a local
Ray is started (no dashboard, no usage report) and shut down by `close`.
On a cluster every node needs this package installed (the actors import
`vraagbaak`) and either the model folder on shared storage or the model
setting's materialisation (the bundled model is materialised on each node).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vraagbaak.errors import ModelError, VraagbaakError
from vraagbaak.model.encoder import ResolvedModel

if TYPE_CHECKING:
    from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder

logger = logging.getLogger(__name__)

DEFAULT_ROWS_PER_TASK = 256
"""Texts per Ray task: large enough to keep a GPU busy, small enough that a retried task loses little."""
RETRIES = 3
"""Restarts per actor and retries per task before a failing batch fails the build."""


@dataclass(frozen=True)
class RayLayout:
    """How many actors, on what, with which share of the cluster each."""

    workers: int
    device: str
    cpus_per_worker: int
    gpus_per_worker: int


def plan_layout(resources: Mapping[str, float], workers: int | None, device: str) -> RayLayout:
    """Actors for the cluster's `resources`: one GPU each under cuda, the CPUs shared out under cpu.

    More workers than the cluster can place would wait forever for
    resources, so that is refused here, with the numbers.
    """
    gpus = int(resources.get("GPU", 0))
    cpus = int(resources.get("CPU", 0))
    if workers is not None and workers < 1:
        raise VraagbaakError(f"--ray-workers {workers}: needs at least 1")
    if device == "auto":
        device = "cuda" if gpus else "cpu"
    if device == "cuda":
        if not gpus:
            raise ModelError("--device cuda: the Ray cluster has no GPUs; use --device cpu or auto")
        count = workers or gpus
        if count > gpus:
            raise VraagbaakError(f"--ray-workers {count}: the Ray cluster has {gpus} GPUs, one per worker")
        return RayLayout(count, "cuda", 1, 1)
    if device != "cpu":
        raise ModelError(f"unknown device {device!r}; use cpu, cuda or auto")
    if cpus < 1:
        raise VraagbaakError("the Ray cluster reports no CPUs")
    count = workers or cpus
    if count > cpus:
        raise VraagbaakError(f"--ray-workers {count}: the Ray cluster has {cpus} CPUs, at least one per worker")
    return RayLayout(count, "cpu", max(1, cpus // count), 0)


class EmbedActor:
    """One model in one Ray actor; Ray Data calls it with batches of `row`, `prompt` and `text` columns."""

    def __init__(
        self,
        resolved: ResolvedModel,
        model_cache: str,
        device: str,
        threads: int,
        batch_size: int,
    ) -> None:
        import torch

        from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder, resolve_model

        if device == "cpu":
            torch.set_num_threads(threads)
        if not Path(resolved.path).is_dir():  # another node: materialise the model here
            local = resolve_model(resolved.model_id, Path(model_cache))
            if local.model_hash != resolved.model_hash:
                raise ModelError(f"model {resolved.model_id!r} differs on {socket.gethostname()} from the driver's")
            resolved = local
        self._encoder = SentenceTransformerEncoder(resolved, batch_size=batch_size, device=device)
        where = torch.cuda.get_device_name() if device.startswith("cuda") else f"cpu×{threads}"
        self._device = f"{socket.gethostname()} {where}"

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        texts = [str(text) for text in batch["text"]]
        prompts = batch["prompt"]
        vectors = np.zeros((len(texts), self._encoder.dimension), np.float32)
        encoders = {"query": self._encoder.encode_queries, "document": self._encoder.encode_passages}
        for prompt_name, encode in encoders.items():
            positions = np.flatnonzero(prompts == prompt_name)
            if len(positions):
                vectors[positions] = encode([texts[i] for i in positions])
        return {"row": batch["row"], "vector": vectors, "device": np.full(len(texts), self._device)}


class RayEncoder:
    """An `Encoder` whose encoding runs on Ray; everything else is the driver's local encoder.

    Use it as a context manager, or call `close`, to shut down a Ray it
    started; it starts one again if used afterwards.
    """

    def __init__(
        self,
        local: SentenceTransformerEncoder,
        model_cache: Path,
        *,
        address: str | None = None,
        workers: int | None = None,
        device: str = "auto",
        batch_size: int = 32,
        rows_per_task: int = DEFAULT_ROWS_PER_TASK,
        local_cpus: int | None = None,
    ) -> None:
        self._local = local
        self._resolved = ResolvedModel(local.model_id, local.path, local.model_hash)
        self._model_cache = model_cache
        self._address = address
        self._workers = workers
        self._device = device
        self._batch_size = batch_size
        self._rows_per_task = rows_per_task
        self._local_cpus = local_cpus
        self._started_ray = False
        self._layout: RayLayout | None = None
        self._devices: set[str] = set()
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    # ---------------------------------------------------------------- the Encoder protocol

    @property
    def model_id(self) -> str:
        return self._local.model_id

    @property
    def model_hash(self) -> str:
        return self._local.model_hash

    @property
    def dimension(self) -> int:
        return self._local.dimension

    @property
    def max_tokens(self) -> int:
        return self._local.max_tokens

    @property
    def prompts(self) -> dict[str, str]:
        return self._local.prompts

    def count_tokens(self, text: str) -> int:
        return self._local.count_tokens(text)

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, "query", show_progress)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, "document", show_progress)

    def close(self) -> None:
        """Shut down the local Ray this encoder started; a Ray it joined is left running."""
        if self._started_ray:
            import ray

            ray.shutdown()
            self._started_ray = False
            self._layout = None

    def __enter__(self) -> RayEncoder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---------------------------------------------------------------- Ray

    def start(self) -> RayLayout:
        """Join or start Ray and work out the actor layout; cheap once started."""
        try:
            import ray
        except ImportError as error:
            raise VraagbaakError(
                f"building on Ray needs the optional extra: pip install 'vraagbaak[distributed]' ({error})"
            ) from error

        if not ray.is_initialized():
            # Ray reads these itself; no usage report leaves the machine, and its token notice is noise here.
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            common: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": True}
            if self._address:
                logger.info("joining the Ray cluster at %s", self._address)
                try:
                    ray.init(address=self._address, **common)
                except (ConnectionError, RuntimeError, ValueError) as error:
                    raise VraagbaakError(f"cannot join the Ray cluster at {self._address!r}: {error}") from error
            else:
                cpus = self._local_cpus or os.cpu_count() or 1
                logger.info("starting a local Ray with %d CPUs", cpus)
                # Ray 2.60 listens on the node address (all interfaces, token auth on); it cannot be held to loopback.
                ray.init(num_cpus=cpus, include_dashboard=False, **common)
            self._started_ray = True
            self._layout = None
        if self._layout is None:
            self._layout = plan_layout(ray.cluster_resources(), self._workers, self._device)
            logger.info(
                "embedding on Ray: %d workers on %s (%d CPUs, %d GPUs each)",
                self._layout.workers,
                self._layout.device,
                self._layout.cpus_per_worker,
                self._layout.gpus_per_worker,
            )
        return self._layout

    @property
    def workers(self) -> int:
        """Actors per encoding pass, for the manifest's build record."""
        return self.start().workers

    @property
    def devices(self) -> list[str]:
        """What the actors ran on, as they reported it (host and GPU name, or CPU threads)."""
        return sorted(self._devices) or [self.start().device]

    def prefetch(self, queries: Sequence[str], passages: Sequence[str], *, show_progress: bool = False) -> None:
        """Encode both kinds of text in one Ray pass and keep the vectors for the `encode_*` calls that follow.

        A build asks for questions and answers in two calls; one pass loads the
        model on each actor once instead of twice. Texts not prefetched are
        still encoded when asked for, so this only ever saves time.
        """
        pairs = list(dict.fromkeys([("query", text) for text in queries] + [("document", text) for text in passages]))
        self._cache.update(zip(pairs, self._run(pairs, show_progress), strict=True))

    def _encode(self, texts: Sequence[str], prompt_name: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        keys = [(prompt_name, text) for text in texts]
        missing = [key for key in dict.fromkeys(keys) if key not in self._cache]
        if missing:
            self._cache.update(zip(missing, self._run(missing, show_progress), strict=True))
        vectors = np.stack([self._cache[key] for key in keys]).astype(np.float32, copy=False)
        for key in set(keys):
            del self._cache[key]  # served once: the cache holds one build's vectors at most
        return vectors

    def _run(self, pairs: Sequence[tuple[str, str]], show_progress: bool) -> np.ndarray:
        """Vectors of (prompt name, text) pairs, in their order, from one Ray Data pass over the actor pool."""
        import ray.data

        layout = self.start()
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = show_progress
        # Longest first, so each task's texts pad to about the same length; `row` puts them back in order.
        order = sorted(range(len(pairs)), key=lambda i: -len(pairs[i][1]))
        items = [{"row": i, "prompt": pairs[i][0], "text": pairs[i][1]} for i in order]
        # A small input is still spread over every worker.
        per_task = max(1, min(self._rows_per_task, math.ceil(len(items) / layout.workers)))
        dataset = ray.data.from_items(items, override_num_blocks=math.ceil(len(items) / per_task))
        with warnings.catch_warnings():
            # Ray 2.60 warns that plain remote args (max_restarts, max_task_retries) will move elsewhere in 2.64;
            # its own default is to restart forever, which would loop on a batch that kills every worker.
            warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
            embedded = self._map(dataset, layout, per_task)
        vectors = np.zeros((len(pairs), self.dimension), np.float32)
        filled = np.zeros(len(pairs), bool)
        for batch in embedded.iter_batches(batch_size=None, batch_format="numpy"):
            rows = batch["row"]
            vectors[rows] = batch["vector"]
            filled[rows] = True
            self._devices.update(str(device) for device in np.unique(batch["device"]))
        if not filled.all():
            raise VraagbaakError(f"Ray returned {int(filled.sum())} of {len(pairs)} vectors; the build is not written")
        return vectors

    def _map(self, dataset: Any, layout: RayLayout, per_task: int) -> Any:
        """The actor-pool stage: one `EmbedActor` per worker, a dead one restarted and its batch retried."""
        import ray.data

        return dataset.map_batches(
            EmbedActor,
            fn_constructor_kwargs={
                "resolved": self._resolved,
                "model_cache": str(self._model_cache),
                "device": layout.device,
                "threads": layout.cpus_per_worker,
                "batch_size": self._batch_size,
            },
            batch_size=per_task,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=layout.workers),
            num_cpus=layout.cpus_per_worker,
            num_gpus=layout.gpus_per_worker,
            max_restarts=RETRIES,
            max_task_retries=RETRIES,
        )
