"""RESTRICTED_DAY: Sunday and holiday bans in the called party's local date."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from callwarden.core.decision import Confidence
from callwarden.core.gate.calling_hours import CallingHoursCheck
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.holiday_calendars import calendar, holiday
from callwarden.core.gate.restricted_days import RestrictedDaysCheck
from callwarden.core.rules.model import FixedHoliday, RestrictedDayRule
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import (
    Address,
    Attempt,
    Channel,
    Consent,
    ConsentKind,
    Method,
    Purpose,
)
from callwarden.errors import InvalidRuleFile
from rule_rows import meta, scope

RI = "4012345678"  # Providence
TX = "2142345678"  # Dallas
PA = "2152345678"  # Philadelphia
UT = "8012345678"  # Salt Lake City
LA = "5042345678"  # New Orleans
CA = "4152345678"  # San Francisco
CHECK = RestrictedDaysCheck()


def consent(kind: ConsentKind, at: str, revoked: str | None = None) -> Consent:
    return Consent(
        phone=int(UT),
        seller="acme",
        kind=kind,
        at=datetime.fromisoformat(at),
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
    )


@pytest.mark.parametrize(
    ("phone", "at", "rule"),
    [
        # 2026-03-08 is a Sunday and the day daylight saving time starts.
        (RI, "2026-03-08T11:00:00-04:00", "T-RI-SUNDAY-HOLIDAY"),
        (RI, "2026-03-08T00:30:00-05:00", "T-RI-SUNDAY-HOLIDAY"),
        (RI, "2026-08-10T11:00:00-04:00", "T-RI-SUNDAY-HOLIDAY"),  # Victory Day
        (PA, "2026-11-26T12:00:00-05:00", "T-PA-HOLIDAY"),  # Thanksgiving
        (PA, "2026-11-27T12:00:00-05:00", "T-PA-HOLIDAY"),  # Day after Thanksgiving
        (PA, "2026-07-03T12:00:00-04:00", "T-PA-HOLIDAY"),  # Independence Day (observed)
        (UT, "2026-07-24T12:00:00-06:00", "T-UT-SUNDAY-HOLIDAY"),  # Pioneer Day
        (LA, "2026-12-25T12:00:00-06:00", "T-LA-HOLIDAY"),
    ],
)
def test_banned_days(judge, phone: str, at: str, rule: str) -> None:
    """Banned weekdays and holidays deny telemarketing.

    R.I. Gen. Laws 5-61-3.4 (Sundays, holidays); 73 P.S. 2245(a)(10) (Pennsylvania holidays);
    Utah Code 13-25a-103 (Sundays, holidays); La. R.S. 45:844.14 (listed holidays).
    """
    decision = judge([CHECK], phone, at)
    assert decision.codes == ("RESTRICTED_DAY",)
    assert [r.rule for r in decision.reasons] == [rule]


@pytest.mark.parametrize(
    ("phone", "at", "why"),
    [
        (TX, "2026-03-08T13:00:00-05:00", "Texas limits Sunday hours but bans no day"),
        (RI, "2026-03-09T10:00:00-04:00", "a Monday in Rhode Island"),
        (RI, "2026-03-07T23:59:00-05:00", "Saturday, one minute before Sunday"),
        (PA, "2026-11-25T12:00:00-05:00", "the day before Thanksgiving"),
        (CA, "2026-11-26T12:00:00-08:00", "California bans no holiday"),
        (LA, "2026-01-19T12:00:00-06:00", "MLK Day is not among Louisiana's listed holidays"),
    ],
)
def test_free_days(judge, phone: str, at: str, why: str) -> None:
    """Days no rule bans are allowed."""
    assert judge([CHECK], phone, at).allowed, why


def test_observed_day_of_a_listed_holiday_counts(judge) -> None:
    """A listed holiday's observed day is banned too (La. R.S. 45:844.14).

    Independence Day 2026 falls on a Saturday and is observed on Friday the 3rd.
    """
    decision = judge([CHECK], LA, "2026-07-03T12:00:00-05:00")
    assert decision.codes == ("RESTRICTED_DAY",)
    assert "Independence Day (observed)" in decision.reasons[0].message


@pytest.mark.parametrize(
    "kw",
    [
        {"purpose": Purpose.DEBT_COLLECTION},
        {"purpose": Purpose.EMERGENCY},
        {"purpose": Purpose.INFORMATIONAL, "channel": Channel.SMS},
    ],
)
def test_bans_cover_only_their_purposes(judge, kw: dict[str, object]) -> None:
    """Rhode Island's Sunday ban covers only solicitation (R.I. Gen. Laws 5-61-3.4)."""
    assert judge([CHECK], RI, "2026-03-08T11:00:00-04:00", **kw).allowed


def test_texts_are_calls(judge) -> None:
    """A marketing text on a Rhode Island Sunday is denied like a call (FCC 23-107)."""
    decision = judge(
        [CHECK], RI, "2026-03-08T11:00:00-04:00", channel=Channel.SMS, method=Method.AUTODIALER
    )
    assert decision.codes == ("RESTRICTED_DAY",)


def test_address_state_is_a_candidate(judge) -> None:
    """A Texas number with a Philadelphia address meets Pennsylvania's holiday ban.

    73 P.S. 2245(a)(10).
    """
    at = "2026-11-26T12:00:00-06:00"
    assert judge([CHECK], TX, at).allowed
    decision = judge([CHECK], TX, at, address=Address(state="PA", zip="19103"))
    assert decision.codes == ("RESTRICTED_DAY",)
    assert "(PA)" in decision.reasons[0].message


def test_local_date_decides_across_zones(judge) -> None:
    """Saturday 22:30 in California is already Sunday in Rhode Island, so it is denied.

    R.I. Gen. Laws 5-61-3.4: the number's local date counts even with a California address.
    """
    at = "2026-03-07T22:30:00-08:00"
    decision = judge([CHECK], RI, at, address=Address(state="CA", zip="94105"))
    assert decision.codes == ("RESTRICTED_DAY",)
    assert "Sunday 2026-03-08 in America/New_York (RI)" in decision.reasons[0].message


@pytest.mark.parametrize(
    ("consents", "allowed"),
    [
        ((), False),
        ((consent(ConsentKind.EXPRESS, "2026-01-05T10:00:00-07:00"),), True),
        ((consent(ConsentKind.WRITTEN, "2026-01-05T10:00:00-07:00"),), True),
        ((consent(ConsentKind.EBR_PURCHASE, "2026-01-05T10:00:00-07:00"),), False),
        (
            (
                consent(
                    ConsentKind.EXPRESS, "2026-01-05T10:00:00-07:00", "2026-03-08T11:59:59-06:00"
                ),
            ),
            False,
        ),
        ((consent(ConsentKind.EXPRESS, "2026-03-08T12:00:01-06:00"),), False),
    ],
)
def test_utah_ban_is_lifted_by_express_consent(judge, consents, allowed: bool) -> None:
    """Utah's Sunday ban is lifted by express consent in force (Utah Code 13-25a-103)."""
    facts = Facts(consents=consents)
    decision = judge([CHECK], UT, "2026-03-08T12:00:00-06:00", facts)
    assert decision.allowed is allowed


def test_consent_of_another_seller_does_not_lift(judge) -> None:
    """Consent is per seller (Utah Code 13-25a-103)."""
    facts = Facts(consents=(consent(ConsentKind.EXPRESS, "2026-01-05T10:00:00-07:00"),))
    decision = judge([CHECK], UT, "2026-03-08T12:00:00-06:00", facts, seller="other")
    assert decision.codes == ("RESTRICTED_DAY",)


def test_reason_carries_confidence(judge) -> None:
    """A rule with medium confidence says so on the reason (73 P.S. 2245(a)(10))."""
    decision = judge([CHECK], PA, "2026-11-26T12:00:00-05:00")
    assert decision.reasons[0].confidence is Confidence.MEDIUM
    assert decision.reasons[0].citation == "73 P.S. 2245(a)(10)"


@pytest.mark.parametrize(
    ("phone", "at", "expected"),
    [
        # Sunday, DST starts: next is Monday 09:00 Rhode Island time.
        (RI, "2026-03-08T11:00:00-04:00", "2026-03-09T09:00:00-04:00"),
        # Thanksgiving and the day after are Pennsylvania holidays: Saturday 08:00.
        (PA, "2026-11-26T10:00:00-05:00", "2026-11-28T08:00:00-05:00"),
        # Christmas (a Friday) is a Rhode Island holiday; Saturday opens at 10:00.
        (RI, "2026-12-25T10:00:00-05:00", "2026-12-26T10:00:00-05:00"),
    ],
)
def test_next_allowed_at_skips_banned_days(judge, phone: str, at: str, expected: str) -> None:
    """``next_allowed_at`` is the first permitted minute of the first free day.

    R.I. Gen. Laws 5-61-3.4; 73 P.S. 2245(a)(10); with the calling windows of the test rules.
    """
    decision = judge([CallingHoursCheck(), CHECK], phone, at)
    assert not decision.allowed
    assert decision.next_allowed_at == datetime.fromisoformat(expected)


def test_earliest_is_the_attempt_itself_on_a_free_day(context) -> None:
    """On a free day the check's earliest instant is the instant asked about."""
    ctx = context(RI, "2026-03-09T10:00:00-04:00")
    assert CHECK.earliest(ctx, ctx.attempt.at) == ctx.attempt.at


def test_earliest_is_local_midnight_after_the_ban(context) -> None:
    """On a Rhode Island Sunday the ban ends at local midnight, in the attempt's offset."""
    ctx = context(RI, "2026-03-08T11:00:00-04:00")
    found = CHECK.earliest(ctx, ctx.attempt.at)
    assert found == datetime.fromisoformat("2026-03-09T00:00:00-04:00")
    assert found is not None
    assert found.utcoffset() == ctx.attempt.at.utcoffset()


def test_a_consent_that_lifts_a_ban_is_never_answered_from_the_memo(context) -> None:
    """Searches without consents are remembered; one whose consent lifts a ban is not.

    Utah Code 13-25a-103: a Sunday is banned unless express consent is in force. Rhode Island
    (R.I. Gen. Laws 5-61-3.4) has no such exception, so a consent changes nothing there and
    the remembered search still answers.
    """
    check = RestrictedDaysCheck()
    sunday = "2026-03-08T12:00:00-06:00"
    plain = context(UT, sunday)
    assert check.earliest(plain, plain.attempt.at) == datetime.fromisoformat(
        "2026-03-09T00:00:00-06:00"
    )
    lifted = context(
        UT, sunday, Facts(consents=(consent(ConsentKind.EXPRESS, "2026-01-05T10:00:00-07:00"),))
    )
    assert check.earliest(lifted, lifted.attempt.at) == lifted.attempt.at
    ri_sunday = "2026-03-08T11:00:00-04:00"
    ri = context(RI, ri_sunday)
    monday = datetime.fromisoformat("2026-03-09T00:00:00-04:00")
    assert check.earliest(ri, ri.attempt.at) == monday
    held = Facts(consents=(consent(ConsentKind.EXPRESS, "2026-01-05T10:00:00-07:00"),))
    ri_held = context(RI, ri_sunday, held)
    assert check.earliest(ri_held, ri_held.attempt.at) == monday


def test_calendar_is_cached_and_read_only() -> None:
    """Holiday calendars are built once per (calendar, year) and cannot be changed."""
    first = calendar("US-PA", 2026)
    assert first is calendar("US-PA", 2026)
    assert first[date(2026, 11, 26)] == "Thanksgiving Day"
    with pytest.raises(TypeError):
        first[date(2026, 3, 3)] = "Made-up Day"  # type: ignore[index]


def test_unknown_holiday_calendar_is_a_rule_error(plan, frozen_rules) -> None:
    """A calendar the holidays package does not know is reported as a rule-data error."""
    bad = RestrictedDayRule(meta=meta("T-XX-HOLIDAY"), scope=scope(), holiday_calendar="US-ZZ")
    rules = RuleSet(
        version="t",
        content_hash="0" * 64,
        restricted_days=(bad,),
        time_zones=frozen_rules.time_zones,
    )
    gate = Gate(plan=plan, rules=rules, checks=[CHECK])
    attempt = Attempt(id="x", phone=RI, at=datetime.fromisoformat("2026-03-09T10:00:00-04:00"))
    with pytest.raises(InvalidRuleFile, match="US-ZZ"):
        gate.decide(attempt, Facts())


def test_one_check_serves_several_rule_sets(plan, frozen_rules) -> None:
    """A check's memo of rows belongs to one rule set: another rule set gets its own answer."""
    without_ri = RuleSet(
        version="t",
        content_hash="1" * 64,
        restricted_days=tuple(
            r for r in frozen_rules.restricted_days if r.meta.id != "T-RI-SUNDAY-HOLIDAY"
        ),
        time_zones=frozen_rules.time_zones,
    )
    check = RestrictedDaysCheck()
    attempt = Attempt(id="x", phone=RI, at=datetime.fromisoformat("2026-03-08T11:00:00-04:00"))
    first = Gate(plan=plan, rules=frozen_rules, checks=[check]).decide(attempt, Facts())
    second = Gate(plan=plan, rules=without_ri, checks=[check]).decide(attempt, Facts())
    again = Gate(plan=plan, rules=frozen_rules, checks=[check]).decide(attempt, Facts())
    assert (first.allowed, second.allowed, again.allowed) == (False, True, False)


def _fixed_rule(calendar_name: str | None = None) -> RestrictedDayRule:
    return RestrictedDayRule(
        meta=meta("T-XX-FIXED-HOLIDAY"),
        scope=scope(),
        holiday_calendar=calendar_name,
        holiday_names=("Christmas Day",) if calendar_name else (),
        fixed_holidays=(FixedHoliday(name="Flag Day", month=6, day=14),),
    )


@pytest.mark.parametrize("calendar_name", [None, "US-PA"])
def test_a_fixed_holiday_is_banned_on_its_date_every_year(calendar_name: str | None) -> None:
    """A fixed-date holiday counts whatever the calendar and its name filter say."""
    rule = _fixed_rule(calendar_name)
    for year in (2026, 2027, 2028):
        assert holiday(rule, date(year, 6, 14)) == "Flag Day"
        assert holiday(rule, date(year, 6, 15)) is None
    christmas = holiday(rule, date(2026, 12, 25))
    assert christmas == ("Christmas Day" if calendar_name else None)


def test_shipped_flag_day_ban_is_flagged_medium_confidence(plan, shipped_rules) -> None:
    """Pennsylvania's Flag Day comes from secondary sources: honored, and flagged so."""
    gate = Gate(plan=plan, rules=shipped_rules, checks=[RestrictedDaysCheck()])
    attempt = Attempt(
        id="f1", phone=PA, at=datetime.fromisoformat("2027-06-14T12:00:00-04:00"), seller="acme"
    )
    decision = gate.decide(attempt, Facts())
    assert [(r.rule, r.confidence) for r in decision.reasons] == [
        ("US-PA-FLAG-DAY-BAN", Confidence.MEDIUM)
    ]
    assert "Flag Day" in decision.reasons[0].message
    next_day = Attempt(
        id="f2", phone=PA, at=datetime.fromisoformat("2027-06-15T12:00:00-04:00"), seller="acme"
    )
    assert gate.decide(next_day, Facts()).allowed
