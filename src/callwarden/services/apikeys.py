"""API keys: created once and shown once; only their SHA-256 is stored.

A key looks like ``cw_<prefix>_<secret>``; the prefix identifies it in listings and logs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from callwarden.core.identity import Principal, Role

__all__ = ["Principal", "Role", "hash_key", "new_key", "same_hash"]


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
