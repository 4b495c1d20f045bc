"""Domain values: an attempt moved to another instant keeps everything else."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from callwarden.core.types import (
    Address,
    Attempt,
    Channel,
    LineType,
    Method,
    Purpose,
)

ATTEMPT = Attempt(
    id="a7",
    phone="(212) 234-5678",
    at=datetime(2026, 7, 7, 22, tzinfo=timezone(timedelta(hours=-4))),
    channel=Channel.SMS,
    purpose=Purpose.DEBT_COLLECTION,
    method=Method.PREDICTIVE,
    campaign="spring",
    seller="acme",
    address=Address(state="NY", zip="10001"),
    line_type=LineType.WIRELESS,
)


def test_at_instant_is_replace_of_at() -> None:
    """Every field but ``at`` is the original's (a new field is copied too)."""
    later = datetime(2026, 7, 8, 12, tzinfo=UTC)
    moved = ATTEMPT.at_instant(later)
    assert moved == replace(ATTEMPT, at=later)
    assert moved.at is later
    assert ATTEMPT.at != later  # the original is untouched
    for field in fields(Attempt):
        if field.name != "at":
            assert getattr(moved, field.name) == getattr(ATTEMPT, field.name), field.name


def test_at_instant_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ATTEMPT.at_instant(datetime(2026, 7, 8, 12))


def test_for_attempt_is_replace_of_id_and_phone() -> None:
    """A reused decision differs from the original in its attempt id and number only."""
    from callwarden.core.decision import (
        Decision,
        JurisdictionCandidate,
        Reason,
        ReasonCode,
    )

    original = Decision(
        attempt_id="a1",
        allowed=False,
        reasons=(Reason(code=ReasonCode.DNC_NATIONAL, rule="R", citation="C", message="m"),),
        next_allowed_at=None,
        jurisdictions=(JurisdictionCandidate(state="NY", tz="America/New_York", source="number"),),
        rule_set="2026.12.1+abc",
        phone_e164="+12122345678",
        notes=("n",),
    )
    copy = original.for_attempt("a2", "+12122345679")
    assert copy == replace(original, attempt_id="a2", phone_e164="+12122345679")
    assert original.attempt_id == "a1"
