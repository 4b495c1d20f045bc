"""The gate composes checks, fails closed and explains itself."""

from __future__ import annotations

from datetime import datetime

import pytest

from callwarden.core.decision import ReasonCode
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.types import Address, Attempt, Purpose
from callwarden.errors import ConfigurationError


def attempt(phone: str, at: str, **kw: object) -> Attempt:
    return Attempt(id="t", phone=phone, at=datetime.fromisoformat(at), **kw)  # type: ignore[arg-type]


def test_empty_check_list_is_refused(plan, shipped_rules) -> None:
    """An all-of over no checks must not allow everything."""
    with pytest.raises(ConfigurationError):
        Gate(plan=plan, rules=shipped_rules, checks=[])


def test_invalid_number(plan, shipped_rules) -> None:
    """A malformed number is denied with INVALID_NUMBER and no jurisdictions."""
    from callwarden.core.gate.checks import default_checks

    gate = Gate(plan=plan, rules=shipped_rules, checks=default_checks())
    decision = gate.decide(attempt("911-234-5678", "2026-03-03T12:00:00-06:00"), Facts())
    assert not decision.allowed
    assert decision.codes == ("INVALID_NUMBER",)
    assert decision.jurisdictions == ()


def test_address_adds_a_candidate(plan, shipped_rules) -> None:
    """A Texas number with a California address is judged in both places."""
    from callwarden.core.gate.checks import default_checks

    gate = Gate(plan=plan, rules=shipped_rules, checks=default_checks())
    decision = gate.decide(
        attempt(
            "2142345678",
            "2026-03-03T22:30:00-06:00",  # 20:30 in California, 22:30 in Texas
            address=Address(state="CA", zip="94105"),
            purpose=Purpose.TELEMARKETING,
        ),
        Facts(),
    )
    assert not decision.allowed
    assert {c.state for c in decision.jurisdictions} == {"TX", "CA"}
    assert ReasonCode.OUTSIDE_CALLING_HOURS in {r.code for r in decision.reasons}
