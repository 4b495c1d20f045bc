"""Calling windows stated in standard time (Mississippi's "Central Standard Time").

While daylight saving time is in effect the window falls an hour later on the local clock; in
winter, and in a zone without daylight saving time, it is the local window.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from callwarden.core.decision import ReasonCode
from callwarden.core.gate.calling_hours import CallingHoursCheck, local_hours
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.rules.model import CallingWindowRule, DayWindow
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Purpose
from rule_rows import meta, scope

MS = "6012345678"  # Jackson, Central time
AZ = "6022345678"  # Phoenix, no daylight saving time
EVERY_DAY = frozenset(range(7))


def _rule(start: time, end: time, *, standard_time: bool = True) -> CallingWindowRule:
    return CallingWindowRule(
        meta=meta("T-XX-STANDARD-WINDOW"),
        scope=scope([Purpose.TELEMARKETING]),
        windows=(DayWindow(days=EVERY_DAY, start=start, end=end),),
        standard_time=standard_time,
    )


def _gate(plan: NumberingPlan, frozen_rules: RuleSet, rule: CallingWindowRule) -> Gate:
    rules = RuleSet(
        version="t",
        content_hash="2" * 64,
        calling_windows=(rule,),
        time_zones=frozen_rules.time_zones,
    )
    return Gate(plan=plan, rules=rules, checks=[CallingHoursCheck()])


def _decide(gate: Gate, phone: str, at: str):  # type: ignore[no-untyped-def]
    attempt = Attempt(id="s1", phone=phone, at=datetime.fromisoformat(at), seller="acme")
    return gate.decide(attempt, Facts())


@pytest.mark.parametrize(
    ("phone", "at", "allowed"),
    [
        (MS, "2026-07-15T08:30:00-05:00", False),  # 07:30 CST
        (MS, "2026-07-15T09:00:00-05:00", True),  # 08:00 CST
        (MS, "2026-07-15T20:30:00-05:00", True),  # 19:30 CST
        (MS, "2026-07-15T21:00:00-05:00", False),  # 20:00 CST
        (MS, "2026-01-14T08:00:00-06:00", True),  # winter: the local clock is CST
        (MS, "2026-01-14T20:00:00-06:00", False),
        (MS, "2026-03-08T08:30:00-05:00", False),  # the day daylight time starts (02:00)
        (AZ, "2026-07-15T08:00:00-07:00", True),  # no daylight saving time in Arizona
        (AZ, "2026-07-15T20:00:00-07:00", False),
    ],
)
def test_the_window_is_read_in_standard_time(
    plan: NumberingPlan, frozen_rules: RuleSet, phone: str, at: str, allowed: bool
) -> None:
    gate = _gate(plan, frozen_rules, _rule(time(8), time(20)))
    assert _decide(gate, phone, at).allowed is allowed


def test_the_reason_names_both_clocks_and_next_allowed_at_is_the_shifted_opening(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = _gate(plan, frozen_rules, _rule(time(8), time(20)))
    decision = _decide(gate, MS, "2026-07-15T08:30:00-05:00")
    [reason] = decision.reasons
    assert reason.code is ReasonCode.OUTSIDE_CALLING_HOURS
    assert "outside 09:00-21:00 (08:00-20:00 standard time)" in reason.message
    assert decision.next_allowed_at == datetime.fromisoformat("2026-07-15T09:00:00-05:00")


def test_a_local_window_is_not_shifted(plan: NumberingPlan, frozen_rules: RuleSet) -> None:
    gate = _gate(plan, frozen_rules, _rule(time(8), time(20), standard_time=False))
    assert _decide(gate, MS, "2026-07-15T08:30:00-05:00").allowed
    assert not _decide(gate, MS, "2026-07-15T20:30:00-05:00").allowed


def test_an_end_pushed_past_midnight_ends_at_midnight() -> None:
    rule = _rule(time(8), time(23, 30))
    window = rule.windows[0]
    assert local_hours(rule, window, "America/Chicago", date(2026, 7, 15)) == (time(9), None)
    assert local_hours(rule, window, "America/Chicago", date(2026, 1, 14)) == (
        time(8),
        time(23, 30),
    )
    late = _rule(time(23, 30), time(23, 45))
    start, end = local_hours(late, late.windows[0], "America/Chicago", date(2026, 7, 15))
    assert start == end  # no hour left that day
