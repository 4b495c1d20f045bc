"""What the gate remembers between attempts never changes an answer.

The calling-hours and restricted-days checks remember their last search per candidates and
scope; a context moved to a later instant keeps the rows in scope only when every candidate's
local date is the same. Each test asks in the order that would expose a memo applied too widely.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.unit.core.gate.conftest import TESTDATA, make_attempt

from callwarden.core.decision import ReasonCode
from callwarden.core.gate.calling_hours import CallingHoursCheck
from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.gate.restricted_days import RestrictedDaysCheck
from callwarden.storage.rule_files import load_rule_set

NY = "2122345678"
FL = "3052345678"  # Miami
RI = "4012345678"  # Providence


def test_earliest_open_instant_is_the_same_warm_or_fresh(context) -> None:
    """Asked late, then inside the closed night, then earlier in the open day before."""
    _same_warm_or_fresh(
        context,
        CallingHoursCheck,
        NY,
        [
            ("2026-07-07T23:00:00-04:00", "2026-07-08T08:00:00-04:00"),  # closed: opens 08:00
            ("2026-07-08T07:00:00-04:00", "2026-07-08T08:00:00-04:00"),  # that night: the same
            ("2026-07-07T12:00:00-04:00", "2026-07-07T12:00:00-04:00"),  # open before: itself
            ("2026-07-07T07:00:00-04:00", "2026-07-07T08:00:00-04:00"),  # closed before: 08:00
            ("2026-07-08T08:00:00-04:00", "2026-07-08T08:00:00-04:00"),  # the opening itself
            ("2026-07-08T21:30:00-04:00", "2026-07-09T08:00:00-04:00"),  # closed again
        ],
    )


def _same_warm_or_fresh(
    context, check_type: type[CallingHoursCheck | RestrictedDaysCheck], phone: str, asks
) -> None:
    """Each (asked, wanted) pair, asked in order of one check and of a fresh one each time.

    The answers agree with the wanted instant and are written in the asking instant's offset.
    """
    warm = check_type()
    for at, want in asks:
        ctx = context(phone, at)
        fresh = check_type().earliest(ctx, ctx.attempt.at)
        found = warm.earliest(ctx, ctx.attempt.at)
        assert found == fresh == datetime.fromisoformat(want)
        assert found is not None and found.utcoffset() == ctx.attempt.at.utcoffset()


def test_the_search_answers_in_the_asking_instants_offset(context) -> None:
    """A remembered answer is written in the offset of the instant asked about."""
    check = CallingHoursCheck()
    first = context(NY, "2026-07-07T23:00:00-04:00")
    check.earliest(first, first.attempt.at)
    second = context(NY, "2026-07-08T04:00:00+00:00")
    found = check.earliest(second, second.attempt.at)
    assert found == datetime(2026, 7, 8, 12, tzinfo=UTC)
    assert found is not None
    assert found.utcoffset() == timedelta(0)


def test_rows_of_the_next_local_day_are_read_for_it(plan: NumberingPlan, tmp_path: Path) -> None:
    """A list that comes into force overnight is checked at next_allowed_at.

    The Florida list takes effect on 2026-07-08 in this copy of the test rules and was never
    imported. At 22:00 on the 7th only the clock is in the way; at 08:00 on the 8th the
    list is in force and missing, so waiting does not help.
    """
    rules_dir = tmp_path / "rules"
    shutil.copytree(TESTDATA, rules_dir)
    path = rules_dir / "dnc_lists.toml"
    text = path.read_text()
    assert "effective_from = 1987-10-01" in text
    path.write_text(text.replace("effective_from = 1987-10-01", "effective_from = 2026-07-08"))
    gate = Gate(plan=plan, rules=load_rule_set(rules_dir), checks=default_checks())
    facts = Facts(list_refreshed={"national": datetime(2026, 7, 1, tzinfo=UTC)})
    evening = gate.decide(make_attempt(FL, "2026-07-07T22:00:00-04:00"), facts)
    assert {r.code for r in evening.reasons} == {ReasonCode.OUTSIDE_CALLING_HOURS}
    assert evening.next_allowed_at is None
    morning = gate.decide(make_attempt(FL, "2026-07-08T08:00:00-04:00"), facts)
    assert ReasonCode.DNC_DATA_STALE in {r.code for r in morning.reasons}


def test_earliest_free_day_is_the_same_warm_or_fresh(context) -> None:
    """Rhode Island bans Sundays: asked on the Sunday, then on the Saturday before it."""
    _same_warm_or_fresh(
        context,
        RestrictedDaysCheck,
        RI,
        [
            ("2026-07-12T10:00:00-04:00", "2026-07-13T00:00:00-04:00"),  # Sunday: Monday 00:00
            ("2026-07-12T23:59:00-04:00", "2026-07-13T00:00:00-04:00"),  # later that Sunday
            ("2026-07-11T12:00:00-04:00", "2026-07-11T12:00:00-04:00"),  # the Saturday: itself
            ("2026-07-13T09:00:00-04:00", "2026-07-13T09:00:00-04:00"),  # the Monday: itself
        ],
    )


def test_a_free_day_is_remembered_until_its_local_midnight_only(context) -> None:
    """A Rhode Island Saturday is free until midnight; the Sunday after it is not."""
    _same_warm_or_fresh(
        context,
        RestrictedDaysCheck,
        RI,
        [
            ("2026-05-02T10:00:00-04:00", "2026-05-02T10:00:00-04:00"),  # Saturday: remembered
            ("2026-05-02T23:59:00-04:00", "2026-05-02T23:59:00-04:00"),  # the same day: itself
            ("2026-05-03T01:00:00-04:00", "2026-05-04T00:00:00-04:00"),  # Sunday: banned
            ("2026-05-02T12:00:00+00:00", "2026-05-02T12:00:00+00:00"),  # Saturday, in UTC
            ("2026-05-04T00:00:00-04:00", "2026-05-04T00:00:00-04:00"),  # Monday: free
        ],
    )
