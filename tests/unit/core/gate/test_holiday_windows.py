"""Calling windows with holiday hours (Nebraska's prerecorded messages, 291 NAC ch. 11).

A row that names holidays (a ``holidays`` calendar, fixed dates) has one window for them: on
the row's holidays that window's hours apply whatever the weekday, on other days the window
naming the weekday (if any). The federal windows keep applying alongside.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from callwarden.core.decision import Decision, ReasonCode
from callwarden.core.gate.calling_hours import CallingHoursCheck, window_for
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.rules.model import CallingWindowRule, DayWindow, FixedHoliday
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Method, Purpose
from rule_rows import meta, scope

NE = "4022345678"  # Omaha, Central time
NY = "2122345678"  # New York, Eastern time
EVERY_DAY = frozenset(range(7))
CITATION = "291 NAC ch. 11"


def _holiday_rule(**holidays: object) -> CallingWindowRule:
    return CallingWindowRule(
        meta=meta("T-NE-HOLIDAY-WINDOW", jurisdiction="US-NE", citation=CITATION),
        scope=scope([Purpose.TELEMARKETING]),
        windows=(DayWindow(days=frozenset({6}), start=time(13), end=time(21), holidays=True),),
        **holidays,  # type: ignore[arg-type]
    )


def _federal() -> CallingWindowRule:
    return CallingWindowRule(
        meta=meta("T-FED-WINDOW", citation="47 CFR 64.1200(c)(1)"),
        scope=scope([Purpose.TELEMARKETING]),
        windows=(DayWindow(days=EVERY_DAY, start=time(8), end=time(21)),),
    )


def _gate(plan: NumberingPlan, frozen: RuleSet, *rows: CallingWindowRule) -> Gate:
    rules = RuleSet(
        version="t", content_hash="3" * 64, calling_windows=rows, time_zones=frozen.time_zones
    )
    return Gate(plan=plan, rules=rules, checks=[CallingHoursCheck()])


def _decide(gate: Gate, phone: str, at: str) -> Decision:
    attempt = Attempt(
        id="h1",
        phone=phone,
        at=datetime.fromisoformat(at),
        seller="acme",
        method=Method.PRERECORDED,
    )
    return gate.decide(attempt, Facts())


@pytest.mark.parametrize(
    ("phone", "at", "allowed"),
    [
        (NE, "2026-04-24T10:00:00-05:00", False),  # Arbor Day (a Friday), before 13:00
        (NE, "2026-04-24T13:00:00-05:00", True),
        (NE, "2026-04-24T20:59:00-05:00", True),
        (NE, "2026-04-24T21:00:00-05:00", False),  # the federal window closes too
        (NE, "2026-04-23T10:00:00-05:00", True),  # the day before: federal hours only
        (NE, "2026-07-03T12:59:00-05:00", False),  # Independence Day observed (a Friday)
        (NE, "2026-04-19T12:00:00-05:00", False),  # a Sunday: the window's weekday
        (NE, "2026-04-19T13:30:00-05:00", True),
        (NY, "2026-04-24T10:00:00-04:00", True),  # not a Nebraska number
    ],
)
def test_holiday_hours_apply_on_the_rows_holidays(
    plan: NumberingPlan, frozen_rules: RuleSet, phone: str, at: str, allowed: bool
) -> None:
    gate = _gate(plan, frozen_rules, _federal(), _holiday_rule(holiday_calendar="US-NE"))
    assert _decide(gate, phone, at).allowed is allowed


def test_the_reason_names_the_holiday_and_the_citation(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = _gate(plan, frozen_rules, _federal(), _holiday_rule(holiday_calendar="US-NE"))
    decision = _decide(gate, NE, "2026-04-24T10:00:00-05:00")
    [reason] = decision.reasons
    assert reason.code is ReasonCode.OUTSIDE_CALLING_HOURS
    assert reason.rule == "T-NE-HOLIDAY-WINDOW"
    assert reason.citation == CITATION
    assert reason.message == (
        "Fri 10:00 in America/Chicago (NE) is outside 13:00-21:00, "
        "the hours on holidays (Arbor Day)"
    )


def test_next_allowed_at_is_the_holiday_opening(plan: NumberingPlan, frozen_rules: RuleSet) -> None:
    gate = _gate(plan, frozen_rules, _federal(), _holiday_rule(holiday_calendar="US-NE"))
    decision = _decide(gate, NE, "2026-04-24T07:00:00-05:00")
    assert {r.rule for r in decision.reasons} == {"T-FED-WINDOW", "T-NE-HOLIDAY-WINDOW"}
    assert decision.next_allowed_at == datetime.fromisoformat("2026-04-24T13:00:00-05:00")
    later = _decide(gate, NE, "2026-04-24T13:00:00-05:00")
    earlier = _decide(gate, NE, "2026-04-24T12:59:00-05:00")
    assert later.allowed and not earlier.allowed


def test_after_the_holiday_the_next_day_opens_with_the_federal_window(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = _gate(plan, frozen_rules, _federal(), _holiday_rule(holiday_calendar="US-NE"))
    decision = _decide(gate, NE, "2026-04-24T21:30:00-05:00")
    assert decision.next_allowed_at == datetime.fromisoformat("2026-04-25T08:00:00-05:00")


def test_named_holidays_and_fixed_dates(plan: NumberingPlan, frozen_rules: RuleSet) -> None:
    rule = _holiday_rule(
        holiday_calendar="US",
        holiday_names=("Labor Day",),
        fixed_holidays=(FixedHoliday(name="Arbor Day (statute)", month=4, day=22),),
    )
    gate = _gate(plan, frozen_rules, _federal(), rule)
    assert not _decide(gate, NE, "2026-09-07T10:00:00-05:00").allowed  # Labor Day
    assert _decide(gate, NE, "2026-11-26T10:00:00-05:00").allowed  # Thanksgiving: not named
    fixed = _decide(gate, NE, "2026-04-22T10:00:00-05:00")  # a Wednesday
    assert "(Arbor Day (statute))" in fixed.reasons[0].message


def test_window_for_picks_the_holiday_window_only_on_holidays() -> None:
    weekday = DayWindow(days=frozenset(range(5)), start=time(9), end=time(20))
    on_holidays = DayWindow(days=frozenset(), start=time(12), end=time(18), holidays=True)
    rule = CallingWindowRule(
        meta=meta("T-XX-W"),
        scope=scope(),
        windows=(weekday, on_holidays),
        fixed_holidays=(FixedHoliday(name="Founders Day", month=3, day=3),),
    )
    assert window_for(rule, date(2026, 3, 3)) is on_holidays  # a Tuesday
    assert window_for(rule, date(2026, 3, 4)) is weekday
    assert window_for(rule, date(2026, 3, 7)) is None  # a Saturday: no window, no limit
    every = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert sum(window_for(rule, d) is on_holidays for d in every) == 1
