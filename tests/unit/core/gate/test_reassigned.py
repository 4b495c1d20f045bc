"""REASSIGNED_NUMBER: a disconnection after every consent voids what the seller relies on."""

from __future__ import annotations

from datetime import datetime

import pytest

from callwarden.core.decision import Confidence
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.reassigned import ReassignedCheck
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Consent, ConsentKind, LineType, Method, Purpose

TX = "2142345678"
AT = "2026-02-02T11:00:00-06:00"
DISCONNECTED = datetime.fromisoformat("2025-06-01T00:00:00+00:00")
CHECK = ReassignedCheck()
ROBO = {"method": Method.AUTODIALER, "line_type": LineType.WIRELESS}


def consent(at: str, seller: str = "acme", kind: ConsentKind = ConsentKind.WRITTEN) -> Consent:
    return Consent(phone=int(TX), seller=seller, kind=kind, at=datetime.fromisoformat(at))


def facts(*consents: Consent, reassigned: datetime | None = DISCONNECTED) -> Facts:
    return Facts(consents=consents, reassigned_at=reassigned)


def test_disconnection_after_consent_denies(judge) -> None:
    """Consent from before a permanent disconnection is void (47 CFR 64.1200(m))."""
    decision = judge([CHECK], TX, AT, facts(consent("2025-01-10T12:00:00-06:00")), **ROBO)
    assert decision.codes == ("REASSIGNED_NUMBER",)
    reason = decision.reasons[0]
    assert (reason.rule, reason.citation) == ("US-FED-TCPA-REASSIGNED", "47 CFR 64.1200(m)")
    assert "2025-06-01" in reason.message
    assert reason.confidence is Confidence.MEDIUM  # as the rule data says


@pytest.mark.parametrize(
    ("f", "kw", "allowed", "why"),
    [
        (facts(consent("2025-08-01T12:00:00-05:00")), ROBO, True, "consent of the new subscriber"),
        (
            facts(consent("2025-01-10T12:00:00-06:00"), consent("2025-08-01T12:00:00-05:00")),
            ROBO,
            True,
            "a newer consent exists",
        ),
        (
            facts(consent("2025-01-10T12:00:00-06:00"), reassigned=None),
            ROBO,
            True,
            "never disconnected",
        ),
        (
            facts(
                consent("2025-01-10T12:00:00-06:00"),
                reassigned=datetime.fromisoformat("2026-02-02T17:00:01+00:00"),
            ),
            ROBO,
            True,
            "disconnected a second after the attempt",
        ),
        (
            facts(
                consent("2025-01-10T12:00:00-06:00"),
                reassigned=datetime.fromisoformat("2026-02-02T17:00:00+00:00"),
            ),
            ROBO,
            False,
            "disconnected at the attempt's instant",
        ),
        (facts(), ROBO, False, "needs consent, and has none from after the disconnection"),
        (facts(), {"method": Method.MANUAL}, True, "needs no consent and relies on none"),
        (
            facts(consent("2025-01-10T12:00:00-06:00")),
            {"method": Method.MANUAL},
            True,
            "a manual call to a number on no list relies on no consent",
        ),
        (
            facts(consent("2025-01-10T12:00:00-06:00", seller="rival")),
            {"method": Method.MANUAL},
            True,
            "another seller's consent is not this seller's",
        ),
        (facts(), {"purpose": Purpose.EMERGENCY, **ROBO}, True, "emergency needs no consent"),
    ],
)
def test_when_a_disconnection_matters(judge, f: Facts, kw, allowed: bool, why: str) -> None:
    """The safe harbor looks at disconnections since the consent (47 CFR 64.1200(m))."""
    assert judge([CHECK], TX, AT, f, **kw).allowed is allowed, why


def test_before_the_database_existed(judge) -> None:
    """Attempts before the rule's effective date are not judged by it (47 CFR 64.1200(m))."""
    f = facts(
        consent("2019-01-10T12:00:00-06:00"),
        reassigned=datetime.fromisoformat("2020-06-01T00:00:00+00:00"),
    )
    assert judge([CHECK], TX, "2021-10-31T12:00:00-05:00", f, **ROBO).allowed
    assert not judge([CHECK], TX, "2021-11-01T12:00:00-05:00", f, **ROBO).allowed


def test_listed_number_relies_on_the_old_consent(judge) -> None:
    """On a do-not-call list, a manual call relies on the consent as its exemption (64.1200(m))."""
    from dataclasses import replace

    f = replace(facts(consent("2025-01-10T12:00:00-06:00")), dnc_hits=frozenset({"national"}))
    decision = judge([CHECK], TX, AT, f, method=Method.MANUAL)
    assert decision.codes == ("REASSIGNED_NUMBER",)


def test_the_rule_data_decides_what_is_covered(plan, frozen_rules: RuleSet) -> None:
    """Without a ``reassigned`` row in scope the check denies nothing (the rule is data)."""
    from dataclasses import replace

    f = facts(consent("2025-01-10T12:00:00-06:00"))
    attempt = Attempt(id="a", phone=TX, at=datetime.fromisoformat(AT), seller="acme", **ROBO)
    without = Gate(plan=plan, rules=replace(frozen_rules, reassigned=()), checks=[CHECK])
    assert without.decide(attempt, f).allowed
    (row,) = frozen_rules.reassigned
    narrow = replace(row, scope=replace(row.scope, purposes=frozenset({Purpose.INFORMATIONAL})))
    scoped = Gate(plan=plan, rules=replace(frozen_rules, reassigned=(narrow,)), checks=[CHECK])
    assert scoped.decide(attempt, f).allowed  # telemarketing is outside the row's scope
    informational = replace(attempt, purpose=Purpose.INFORMATIONAL)
    assert scoped.decide(informational, f).codes == ("REASSIGNED_NUMBER",)
