"""The API key service on an in-memory store: shown once, hashed, cached for a bounded time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from callwarden.core.identity import ApiKeyInfo, Principal, Role
from callwarden.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from callwarden.services.apikeys import ApiKeyService, hash_key, same_hash
from callwarden.testing import FixedClock

T0 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


class MemoryKeys:
    """An ``ApiKeyStore`` in a dict, counting lookups."""

    def __init__(self) -> None:
        """Start empty."""
        self.rows: dict[str, tuple[ApiKeyInfo, str]] = {}
        self.lookups = 0

    def add(self, key: ApiKeyInfo, key_hash: str) -> None:
        if key.name in self.rows or any(h == key_hash for _, h in self.rows.values()):
            raise Conflict("exists")
        self.rows[key.name] = (key, key_hash)

    def active(self, key_hash: str) -> Principal | None:
        self.lookups += 1
        for info, stored in self.rows.values():
            if same_hash(stored, key_hash) and info.active:
                return Principal(name=info.name, role=info.role)
        return None

    def all(self) -> tuple[ApiKeyInfo, ...]:
        return tuple(info for _, (info, _h) in sorted(self.rows.items()))

    def revoke(self, name: str, at: datetime) -> ApiKeyInfo:
        if name not in self.rows:
            raise NotFound(name)
        info, key_hash = self.rows[name]
        if info.revoked_at is None:
            info = replace(info, revoked_at=at)
            self.rows[name] = (info, key_hash)
        return info


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def store() -> MemoryKeys:
    return MemoryKeys()


@pytest.fixture
def keys(store: MemoryKeys, clock: FixedClock) -> ApiKeyService:
    return ApiKeyService(store=store, clock=clock)


def test_create_returns_the_key_once_and_stores_only_its_hash(
    keys: ApiKeyService, store: MemoryKeys
) -> None:
    """The key is returned, its SHA-256 stored; nothing stored contains the key."""
    info, key = keys.create("dialer1", Role.DIALER)
    assert key.startswith(f"cw_{info.prefix}_")
    assert len(key) > 40
    stored_info, stored_hash = store.rows["dialer1"]
    assert stored_hash == hash_key(key)
    assert key not in repr(stored_info)
    assert info == stored_info
    assert info.created_at == T0
    assert info.role is Role.DIALER


def test_two_keys_never_collide(keys: ApiKeyService) -> None:
    """Fresh keys are random."""
    _, first = keys.create("one", Role.READONLY)
    _, second = keys.create("two", Role.READONLY)
    assert first != second


@pytest.mark.parametrize("name", ["", " ", "-leading-dash", "has space", "x" * 101, "dialer/1"])
def test_bad_names_are_refused(keys: ApiKeyService, name: str) -> None:
    """Names are 1-100 plain characters, so they print and log safely."""
    with pytest.raises(InvalidInput):
        keys.create(name, Role.DIALER)


def test_a_duplicate_name_is_a_conflict(keys: ApiKeyService) -> None:
    """Names are unique."""
    keys.create("dialer1", Role.DIALER)
    with pytest.raises(Conflict):
        keys.create("dialer1", Role.ADMIN)


def test_list_shows_every_key_without_secrets(keys: ApiKeyService) -> None:
    """Listing gives names, roles, prefixes and dates; the dict form has no hash or key."""
    _, key = keys.create("b-dialer", Role.DIALER)
    keys.create("a-admin", Role.ADMIN)
    listed = keys.list()
    assert [k.name for k in listed] == ["a-admin", "b-dialer"]
    for info in listed:
        assert set(info.to_dict()) == {"name", "role", "prefix", "created_at", "revoked_at"}
        assert key not in str(info.to_dict())
        assert hash_key(key) not in str(info.to_dict())


def test_authenticate_finds_the_principal(keys: ApiKeyService) -> None:
    """A valid key yields its name and role."""
    _, key = keys.create("dialer1", Role.DIALER)
    assert keys.authenticate(key) == Principal(name="dialer1", role=Role.DIALER)


@pytest.mark.parametrize("key", ["", "cw_00000000_nope", "x" * 201])
def test_unknown_keys_are_unauthenticated(keys: ApiKeyService, key: str) -> None:
    """Unknown, empty and oversized keys are refused alike."""
    with pytest.raises(Unauthenticated):
        keys.authenticate(key)


@pytest.mark.parametrize(
    "key",
    ["", "x" * 201, "Bearer cw_0a_b", "cw__x", "cw_0A_x", "cw_0a_", "cw_0a_x y", "' OR 1=1 --"],
)
def test_keys_of_another_form_are_refused_without_the_store(
    keys: ApiKeyService, store: MemoryKeys, key: str
) -> None:
    """A garbled or made-up key costs no lookup; a well-formed unknown one costs one."""
    assert not keys.may_exist(key)
    with pytest.raises(Unauthenticated):
        keys.authenticate(key)
    assert store.lookups == 0
    made, real = keys.create("dialer1", Role.DIALER)
    assert keys.may_exist(real)
    assert keys.may_exist(f"cw_{made.prefix}_{'A' * 43}")


def test_a_verified_key_is_served_from_memory_within_the_ttl(
    keys: ApiKeyService, store: MemoryKeys, clock: FixedClock
) -> None:
    """One store lookup per key per 30 s, however many requests."""
    _, key = keys.create("dialer1", Role.DIALER)
    assert keys.cached(key) is None
    keys.authenticate(key)
    for _ in range(100):
        assert keys.cached(key) == Principal(name="dialer1", role=Role.DIALER)
        keys.authenticate(key)
    assert store.lookups == 1
    clock.advance(timedelta(seconds=30))
    assert keys.cached(key) is None
    keys.authenticate(key)
    assert store.lookups == 2


def test_unknown_keys_are_not_cached(keys: ApiKeyService, store: MemoryKeys) -> None:
    """A key created elsewhere after a miss works on its next request."""
    _, key = keys.create("late", Role.DIALER)
    info, key_hash = store.rows.pop("late")
    with pytest.raises(Unauthenticated):
        keys.authenticate(key)
    store.rows["late"] = (info, key_hash)
    assert keys.authenticate(key).name == "late"


def test_revoking_here_takes_effect_at_once(keys: ApiKeyService, clock: FixedClock) -> None:
    """A revocation through this service empties its cache entry."""
    _, key = keys.create("dialer1", Role.DIALER)
    keys.authenticate(key)
    clock.advance(timedelta(seconds=5))
    revoked = keys.revoke("dialer1")
    assert revoked.revoked_at == T0 + timedelta(seconds=5)
    assert keys.cached(key) is None
    with pytest.raises(Unauthenticated):
        keys.authenticate(key)


def test_revoking_elsewhere_takes_effect_within_the_ttl(
    keys: ApiKeyService, store: MemoryKeys, clock: FixedClock
) -> None:
    """Another process revokes in the store: this one refuses the key once its entry expires."""
    _, key = keys.create("dialer1", Role.DIALER)
    keys.authenticate(key)
    other = ApiKeyService(store=store, clock=clock)
    other.revoke("dialer1")
    clock.advance(timedelta(seconds=29, microseconds=999_999))
    assert keys.authenticate(key).name == "dialer1"
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(Unauthenticated):
        keys.authenticate(key)


def test_revoking_an_unknown_name_is_not_found(keys: ApiKeyService) -> None:
    """Nothing to revoke."""
    with pytest.raises(NotFound):
        keys.revoke("nobody")


def test_revoking_twice_keeps_the_first_time(keys: ApiKeyService, clock: FixedClock) -> None:
    """Revocation is idempotent and its time is not rewritten."""
    keys.create("dialer1", Role.DIALER)
    first = keys.revoke("dialer1")
    clock.advance(timedelta(hours=1))
    assert keys.revoke("dialer1").revoked_at == first.revoked_at
