"""``next_allowed_at`` when something other than the clock changes before the window opens.

The gate does not ask a non-clock check again at the instant the clock checks allow when the
check said it keeps allowing until later (``allows_until``). Each case here has a list going
stale, a consent revoked, a number disconnected or an emergency declared between 07:00, when
only the calling window is in the way, and 08:00, when it opens: waiting does not help, so
``next_allowed_at`` is null. Each case is also decided by a gate that asks every check again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.unit.core.gate.conftest import make_attempt

from callwarden.core.decision import ReasonCode
from callwarden.core.gate.check import ClockCheck
from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.consent import ConsentCheck
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import (
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    LineType,
    Method,
)
from rule_rows import Asking

NY = "2122345678"
LA = "5042345678"  # New Orleans
EARLY = "2026-07-07T07:00:00-04:00"  # before the 08:00 federal window opens in New York
OPENS = datetime.fromisoformat("2026-07-07T08:00:00-04:00")
HALF_PAST = OPENS - timedelta(minutes=30)
NUMBER = 2122345678


def _gates(plan: NumberingPlan, rules: RuleSet) -> tuple[Gate, Gate]:
    trusting = Gate(plan=plan, rules=rules, checks=default_checks())
    checks = [c if isinstance(c, ClockCheck) else Asking(c) for c in default_checks()]
    return trusting, Gate(plan=plan, rules=rules, checks=checks)


def _fresh() -> dict[str, datetime]:
    return {"national": OPENS - timedelta(days=3), "state:LA": OPENS - timedelta(days=3)}


def _written(revoked_at: datetime | None = None, phone: int = NUMBER) -> Consent:
    return Consent(
        phone=phone,
        seller="acme",
        kind=ConsentKind.WRITTEN,
        at=OPENS - timedelta(days=90),
        revoked_at=revoked_at,
    )


CASES = {
    "the national list goes stale at 07:30": (
        NY,
        {},
        Facts(list_refreshed={"national": HALF_PAST - timedelta(days=31)}),
        ReasonCode.DNC_DATA_STALE,
    ),
    "the written consent is revoked at 07:30": (
        NY,
        {"method": Method.AUTODIALER, "line_type": LineType.WIRELESS},
        Facts(list_refreshed=_fresh(), consents=(_written(HALF_PAST),)),
        ReasonCode.CONSENT_REVOKED,
    ),
    "the number is disconnected at 07:30": (
        NY,
        {"method": Method.AUTODIALER, "line_type": LineType.WIRELESS},
        Facts(list_refreshed=_fresh(), consents=(_written(),), reassigned_at=HALF_PAST),
        ReasonCode.REASSIGNED_NUMBER,
    ),
    "an emergency is declared at 07:30": (
        LA,
        {},
        Facts(
            list_refreshed=_fresh(),
            emergencies=(
                EmergencyDeclaration(
                    state="LA",
                    starts_at=HALF_PAST,
                    ends_at=OPENS + timedelta(days=10),
                    citation="Proclamation (test)",
                ),
            ),
        ),
        ReasonCode.EMERGENCY_DECLARATION,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_waiting_does_not_help_when_another_check_turns(
    plan: NumberingPlan, frozen_rules: RuleSet, case: str
) -> None:
    phone, kind, facts, later_code = CASES[case]
    trusting, asking = _gates(plan, frozen_rules)
    early = make_attempt(phone, EARLY, **kind)
    decision = trusting.decide(early, facts)
    assert {r.code for r in decision.reasons} == {ReasonCode.OUTSIDE_CALLING_HOURS}
    assert decision.next_allowed_at is None
    assert asking.decide(early, facts) == decision
    at_opening = trusting.decide(make_attempt(phone, OPENS.isoformat(), **kind), facts)
    assert later_code in {r.code for r in at_opening.reasons}


def test_waiting_helps_when_nothing_turns_before_the_opening(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    """The same kinds of facts, changing only after 08:00: the window's opening is next."""
    trusting, asking = _gates(plan, frozen_rules)
    later = OPENS + timedelta(minutes=30)
    facts = Facts(
        list_refreshed={"national": later - timedelta(days=31)},
        consents=(_written(later),),
        reassigned_at=later,
    )
    early = make_attempt(NY, EARLY, method=Method.AUTODIALER, line_type=LineType.WIRELESS)
    decision = trusting.decide(early, facts)
    assert decision.next_allowed_at == OPENS
    assert asking.decide(early, facts) == decision


def test_a_consent_relied_on_counts_until_the_disconnection(context) -> None:
    """The consent check alone: its allow lasts until the number is disconnected."""
    facts = Facts(list_refreshed=_fresh(), consents=(_written(),), reassigned_at=HALF_PAST)
    ctx = context(NY, EARLY, facts, method=Method.AUTODIALER, line_type=LineType.WIRELESS)
    check = ConsentCheck()
    assert check(ctx) == []
    assert check.allows_until(ctx) == HALF_PAST
    assert check(ctx.at(HALF_PAST))  # no consent counts any more
