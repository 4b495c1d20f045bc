"""Settings: one validated object built at start-up from ``CALLWARDEN_*`` environment variables.

There is no module-level instance; call ``get_settings()`` (the composition root does).
Every field is documented in ``docs/settings.md`` (a test checks it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from callwarden.errors import ConfigurationError


class Settings(BaseSettings):
    """callwarden's configuration."""

    model_config = SettingsConfigDict(env_prefix="CALLWARDEN_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    home: Path = Path(".callwarden")
    database_url: str | None = None
    rules_dir: Path | None = None
    rules_overrides: list[Path] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    max_body_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_batch: int = Field(default=10_000, ge=1)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    litigator_blocks: bool = True

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            msg = "database_url must be a sqlite:// or postgresql:// URL"
            raise ValueError(msg)
        return url

    @property
    def db_url(self) -> str:
        """The database URL: the configured one, or a SQLite file under ``home``."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.home / 'callwarden.db').resolve()}"

    @property
    def dnc_dir(self) -> Path:
        """Where the DNC list files live."""
        return self.home / "dnc"

    @property
    def cache_dir(self) -> Path:
        """Where derived tables (numbering plan) are cached."""
        return self.home / "cache"


def get_settings(**overrides: object) -> Settings:
    """Build and validate settings from the environment; raise ConfigurationError if invalid."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        env_name = f"CALLWARDEN_{field.upper()}"
        raise ConfigurationError(
            f"invalid setting {env_name}: {first['msg']}", details={"setting": env_name}
        ) from exc
