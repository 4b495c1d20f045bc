"""API keys: created once and shown once; only their SHA-256 is stored.

A key looks like ``cw_<prefix>_<secret>``; the prefix identifies it in listings and logs, the
secret is 32 random bytes (PCI DSS v4 Req. 8.3: strong, unique authentication factors; Req. 8.3.2:
rendered unreadable in storage, here by a one-way hash).

Verifying a key on every request would cost a database round trip. ``ApiKeyService`` keeps the
hashes of keys it has verified in memory for ``cache_ttl`` (30 s by default): a key revoked
through this service stops working at once, and a key revoked by another process (the CLI, another
API worker) stops working within ``cache_ttl``. Unknown keys are never cached, so a key created
elsewhere works on its first request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from callwarden.core.identity import ApiKeyInfo, Principal, Role
from callwarden.core.ports import ApiKeyStore, Clock
from callwarden.errors import InvalidInput, Unauthenticated

__all__ = [
    "DEFAULT_CACHE_TTL",
    "ApiKeyService",
    "Principal",
    "Role",
    "hash_key",
    "new_key",
    "same_hash",
]

#: How long a verified key is trusted without asking the store again.
DEFAULT_CACHE_TTL = timedelta(seconds=30)
#: Longest key accepted for hashing (real keys are about 55 characters).
MAX_KEY_LENGTH = 200
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: The form of every key ``new_key`` makes; a presented key of another form is refused
#: without asking the store.
_KEY_FORM = re.compile(r"^cw_[0-9a-f]+_[A-Za-z0-9_-]+$")


def new_key() -> tuple[str, str, str]:
    """Return (key, prefix, sha256 hex) for a fresh random key."""
    prefix = secrets.token_hex(4)
    key = f"cw_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a, b)


class ApiKeyService:
    """Create, list, revoke and verify API keys."""

    def __init__(
        self, *, store: ApiKeyStore, clock: Clock, cache_ttl: timedelta = DEFAULT_CACHE_TTL
    ) -> None:
        """Compose the key store with a clock; ``cache_ttl`` bounds how stale a verdict may be."""
        self.store = store
        self.clock = clock
        self.cache_ttl = cache_ttl
        self._verified: dict[str, tuple[Principal, datetime]] = {}

    def create(self, name: str, role: Role) -> tuple[ApiKeyInfo, str]:
        """Store a new key and return its description and the key itself (shown only now)."""
        if not _NAME.fullmatch(name):
            raise InvalidInput(
                "a key name is 1-100 letters, digits, '.', '_' or '-', starting with a letter "
                "or digit",
                details={"field": "name"},
            )
        key, prefix, key_hash = new_key()
        info = ApiKeyInfo(name=name, role=Role(role), prefix=prefix, created_at=self.clock.now())
        self.store.add(info, key_hash)
        return info, key

    def list(self) -> list[ApiKeyInfo]:
        """Every key (active and revoked), without secrets."""
        return list(self.store.all())

    def revoke(self, name: str) -> ApiKeyInfo:
        """Revoke a key by name; it stops working in this process at once."""
        info = self.store.revoke(name, self.clock.now())
        self._verified = {h: v for h, v in self._verified.items() if v[0].name != name}
        return info

    def cached(self, key: str) -> Principal | None:
        """The principal of a key verified less than ``cache_ttl`` ago, else None (no I/O)."""
        hit = self._verified.get(hash_key(key)) if len(key) <= MAX_KEY_LENGTH else None
        if hit is None or hit[1] <= self.clock.now():
            return None
        return hit[0]

    def may_exist(self, key: str) -> bool:
        """Whether the key has the form of a key this service makes (no I/O).

        Keys of any other form are refused at once: a request with a garbled or made-up key
        costs no thread hop and no query.
        """
        return 0 < len(key) <= MAX_KEY_LENGTH and _KEY_FORM.fullmatch(key) is not None

    def authenticate(self, key: str) -> Principal:
        """The principal of an active key; raise Unauthenticated for unknown or revoked keys."""
        if not self.may_exist(key):
            raise Unauthenticated("the API key is unknown or revoked")
        key_hash = hash_key(key)
        hit = self._verified.get(key_hash)
        now = self.clock.now()
        if hit is not None and hit[1] > now:
            return hit[0]
        principal = self.store.active(key_hash)
        if principal is None:
            self._verified.pop(key_hash, None)
            raise Unauthenticated("the API key is unknown or revoked")
        self._verified[key_hash] = (principal, now + self.cache_ttl)
        return principal
