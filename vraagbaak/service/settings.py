"""Settings only the service needs, on top of the shared `vraagbaak.settings.Settings`.

Same `VRAAGBAAK_` prefix and the same rule: read once, by whoever starts the
service (`vraagbaak serve` or `create_app()`), never at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

from vraagbaak.settings import Settings

MIN_API_KEY_CHARS = 16
"""A shorter key falls to guessing even at the failed-attempt limit; `openssl rand -hex 16` gives 32."""


class ServiceSettings(Settings):
    api_key: SecretStr | None = Field(
        default=None,
        description="Key for the admin routes (X-API-Key or Authorization: Bearer); unset disables them. "
        f"At least {MIN_API_KEY_CHARS} characters: a shorter one stops the service at start-up.",
    )
    public_url: AnyHttpUrl | None = Field(
        default=None,
        description="The address clients reach the service at (https://vraagbaak.intranet.example/); every "
        "absolute link in a feed, a monitor or an export starts with it. Unset: links take the request's "
        "address only when it is a loopback one, and are relative (/v1/...) otherwise, so a forged Host "
        "header never lands in a link.",
    )
    key_failures_per_minute: int = Field(
        default=5,
        ge=1,
        le=10_000,
        description="Wrong API keys one client address may send in a minute; past it 429 with Retry-After.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description='Origins allowed to call the API from a browser, as JSON: ["https://intranet.example"]. '
        "None by default: the page is served from the same origin.",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, description="Largest request body (413 above).")
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest body of a document upload (413 above)."
    )
    batch_max: int = Field(default=32, ge=1, le=1024, description="Most questions encoded in one micro-batch.")
    batch_wait_ms: float = Field(
        default=2.0, ge=0.0, le=100.0, description="How long a micro-batch waits for more questions."
    )
    encode_timeout_s: float = Field(
        default=30.0,
        gt=0.0,
        le=3600.0,
        description="Longest a search waits for the query engine; past it 503 with Retry-After.",
    )
    malloc_arenas: int = Field(
        default=2,
        ge=0,
        le=1024,
        description="glibc malloc arenas for the serving process (0: glibc's default of 8 per core); "
        "few arenas keep RSS flat under many request threads.",
    )
    max_in_flight: int = Field(
        default=128, ge=1, le=100_000, description="Requests served at once; more get 503 with Retry-After."
    )
    monitor_db: Path | None = Field(
        default=None,
        description="SQLite database of saved searches (monitors); unset: monitors.sqlite3 in the index directory.",
    )
    reload_poll_s: float = Field(
        default=0.0,
        ge=0.0,
        le=3600.0,
        description="Seconds between looks at the index's CURRENT pointer; a new generation (written by "
        "another process: a replica's writer, `vraagbaak index add`) is loaded without a restart. 0: off.",
    )
    answer_term_days: int = Field(
        default=21,
        ge=1,
        le=365,
        description="Days the government has to answer schriftelijke vragen after they were sent in; past it, "
        "and past a postponement's new date, a question counts as overdue.",
    )

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, value: object) -> object:
        """An empty VRAAGBAAK_API_KEY= means no key (admin routes off), as before there was a minimum."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value

    @field_validator("api_key")
    @classmethod
    def _key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_API_KEY_CHARS:
            # The message gives the length only, never the key.
            raise ValueError(
                f"the API key has {len(value.get_secret_value())} characters; at least {MIN_API_KEY_CHARS} "
                "are needed (make one with `openssl rand -hex 16`)"
            )
        return value
