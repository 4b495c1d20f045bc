"""The check service loads the facts every check needs and records allowed attempts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.gate import Gate
from callwarden.core.rules.model import FrequencyCapRule, RuleMeta, Scope
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import (
    Address,
    Attempt,
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    LineType,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)
from callwarden.services.check import HISTORY_LOOKBACK, CheckService, history_lookback
from callwarden.storage.rule_files import load_rule_set
from callwarden.testing import FixedClock, MemoryDnc, MemoryUnitOfWork

TESTDATA = Path(__file__).resolve().parents[2] / "rules" / "testdata"
NOW = datetime.fromisoformat("2026-03-10T15:00:00-04:00")
MIAMI = "3052345678"
DALLAS = "2142345678"


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return load_rule_set(TESTDATA)


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    return MemoryUnitOfWork()


@pytest.fixture
def dnc() -> MemoryDnc:
    fresh = NOW - timedelta(days=2)
    return MemoryDnc(refreshed_at={"national": fresh, "state:TX": fresh, "state:FL": fresh})


@pytest.fixture
def service(plan, rules, uow: MemoryUnitOfWork, dnc: MemoryDnc) -> CheckService:
    gate = Gate(plan=plan, rules=rules, checks=default_checks())
    return CheckService(gate=gate, uow=lambda: uow, dnc=dnc, clock=FixedClock(NOW))


def attempt(at: datetime = NOW, **kw: object) -> Attempt:
    fields: dict[str, object] = {"seller": "acme", "campaign": "spring", "phone": MIAMI}
    fields.update(kw)
    return Attempt(id="a", at=at, **fields)  # type: ignore[arg-type]


def test_recorded_attempts_count_toward_the_florida_cap(service: CheckService, uow) -> None:
    """Three recorded sales calls in 24 hours: the 4th is denied (Fla. Stat. 501.616(6)(b))."""
    for hours in (3, 2, 1):
        (decision,) = service.check([attempt(NOW - timedelta(hours=hours))], record=True)
        assert decision.allowed
    (fourth,) = service.check([attempt()])
    assert fourth.codes == ("FREQUENCY_CAP",)
    assert fourth.next_allowed_at == NOW + timedelta(hours=21)
    assert len(uow.history.rows) == 3
    assert uow.commits == 3


def test_consents_and_revocations_are_read(service: CheckService, uow) -> None:
    """A revoked written consent gives CONSENT_REVOKED (47 CFR 64.1200(a)(10))."""
    uow.consents.add(
        [
            Consent(
                phone=int(MIAMI),
                seller="acme",
                kind=ConsentKind.WRITTEN,
                at=NOW - timedelta(days=40),
            )
        ]
    )
    robo = {"method": Method.AUTODIALER, "line_type": LineType.WIRELESS}
    assert service.check([attempt(**robo)])[0].allowed
    uow.consents.revoke(int(MIAMI), "acme", NOW - timedelta(seconds=1))
    assert "CONSENT_REVOKED" in service.check([attempt(**robo)])[0].codes


def test_lists_freshness_and_seller_exemptions(service: CheckService, uow, dnc) -> None:
    """Stale lists deny; a list the seller is exempt from is noted, not required."""
    dnc.refreshed_at["state:FL"] = NOW - timedelta(days=400)
    del dnc.refreshed_at["national"]
    (decision,) = service.check([attempt()])
    assert decision.codes == ("DNC_DATA_STALE",)
    assert "national do-not-call registry has never been imported" in decision.reasons[0].message
    uow.sellers.rows["acme"] = {"national": "tax-exempt nonprofit (47 CFR 64.1200(f)(15))"}
    (decision,) = service.check([attempt()])
    assert decision.allowed
    assert decision.notes == (
        "national do-not-call registry not applied for seller acme: "
        "tax-exempt nonprofit (47 CFR 64.1200(f)(15))",
    )


def test_predictive_campaign_statistics_are_loaded(service: CheckService, uow) -> None:
    """The campaign's last 30 days decide ABANDON_RATE (16 CFR 310.4(b)(4)(i))."""
    calls = [
        PastAttempt(
            phone=2125550000 + i,
            at=NOW - timedelta(days=1, minutes=i),
            seller="acme",
            campaign="spring",
            purpose=Purpose.TELEMARKETING,
            channel=Channel.VOICE,
            method=Method.PREDICTIVE,
            outcome=Outcome.ABANDONED if i < 3 else Outcome.CONVERSATION,
        )
        for i in range(100)
    ]
    uow.history.add(calls, source="cdr")
    predictive = {"method": Method.PREDICTIVE, "line_type": LineType.LANDLINE, "phone": DALLAS}
    (decision,) = service.check([attempt(**predictive)])
    assert decision.codes == ("ABANDON_RATE",)
    assert "abandoned 3 of 100" in decision.reasons[0].message
    (other,) = service.check([attempt(**predictive, campaign="autumn")])
    assert other.allowed


def test_reassignment_and_emergencies_are_loaded(service: CheckService, uow) -> None:
    """A disconnection and a Louisiana declaration reach the checks (La. R.S. 45:844.31)."""
    uow.reassigned.rows[int(MIAMI)] = NOW - timedelta(days=10)
    uow.consents.add(
        [
            Consent(
                phone=int(MIAMI),
                seller="acme",
                kind=ConsentKind.WRITTEN,
                at=NOW - timedelta(days=90),
            )
        ]
    )
    uow.emergencies.rows.append(
        EmergencyDeclaration(
            state="LA",
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=6),
            citation="Proclamation 112 JML 2026",
        )
    )
    autodialed = {"method": Method.AUTODIALER, "line_type": LineType.WIRELESS}
    (decision,) = service.check([attempt(address=Address(state="LA", zip="70112"), **autodialed)])
    # The consent predates the disconnection, so it no longer counts either.
    assert set(decision.codes) == {"NO_CONSENT", "REASSIGNED_NUMBER", "EMERGENCY_DECLARATION"}
    (manual,) = service.check([attempt(address=Address(state="LA", zip="70112"))])
    assert set(manual.codes) == {"EMERGENCY_DECLARATION"}  # relies on no consent


def test_invalid_number_needs_no_facts(service: CheckService) -> None:
    """A malformed number is denied without touching storage."""
    (decision,) = service.check([replace(attempt(), phone="911-555-0100")])
    assert decision.codes == ("INVALID_NUMBER",)


def test_history_lookback_follows_the_rules(rules) -> None:
    """History is loaded far enough back for the longest window in the rules."""
    assert history_lookback(rules) == HISTORY_LOOKBACK
    long_cap = FrequencyCapRule(
        meta=RuleMeta(
            id="T-XX-60-DAYS", jurisdiction="US-TX", effective_from=date(2020, 1, 1), citation="t"
        ),
        scope=Scope(
            purposes=frozenset(Purpose),
            channels=frozenset(Channel),
            methods=frozenset(Method),
            line_types=frozenset(LineType),
        ),
        max_attempts=10,
        window_days=60,
    )
    longer = RuleSet(
        version="t", content_hash="2" * 64, frequency_caps=(*rules.frequency_caps, long_cap)
    )
    assert history_lookback(longer) == timedelta(days=61)


def test_abandonment_rate_is_read_once_a_minute(plan, rules, uow: MemoryUnitOfWork, dnc) -> None:
    """The 30-day rate is computed once per campaign and minute, and again after 60 s."""
    clock = FixedClock(NOW)
    gate = Gate(plan=plan, rules=rules, checks=default_checks())
    service = CheckService(gate=gate, uow=lambda: uow, dnc=dnc, clock=clock)
    calls: list[str] = []
    original = uow.history.abandonment

    def counting(campaign: str, *args: object) -> object:
        calls.append(campaign)
        return original(campaign, *args)  # type: ignore[arg-type]

    uow.history.abandonment = counting  # type: ignore[method-assign]
    predictive = {"method": Method.PREDICTIVE, "line_type": LineType.LANDLINE, "phone": DALLAS}
    for second in range(5):
        service.check([attempt(at=NOW + timedelta(seconds=second), **predictive)])
    assert calls == ["spring"]
    clock.advance(timedelta(seconds=61))
    service.check([attempt(**predictive)])
    assert calls == ["spring", "spring"]
    service.check([attempt(at=NOW + timedelta(minutes=1), **predictive)])
    assert len(calls) == 3
