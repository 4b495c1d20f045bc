"""Settings: one validated object built at start-up from ``CALLWARDEN_*`` environment variables.

There is no module-level instance; call ``get_settings()`` (the composition root does).
Every field is documented in ``docs/settings.md`` (a test checks it). A variable's name may be
written in any case; a list (``CALLWARDEN_RULES_OVERRIDES``) is given as JSON. The variables
are read here and validated by the pydantic model (a settings library did the same at the
cost of a fifth of a second of every command's start).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from callwarden.errors import ConfigurationError

PREFIX = "CALLWARDEN_"
#: Fields given as JSON in their variable.
_JSON_FIELDS = frozenset({"rules_overrides"})


class Settings(BaseModel):
    """callwarden's configuration."""

    model_config = ConfigDict(extra="ignore")

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
    """Build and validate settings from the environment; raise ConfigurationError if invalid.

    ``overrides`` (by field name) win over the environment.
    """
    try:
        return Settings(**{**environment(), **overrides})  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        env_name = f"CALLWARDEN_{field.upper()}"
        raise ConfigurationError(
            f"invalid setting {env_name}: {first['msg']}", details={"setting": env_name}
        ) from exc


def environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """The settings the ``CALLWARDEN_*`` variables give, by field name (names in any case)."""
    wanted = {f"{PREFIX}{name}".upper(): name for name in Settings.model_fields}
    found: dict[str, object] = {}
    for key, value in (os.environ if environ is None else environ).items():
        name = wanted.get(key.upper())
        if name is None:
            continue
        if name in _JSON_FIELDS:
            try:
                found[name] = json.loads(value)
            except json.JSONDecodeError as exc:
                env_name = f"{PREFIX}{name.upper()}"
                raise ConfigurationError(
                    f"invalid setting {env_name}: not JSON (write a list such as "
                    "'[\"/etc/callwarden/rules\"]')",
                    details={"setting": env_name},
                ) from exc
        else:
            found[name] = value
    return found
