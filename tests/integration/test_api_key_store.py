"""``SqlApiKeys`` on SQLite and PostgreSQL: only hashes stored, names unique, revocation kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from callwarden.bootstrap import App
from callwarden.core.identity import ApiKeyInfo, Principal, Role
from callwarden.errors import Conflict, NotFound
from callwarden.services.apikeys import hash_key
from callwarden.storage.db.api_keys import SqlApiKeys
from callwarden.storage.db.tables import ApiKeyRow

T0 = datetime(2026, 3, 3, 9, 30, tzinfo=timezone(timedelta(hours=-6)))


def _info(name: str, role: Role = Role.DIALER) -> ApiKeyInfo:
    return ApiKeyInfo(name=name, role=role, prefix=name[:8].ljust(8, "0"), created_at=T0)


def test_add_find_list_and_revoke(db_app: App) -> None:
    """A stored key is found by hash until revoked; listings carry no hash."""
    store = SqlApiKeys(db_app.session_factory)
    store.add(_info("dialer1"), hash_key("key-one"))
    store.add(_info("auditor", Role.READONLY), hash_key("key-two"))
    assert store.active(hash_key("key-one")) == Principal(name="dialer1", role=Role.DIALER)
    assert store.active(hash_key("no-such-key")) is None
    listed = store.all()
    assert [k.name for k in listed] == ["auditor", "dialer1"]
    assert listed[1].created_at == T0
    assert listed[1].created_at.tzinfo is not None

    revoked = store.revoke("dialer1", T0 + timedelta(days=1))
    assert revoked.revoked_at == T0 + timedelta(days=1)
    assert store.active(hash_key("key-one")) is None
    assert store.active(hash_key("key-two")) is not None


def test_only_the_hash_is_in_the_database(db_app: App) -> None:
    """The row holds the SHA-256 hex of the key, never the key."""
    store = SqlApiKeys(db_app.session_factory)
    store.add(_info("dialer1"), hash_key("cw_abcd1234_secret-part"))
    with db_app.session_factory() as session:
        row = session.scalars(select(ApiKeyRow)).one()
    assert row.key_hash == hash_key("cw_abcd1234_secret-part")
    assert len(row.key_hash) == 64
    assert "secret-part" not in repr({c.name: getattr(row, c.name) for c in ApiKeyRow.__table__.c})


def test_names_and_hashes_are_unique(db_app: App) -> None:
    """A second key with a used name, or a used hash, is a Conflict and stores nothing."""
    store = SqlApiKeys(db_app.session_factory)
    store.add(_info("dialer1"), hash_key("key-one"))
    with pytest.raises(Conflict):
        store.add(_info("dialer1", Role.ADMIN), hash_key("key-other"))
    with pytest.raises(Conflict):
        store.add(_info("dialer2"), hash_key("key-one"))
    assert [k.name for k in store.all()] == ["dialer1"]
    assert store.active(hash_key("key-one")) == Principal(name="dialer1", role=Role.DIALER)


def test_revoking_keeps_the_first_time_and_unknown_names_are_not_found(db_app: App) -> None:
    """Revocation is idempotent; an unknown name raises NotFound."""
    store = SqlApiKeys(db_app.session_factory)
    store.add(_info("dialer1"), hash_key("key-one"))
    first = store.revoke("dialer1", datetime(2026, 3, 4, tzinfo=UTC))
    again = store.revoke("dialer1", datetime(2026, 5, 1, tzinfo=UTC))
    assert again.revoked_at == first.revoked_at == datetime(2026, 3, 4, tzinfo=UTC)
    with pytest.raises(NotFound):
        store.revoke("nobody", T0)
