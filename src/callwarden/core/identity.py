"""Identities: who acts (a unique name) and what their role lets them do."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Role(enum.StrEnum):
    """What a key may do (see ``docs/api.md`` for the route table)."""

    ADMIN = "admin"  # everything, including key management and list imports
    COMPLIANCE = "compliance"  # read everything, manage consent, lists, emergencies
    DIALER = "dialer"  # check, scrub, record history, record opt-outs
    READONLY = "readonly"  # read decisions' inputs: rules, list status


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: a key's name and role."""

    name: str
    role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKeyInfo:
    """What may be shown about an API key: never the key, never its hash."""

    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the key still opens the API."""
        return self.revoked_at is None

    def to_dict(self) -> dict[str, str | None]:
        """The JSON form used by ``callwarden apikey list --json``."""
        return {
            "name": self.name,
            "role": self.role.value,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
