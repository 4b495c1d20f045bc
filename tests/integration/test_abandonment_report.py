"""The abandonment report on SQLite and PostgreSQL, measured against the rule set's safe harbor.

16 CFR 310.4(b)(4)(i) and 47 CFR 64.1200(a)(7)(i): at most 3% of calls answered by a person may
be abandoned (no agent within 2 s of the greeting), per campaign over 30 days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from callwarden.bootstrap import App
from callwarden.core.rules.model import AbandonmentRule, RuleMeta, Scope
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Channel, LineType, Method, Outcome, PastAttempt, Purpose
from callwarden.errors import ConfigurationError, InvalidInput
from callwarden.services.history import HistoryService
from callwarden.services.reports import ReportService
from callwarden.testing import FixedClock

SAFE_HARBOR = AbandonmentRule(
    meta=RuleMeta(
        id="US-FED-TSR-ABANDONMENT",
        jurisdiction="US",
        effective_from=date(2003, 10, 1),
        citation="16 CFR 310.4(b)(4)(i)",
    ),
    scope=Scope(
        purposes=frozenset({Purpose.TELEMARKETING}),
        channels=frozenset(Channel),
        methods=frozenset(Method),
        line_types=frozenset({LineType.WIRELESS, LineType.LANDLINE}),
    ),
    max_rate=0.03,
    window_days=30,
    connect_within_s=2.0,
)
RULES = RuleSet(version="test", content_hash="0" * 64, abandonment=(SAFE_HARBOR,))
NOW = datetime(2026, 3, 10, 18, tzinfo=UTC)


def calls(day: date, answered: int, abandoned: int, campaign: str = "spring") -> list[PastAttempt]:
    """``answered`` live calls at noon UTC on ``day``, the first ``abandoned`` of them lost."""
    out = []
    for i in range(answered):
        lost = i < abandoned
        out.append(
            PastAttempt(
                phone=2142340000 + i,
                at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(seconds=i),
                seller="acme",
                campaign=campaign,
                purpose=Purpose.TELEMARKETING,
                channel=Channel.VOICE,
                method=Method.PREDICTIVE,
                outcome=Outcome.ABANDONED if lost and i % 2 else Outcome.CONVERSATION,
                connect_delay_s=3.1 if lost else 1.2,
            )
        )
    return out


@pytest.fixture
def history(db_app: App) -> HistoryService:
    return HistoryService(uow=db_app.uow, clock=FixedClock(NOW))


@pytest.fixture
def reports(db_app: App) -> ReportService:
    return ReportService(uow=db_app.uow, rules=RULES, clock=FixedClock(NOW))


def test_exactly_three_percent_is_flagged_and_just_under_is_not(
    history: HistoryService, reports: ReportService
) -> None:
    """3 of 100 is at the limit (flagged); 2 of 100 is under it."""
    history.record(calls(date(2026, 3, 2), 100, 2) + calls(date(2026, 3, 3), 100, 3, "summer"))
    report = reports.abandonment(since=date(2026, 3, 1), until=date(2026, 3, 10))
    rows = {(d.campaign, d.day): d for d in report.days}
    spring, summer = rows["spring", date(2026, 3, 2)], rows["summer", date(2026, 3, 3)]
    assert (spring.answered, spring.abandoned, spring.rolling_at_or_over) == (100, 2, False)
    assert (summer.answered, summer.abandoned, summer.daily_at_or_over) == (100, 3, True)
    assert summer.rolling_at_or_over
    assert summer.daily_rate == pytest.approx(0.03)


def test_the_rolling_rate_reaches_back_thirty_days_before_the_range(
    history: HistoryService, reports: ReportService
) -> None:
    """Days before ``since`` but inside the window count toward the rolling rate only."""
    history.record(
        calls(date(2026, 2, 5), 100, 0)  # 29 days before 6 March: inside its window
        + calls(date(2026, 2, 4), 500, 50)  # 30 days before: outside it
        + calls(date(2026, 3, 6), 50, 2)
    )
    (day,) = reports.abandonment(since=date(2026, 3, 1), until=date(2026, 3, 7)).days
    assert (day.day, day.answered, day.abandoned) == (date(2026, 3, 6), 50, 2)
    assert (day.window_answered, day.window_abandoned) == (150, 2)
    assert day.daily_at_or_over
    assert not day.rolling_at_or_over


def test_only_live_voice_calls_count_and_two_seconds_is_in_time(
    history: HistoryService, reports: ReportService
) -> None:
    """Machines, no-answers and texts are not answered by a person; 2.0 s is not abandoned."""
    (base,) = calls(date(2026, 3, 4), 1, 0)
    history.record(
        [
            base,
            PastAttempt(**{**_fields(base), "connect_delay_s": 2.0}),
            PastAttempt(**{**_fields(base), "connect_delay_s": 2.5}),
            PastAttempt(**{**_fields(base), "outcome": Outcome.ANSWERED_MACHINE}),
            PastAttempt(**{**_fields(base), "outcome": Outcome.NO_ANSWER}),
            PastAttempt(**{**_fields(base), "channel": Channel.SMS, "connect_delay_s": 9.0}),
        ]
    )
    (day,) = reports.abandonment(until=date(2026, 3, 4)).days
    assert (day.answered, day.abandoned) == (3, 1)


def test_days_follow_the_report_time_zone(history: HistoryService, reports: ReportService) -> None:
    """A call at 03:30 UTC on 3 March is a 2 March call in Chicago."""
    (late,) = calls(date(2026, 3, 3), 1, 0)
    history.record(
        [PastAttempt(**{**_fields(late), "at": datetime(2026, 3, 3, 3, 30, tzinfo=UTC)})]
    )
    utc = reports.abandonment(since=date(2026, 3, 1), until=date(2026, 3, 5))
    chicago = reports.abandonment(
        since=date(2026, 3, 1), until=date(2026, 3, 5), time_zone="America/Chicago"
    )
    assert [d.day for d in utc.days] == [date(2026, 3, 3)]
    assert [d.day for d in chicago.days] == [date(2026, 3, 2)]


def test_campaign_filter_and_defaults(history: HistoryService, reports: ReportService) -> None:
    """One campaign can be asked for; the default range is the window ending today."""
    history.record(calls(date(2026, 3, 9), 10, 0) + calls(date(2026, 3, 9), 10, 1, "summer"))
    report = reports.abandonment(campaign="summer")
    assert (report.since, report.until) == (date(2026, 2, 9), date(2026, 3, 10))
    assert [d.campaign for d in report.days] == ["summer"]
    assert report.to_dict()["rule"] == {
        "id": "US-FED-TSR-ABANDONMENT",
        "citation": "16 CFR 310.4(b)(4)(i)",
        "max_rate": 0.03,
        "window_days": 30,
        "connect_within_s": 2.0,
    }


def test_the_report_agrees_with_what_the_gate_counts(
    db_app: App, history: HistoryService, reports: ReportService
) -> None:
    """The rolling figures equal the gate's 30-day stats over the same instants."""
    for offset in range(0, 40, 3):
        history.record(calls(date(2026, 2, 1) + timedelta(days=offset), 40 + offset, offset % 4))
    report = reports.abandonment(since=date(2026, 3, 1), until=date(2026, 3, 10))
    last = report.days[-1]
    end = datetime(last.day.year, last.day.month, last.day.day, tzinfo=UTC) + timedelta(days=1)
    with db_app.uow() as uow:
        stats = uow.history.abandonment("spring", end - timedelta(days=30), end, 2.0)
    assert (last.window_answered, last.window_abandoned) == (stats.answered_live, stats.abandoned)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"time_zone": "Asia/Kolkata"}, "whole number of hours"),
        ({"time_zone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"time_zone": "../../etc/passwd"}, "unknown time zone"),
        ({"since": date(2026, 3, 5), "until": date(2026, 3, 1)}, "since must not be after"),
        ({"since": date(2024, 1, 1), "until": date(2026, 3, 1)}, "at most 366 days"),
    ],
)
def test_bad_requests_are_refused(
    reports: ReportService, kwargs: dict[str, object], why: str
) -> None:
    """Unknown and fractional-hour zones, inverted and overlong ranges are refused."""
    with pytest.raises(InvalidInput, match=why):
        reports.abandonment(**kwargs)  # type: ignore[arg-type]


def test_a_rule_set_without_the_safe_harbor_is_a_configuration_error(db_app: App) -> None:
    """Without an abandonment rule there is nothing to measure against: say so."""
    empty = RuleSet(version="test", content_hash="0" * 64)
    service = ReportService(uow=db_app.uow, rules=empty, clock=FixedClock(NOW))
    with pytest.raises(ConfigurationError, match="no abandonment rule in force on 2026-03-10"):
        service.abandonment()


def _fields(attempt: PastAttempt) -> dict[str, object]:
    return {name: getattr(attempt, name) for name in PastAttempt.__dataclass_fields__}
