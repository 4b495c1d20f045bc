"""Helpers for the API tests: an application on a fresh home, and keys of each role."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import FastAPI

from callwarden.config import get_settings
from callwarden.core.identity import Role
from callwarden.interfaces.api.app import create_app

ROOT = Path(__file__).resolve().parents[2]
NUMBERING_CACHE = ROOT / ".callwarden" / "test-cache"

#: A real-looking payment card number (Luhn-valid test PAN) that must never come back or be logged.
CARD = "4111111111111111"
ATTEMPT = {"id": "a1", "phone": "(214) 234-5678", "at": "2026-03-03T20:30:00-06:00"}


def make_api(home: Path, **settings: object) -> FastAPI:
    """The API on a fresh home (sharing the numbering-plan cache built once for the suite)."""
    home.mkdir(parents=True, exist_ok=True)
    NUMBERING_CACHE.mkdir(parents=True, exist_ok=True)
    cache = home / "cache"
    if not cache.exists():
        cache.symlink_to(NUMBERING_CACHE, target_is_directory=True)
    return create_app(get_settings(home=home, env="test", **settings))


def bearer(api: FastAPI, role: Role | str, name: str | None = None) -> dict[str, str]:
    """Headers carrying a fresh key of ``role``."""
    name = name or f"{role}-{uuid.uuid4().hex[:8]}"
    _, key = api.state.cw.apikeys.create(name, Role(role))
    return {"Authorization": f"Bearer {key}"}


def assert_envelope(body: object, code: str) -> dict[str, object]:
    """The body is exactly the error envelope with ``code``; return its inner object."""
    assert isinstance(body, dict)
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["request_id"], str)
    assert error["request_id"]
    return error
