"""Settings only sync needs, on top of the shared `vraagbaak.settings.Settings` (same `VRAAGBAAK_` prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from vraagbaak.settings import Settings
from vraagbaak.sources.sync.run import DEFAULT_KINDS
from vraagbaak.sources.tk.client import DEFAULT_BASE_URL


class SyncSettings(Settings):
    tk_odata_url: str = Field(
        default=DEFAULT_BASE_URL, description="Base URL of the Tweede Kamer OData v4 API (ends in /OData/v4/2.0/)."
    )
    sync_kinds: list[str] = Field(
        default_factory=lambda: list(DEFAULT_KINDS),
        min_length=1,
        description="Document Soorten to take, as JSON; each matches by prefix, so new variants come along.",
    )
    sync_db: Path | None = Field(
        default=None, description="SQLite database of checkpoints and entity states; unset: sync.sqlite3 in the index."
    )
    sync_requests_per_second: float = Field(
        default=4.0, gt=0.0, le=100.0, description="Most requests per second to the source, files included."
    )
    sync_fetch_workers: int = Field(default=4, ge=1, le=32, description="Files downloaded at once.")
    sync_timeout_s: float = Field(default=60.0, gt=0.0, le=3600.0, description="Timeout of one request.")
    sync_max_retries: int = Field(
        default=5, ge=0, le=50, description="Retries of one request on 429, 5xx, timeouts (backoff, Retry-After)."
    )
    sync_batch_documents: int = Field(
        default=50, ge=1, le=5000, description="Documents per index write: the most a kill makes the next run redo."
    )
    sync_max_attempts: int = Field(
        default=5, ge=1, le=100, description="Runs that try a file that cannot be fetched or parsed, before giving up."
    )
    sync_max_file_mb: int = Field(default=64, ge=1, le=4096, description="Largest file downloaded; bigger is refused.")

    def sync_db_path(self, index_dir: Path) -> Path:
        return self.sync_db or index_dir / "sync.sqlite3"
