"""API key rows: create, find by hash, list, revoke."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwarden.core.identity import Principal, Role
from callwarden.errors import Conflict, NotFound
from callwarden.storage.db.tables import ApiKeyRow


class SqlApiKeys:
    """API keys in SQL."""

    def __init__(self, session: Session) -> None:
        """Bind to a session."""
        self.session = session

    def create(self, name: str, role: Role, prefix: str, key_hash: str, at: datetime) -> None:
        """Store a new key's hash; names are unique."""
        if self.session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.name == name)) is not None:
            raise Conflict(f"an API key named {name!r} exists already", details={"name": name})
        self.session.add(
            ApiKeyRow(name=name, role=role.value, prefix=prefix, key_hash=key_hash, created_at=at)
        )

    def principal(self, key_hash: str) -> Principal | None:
        """The principal of an active key, or None."""
        row = self.session.scalar(
            select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None))
        )
        return None if row is None else Principal(name=row.name, role=Role(row.role))

    def list(self) -> list[dict[str, object]]:
        """Every key without its hash."""
        rows = self.session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.name))
        return [
            {
                "name": r.name,
                "role": r.role,
                "prefix": r.prefix,
                "created_at": r.created_at.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in rows
        ]

    def revoke(self, name: str, at: datetime) -> None:
        """Revoke a key by name."""
        row = self.session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name))
        if row is None:
            raise NotFound(f"no API key named {name!r}", details={"name": name})
        row.revoked_at = at
