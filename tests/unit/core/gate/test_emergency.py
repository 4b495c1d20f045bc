"""EMERGENCY_DECLARATION: no solicitation into an area under a declared emergency."""

from __future__ import annotations

from datetime import datetime

import pytest

from callwarden.core.gate.context import Facts
from callwarden.core.gate.emergency import EmergencyCheck
from callwarden.core.types import Address, EmergencyDeclaration, Purpose

LA = "5042345678"  # New Orleans
TX = "2142345678"  # Dallas
AT = "2026-09-02T15:00:00-05:00"
CHECK = EmergencyCheck()
CITATION = "Proclamation 112 JML 2026 (state of emergency, Hurricane)"


def declared(state: str = "LA", zips: frozenset[str] = frozenset(), **kw: str) -> Facts:
    declaration = EmergencyDeclaration(
        state=state,
        starts_at=datetime.fromisoformat(kw.get("starts", "2026-08-30T00:00:00-05:00")),
        ends_at=datetime.fromisoformat(kw.get("ends", "2026-09-29T00:00:00-05:00")),
        citation=CITATION,
        zips=zips,
    )
    return Facts(emergencies=(declaration,))


def test_declared_emergency_blocks_solicitation(judge) -> None:
    """Louisiana bans telephonic solicitation during a declared emergency (La. R.S. 45:844.31)."""
    decision = judge([CHECK], LA, AT, declared())
    assert decision.codes == ("EMERGENCY_DECLARATION",)
    reason = decision.reasons[0]
    assert (reason.rule, reason.citation) == ("T-LA-EMERGENCY", "La. R.S. 45:844.31")
    assert CITATION in reason.message


@pytest.mark.parametrize(
    ("f", "kw", "why"),
    [
        (declared(ends="2026-09-02T15:00:00-05:00"), {}, "the declaration ended at the attempt"),
        (declared(starts="2026-09-02T15:00:01-05:00"), {}, "it starts a second later"),
        (declared(), {"purpose": Purpose.DEBT_COLLECTION}, "the ban covers solicitation"),
        (declared(), {"purpose": Purpose.EMERGENCY}, "emergency calls are never banned"),
        (declared(state="FL"), {}, "Florida is not a candidate"),
        (Facts(), {}, "no declaration"),
    ],
)
def test_attempts_the_ban_does_not_reach(judge, f: Facts, kw, why: str) -> None:
    """Outside the declaration's time, place or purpose the attempt goes ahead."""
    assert judge([CHECK], LA, AT, f, **kw).allowed, why


def test_state_without_a_ban_rule(judge) -> None:
    """A declaration in a state whose law has no solicitation ban does not block."""
    assert judge([CHECK], TX, AT, declared(state="TX")).allowed


@pytest.mark.parametrize(
    ("phone", "address", "allowed"),
    [
        (LA, None, False),  # the number's place in Louisiana is unknown: fail closed
        (TX, Address(state="LA", zip="70112-2801"), False),  # New Orleans, declared ZIP
        (TX, Address(state="LA", zip="71101"), True),  # Shreveport, outside the ZIP list
        (TX, Address(state="LA"), False),  # address without ZIP: fail closed
        (LA, Address(state="LA", zip="71101"), False),  # the number still counts
    ],
)
def test_zip_limited_declaration(judge, phone: str, address, allowed: bool) -> None:
    """A declaration limited to ZIP codes covers unknown places (La. R.S. 45:844.31)."""
    f = declared(zips=frozenset({"70112", "70113"}))
    assert judge([CHECK], phone, AT, f, address=address).allowed is allowed


def test_one_reason_per_declaration(judge) -> None:
    """Number and address in the same declared state give a single reason."""
    decision = judge([CHECK], LA, AT, declared(), address=Address(state="LA", zip="70112"))
    assert len(decision.reasons) == 1
