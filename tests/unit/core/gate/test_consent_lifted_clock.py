"""Clock rules a consent lifts: Utah's calling window and its Sunday ban (Utah Code 13-25a-103(3)).

A calling-window or restricted-day row marked ``unless_consent`` does not bind an attempt while
the seller holds the person's prior express (or written) consent: given by then, not revoked,
not voided by a later disconnection. ``next_allowed_at`` accounts for consents that start or
stop lifting a row after the attempt's instant.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from callwarden.core.decision import Decision
from callwarden.core.gate.calling_hours import CallingHoursCheck
from callwarden.core.gate.check import first_between_changes
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.gate.restricted_days import RestrictedDaysCheck
from callwarden.core.rules.model import CallingWindowRule, DayWindow, RestrictedDayRule
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Consent, ConsentKind, Purpose
from rule_rows import meta, scope

UT = "8012345678"  # Salt Lake City, Mountain time
NUMBER = 8012345678
CITATION = "Utah Code 13-25a-103(3)"
EVERY_DAY = frozenset(range(7))


def _window(rule_id: str, start: int, end: int, *, unless_consent: bool) -> CallingWindowRule:
    return CallingWindowRule(
        meta=meta(rule_id, jurisdiction="US" if "FED" in rule_id else "US-UT", citation=CITATION),
        scope=scope([Purpose.TELEMARKETING]),
        windows=(DayWindow(days=EVERY_DAY, start=time(start), end=time(end)),),
        unless_consent=unless_consent,
    )


def _gate(plan: NumberingPlan, frozen: RuleSet, *, sunday_ban: bool = False) -> Gate:
    windows = (
        _window("T-FED-WINDOW", 8, 21, unless_consent=False),
        _window("T-UT-WINDOW", 9, 20, unless_consent=True),
    )
    days = (
        RestrictedDayRule(
            meta=meta("T-UT-SUNDAY", jurisdiction="US-UT", citation=CITATION),
            scope=scope([Purpose.TELEMARKETING]),
            weekdays=frozenset({6}),
            unless_consent=True,
        ),
    )
    rules = RuleSet(
        version="t",
        content_hash="4" * 64,
        calling_windows=windows,
        restricted_days=days if sunday_ban else (),
        time_zones=frozen.time_zones,
    )
    return Gate(plan=plan, rules=rules, checks=[CallingHoursCheck(), RestrictedDaysCheck()])


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _consent(
    kind: ConsentKind, at: str, revoked: str | None = None, seller: str = "acme"
) -> Consent:
    return Consent(
        phone=NUMBER,
        seller=seller,
        kind=kind,
        at=_at(at),
        revoked_at=_at(revoked) if revoked else None,
    )


def _decide(gate: Gate, at: str, *consents: Consent, reassigned: str | None = None) -> Decision:
    attempt = Attempt(id="u1", phone=UT, at=_at(at), seller="acme")
    facts = Facts(consents=consents, reassigned_at=_at(reassigned) if reassigned else None)
    return gate.decide(attempt, facts)


LONG_AGO = "2025-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("consents", "rules"),
    [
        ((), {"T-UT-WINDOW"}),
        ((_consent(ConsentKind.EXPRESS, LONG_AGO),), set()),
        ((_consent(ConsentKind.WRITTEN, LONG_AGO),), set()),
        ((_consent(ConsentKind.EBR_PURCHASE, LONG_AGO),), {"T-UT-WINDOW"}),  # not a consent
        ((_consent(ConsentKind.EXPRESS, LONG_AGO, seller="rival"),), {"T-UT-WINDOW"}),
        (
            (_consent(ConsentKind.EXPRESS, LONG_AGO, revoked="2026-04-01T00:00:00+00:00"),),
            {"T-UT-WINDOW"},
        ),
        ((_consent(ConsentKind.EXPRESS, "2026-04-15T09:00:00-06:00"),), {"T-UT-WINDOW"}),  # later
    ],
)
def test_prior_express_consent_lifts_the_state_window(
    plan: NumberingPlan, frozen_rules: RuleSet, consents: tuple[Consent, ...], rules: set[str]
) -> None:
    decision = _decide(_gate(plan, frozen_rules), "2026-04-15T08:30:00-06:00", *consents)
    assert decision.allowed is not rules
    assert {r.rule for r in decision.reasons} == rules
    if rules:
        assert decision.reasons[0].citation == CITATION


def test_consent_never_lifts_a_row_not_marked_unless_consent(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    consent = _consent(ConsentKind.WRITTEN, LONG_AGO)
    decision = _decide(_gate(plan, frozen_rules), "2026-04-15T07:30:00-06:00", consent)
    assert {r.rule for r in decision.reasons} == {"T-FED-WINDOW"}
    assert decision.next_allowed_at == _at("2026-04-15T08:00:00-06:00")


def test_a_consent_given_after_the_attempt_is_when_the_window_lifts(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = _gate(plan, frozen_rules)
    consent = _consent(ConsentKind.EXPRESS, "2026-04-15T08:30:00-06:00")
    decision = _decide(gate, "2026-04-15T07:30:00-06:00", consent)
    assert decision.next_allowed_at == _at("2026-04-15T08:30:00-06:00")
    assert _decide(gate, "2026-04-15T08:30:00-06:00", consent).allowed
    assert not _decide(gate, "2026-04-15T08:29:00-06:00", consent).allowed


def test_a_revocation_after_the_attempt_ends_the_lift(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = _gate(plan, frozen_rules)
    revoked_early = _consent(ConsentKind.EXPRESS, LONG_AGO, revoked="2026-04-15T07:45:00-06:00")
    decision = _decide(gate, "2026-04-15T07:30:00-06:00", revoked_early)
    assert decision.next_allowed_at == _at("2026-04-15T09:00:00-06:00")
    revoked_late = _consent(ConsentKind.EXPRESS, LONG_AGO, revoked="2026-04-15T08:45:00-06:00")
    decision = _decide(gate, "2026-04-15T07:30:00-06:00", revoked_late)
    assert decision.next_allowed_at == _at("2026-04-15T08:00:00-06:00")


def test_a_disconnection_voids_the_consent_that_lifted_the_window(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = _gate(plan, frozen_rules)
    consent = _consent(ConsentKind.EXPRESS, LONG_AGO)
    cut = "2026-04-15T08:15:00-06:00"
    assert _decide(gate, "2026-04-15T08:10:00-06:00", consent, reassigned=cut).allowed
    later = _decide(gate, "2026-04-15T08:20:00-06:00", consent, reassigned=cut)
    assert {r.rule for r in later.reasons} == {"T-UT-WINDOW"}
    assert later.next_allowed_at == _at("2026-04-15T09:00:00-06:00")


def test_a_consent_given_on_a_banned_sunday_lifts_the_rest_of_it(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = _gate(plan, frozen_rules, sunday_ban=True)
    consent = _consent(ConsentKind.WRITTEN, "2026-04-19T12:00:00-06:00")  # a Sunday, noon
    decision = _decide(gate, "2026-04-19T10:00:00-06:00", consent)
    assert {r.rule for r in decision.reasons} == {"T-UT-SUNDAY"}
    assert decision.next_allowed_at == _at("2026-04-19T12:00:00-06:00")
    without = _decide(gate, "2026-04-19T10:00:00-06:00")
    assert without.next_allowed_at == _at("2026-04-20T09:00:00-06:00")


def test_first_between_changes_restarts_at_each_change() -> None:
    start = _at("2026-01-01T00:00:00+00:00")
    changes = [start + timedelta(hours=h) for h in (-1, 2, 5)]

    def ask(at: datetime) -> datetime | None:
        # Read before the change at 2 h: allowed from 3 h; read from then on: allowed at once.
        return start + timedelta(hours=3) if at < changes[1] else at

    # 3 h lies past the change at 2 h, where the answer read at 0 h stops holding.
    assert first_between_changes(ask, changes, start) == start + timedelta(hours=2)
    assert first_between_changes(ask, [], start) == start + timedelta(hours=3)
    assert first_between_changes(ask, changes[2:], start) == start + timedelta(hours=3)
    assert first_between_changes(lambda _at: None, changes, start) is None
