"""API key rows in SQL: the ``ApiKeyStore`` port, one transaction per call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from callwarden.core.identity import ApiKeyInfo, Principal, Role
from callwarden.errors import Conflict, NotFound
from callwarden.storage.db.tables import ApiKeyRow


class SqlApiKeys:
    """API keys in SQL (implements ``core.ports.ApiKeyStore``)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        """Open a session per call from ``session_factory``."""
        self._factory = session_factory

    def add(self, key: ApiKeyInfo, key_hash: str) -> None:
        """Store a new key's hash; names and hashes are unique."""
        with self._factory() as session, session.begin():
            clash = session.scalar(
                select(ApiKeyRow.name).where(
                    or_(ApiKeyRow.name == key.name, ApiKeyRow.key_hash == key_hash)
                )
            )
            if clash is not None:
                raise Conflict(
                    f"an API key named {key.name!r} exists already", details={"name": key.name}
                )
            session.add(
                ApiKeyRow(
                    name=key.name,
                    role=key.role.value,
                    prefix=key.prefix,
                    key_hash=key_hash,
                    created_at=key.created_at,
                    revoked_at=key.revoked_at,
                )
            )

    def active(self, key_hash: str) -> Principal | None:
        """The principal of the unrevoked key with this hash, or None."""
        with self._factory() as session:
            row = session.execute(
                select(ApiKeyRow.name, ApiKeyRow.role).where(
                    ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None)
                )
            ).first()
        return None if row is None else Principal(name=row.name, role=Role(row.role))

    def all(self) -> tuple[ApiKeyInfo, ...]:
        """Every key without its hash, ordered by name."""
        with self._factory() as session:
            rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.name)).all()
            return tuple(_info(r) for r in rows)

    def revoke(self, name: str, at: datetime) -> ApiKeyInfo:
        """Revoke a key by name at ``at``; a key revoked before keeps its first revocation."""
        with self._factory() as session, session.begin():
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name))
            if row is None:
                raise NotFound(f"no API key named {name!r}", details={"name": name})
            if row.revoked_at is None:
                row.revoked_at = at
            return _info(row)


def _info(row: ApiKeyRow) -> ApiKeyInfo:
    return ApiKeyInfo(
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
