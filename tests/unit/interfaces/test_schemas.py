"""The attempt schema at the boundary: what it accepts and the instants it hands the core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from callwarden.interfaces.schemas import AttemptIn

BASE = {"id": "a1", "phone": "(214) 555-0100", "seller": "acme", "campaign": "spring"}


def test_a_utc_instant_reaches_the_core_in_utc() -> None:
    """``Z`` and ``+00:00`` arrive as the standard library's UTC: the same instant."""
    for text in ("2026-03-03T15:00:00Z", "2026-03-03T15:00:00+00:00"):
        attempt = AttemptIn.model_validate({**BASE, "at": text}).to_core()
        assert attempt.at.tzinfo is UTC
        assert attempt.at == datetime(2026, 3, 3, 15, tzinfo=UTC)
        assert attempt.at.isoformat() == "2026-03-03T15:00:00+00:00"


def test_other_offsets_are_kept() -> None:
    """The caller's offset is kept (``next_allowed_at`` is answered in it)."""
    attempt = AttemptIn.model_validate({**BASE, "at": "2026-03-03T10:00:00-05:00"}).to_core()
    assert attempt.at.utcoffset() == timedelta(hours=-5)
    assert attempt.at == datetime(2026, 3, 3, 15, tzinfo=UTC)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValidationError):
        AttemptIn.model_validate({**BASE, "at": "2026-03-03T10:00:00"})
