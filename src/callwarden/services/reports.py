"""Reports over the call history: the abandonment rate per campaign and day.

The abandonment safe harbor (16 CFR 310.4(b)(4)(i); 47 CFR 64.1200(a)(7)(i)) allows at most
3% of the calls answered by a person to be abandoned, measured per calling campaign over 30 days.
A call is abandoned when the person is not connected to a sales representative within two
seconds of the completed greeting (16 CFR 310.4(b)(1)(iv)). The rate limit, the window and the
two seconds come from the rule set's ``abandonment`` rows, never from this module.

Counts are grouped in the database by campaign and UTC hour (only those rows leave it), then
folded into days of the report's time zone; a zone whose offset is not a whole number of hours is
refused because its days do not fall on hour boundaries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callwarden.core.ports import Clock, HourlyCalls, UnitOfWork
from callwarden.core.rules.model import AbandonmentRule
from callwarden.core.rules.ruleset import RuleSet
from callwarden.errors import ConfigurationError, InvalidInput

#: The longest report, in days.
MAX_DAYS = 366
_HOUR = 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonmentDay:
    """One campaign on one day: that day's counts and the rolling window ending with it."""

    campaign: str
    day: date
    answered: int
    abandoned: int
    window_answered: int
    window_abandoned: int
    daily_rate: float
    rolling_rate: float
    daily_at_or_over: bool
    rolling_at_or_over: bool

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "campaign": self.campaign,
            "day": self.day.isoformat(),
            "answered": self.answered,
            "abandoned": self.abandoned,
            "daily_rate": round(self.daily_rate, 6),
            "window_answered": self.window_answered,
            "window_abandoned": self.window_abandoned,
            "rolling_rate": round(self.rolling_rate, 6),
            "daily_at_or_over": self.daily_at_or_over,
            "rolling_at_or_over": self.rolling_at_or_over,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonmentReport:
    """The report: its range, the rule it measured against, and one row per campaign and day."""

    since: date
    until: date  # inclusive
    time_zone: str
    rule: AbandonmentRule
    days: tuple[AbandonmentDay, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON form of ``report abandonment --json`` and the API."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "time_zone": self.time_zone,
            "rule": {
                "id": self.rule.meta.id,
                "citation": self.rule.meta.citation,
                "max_rate": self.rule.max_rate,
                "window_days": self.rule.window_days,
                "connect_within_s": self.rule.connect_within_s,
            },
            "days": [d.to_dict() for d in self.days],
        }


class ReportService:
    """Reports computed from the call history."""

    def __init__(self, *, uow: Callable[[], UnitOfWork], rules: RuleSet, clock: Clock) -> None:
        """Compose with a unit-of-work factory, the rule set and a clock."""
        self.uow = uow
        self.rules = rules
        self.clock = clock

    def abandonment(
        self,
        *,
        campaign: str | None = None,
        since: date | None = None,
        until: date | None = None,
        time_zone: str = "UTC",
    ) -> AbandonmentReport:
        """Abandonment per campaign and day in [since, until] (days of ``time_zone``).

        ``until`` defaults to today and ``since`` to the start of the rule's window ending then.

        Raises:
            InvalidInput: an unknown or fractional-hour time zone, or a bad date range.
            ConfigurationError: the rule set has no abandonment rule in force on ``until``.
        """
        zone = _zone(time_zone)
        until = until or self.clock.now().astimezone(zone).date()
        rule = self._rule(until)
        since = since or until - timedelta(days=rule.window_days - 1)
        if since > until:
            raise InvalidInput("since must not be after until")
        if (until - since).days >= MAX_DAYS:
            raise InvalidInput(f"a report covers at most {MAX_DAYS} days")
        first = since - timedelta(days=rule.window_days - 1)
        start, end = _midnight(first, zone), _midnight(until + timedelta(days=1), zone)
        with self.uow() as uow:
            hours = uow.history.live_calls_by_hour(campaign, start, end, rule.connect_within_s)
        daily = _by_day(hours, zone)
        rows = [
            row
            for name in sorted(daily)
            for row in _campaign_days(name, daily[name], since, until, rule)
        ]
        return AbandonmentReport(
            since=since, until=until, time_zone=time_zone, rule=rule, days=tuple(rows)
        )

    def _rule(self, day: date) -> AbandonmentRule:
        rules: list[AbandonmentRule] = self.rules.rows("abandonment", [], day)
        if not rules:
            raise ConfigurationError(
                f"the rule set has no abandonment rule in force on {day.isoformat()}",
                details={"rule_set": self.rules.label},
            )
        # Where a seller's overrides add a stricter row, the strictest one measures.
        return min(rules, key=lambda r: (r.max_rate, r.connect_within_s))


def _zone(name: str) -> ZoneInfo:
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("unknown time zone; use an IANA name such as America/Chicago") from exc
    return zone


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    instant = datetime.combine(day, time(), tzinfo=zone)
    offset = instant.utcoffset()
    if offset is None or offset.total_seconds() % _HOUR:
        raise InvalidInput("the report's time zone must be a whole number of hours from UTC")
    return instant


def _by_day(hours: tuple[HourlyCalls, ...], zone: ZoneInfo) -> dict[str, dict[date, list[int]]]:
    """Campaign -> day -> [answered, abandoned]."""
    out: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for campaign, hour, answered, abandoned in hours:
        counts = out[campaign][hour.astimezone(zone).date()]
        counts[0] += answered
        counts[1] += abandoned
    return out


def _campaign_days(
    campaign: str, days: dict[date, list[int]], since: date, until: date, rule: AbandonmentRule
) -> list[AbandonmentDay]:
    limit = Fraction(str(rule.max_rate))
    out = []
    for day in sorted(d for d in days if since <= d <= until and days[d][0]):
        answered, abandoned = days[day]
        window = [days.get(day - timedelta(days=k), [0, 0]) for k in range(rule.window_days)]
        w_answered = sum(c[0] for c in window)
        w_abandoned = sum(c[1] for c in window)
        out.append(
            AbandonmentDay(
                campaign=campaign,
                day=day,
                answered=answered,
                abandoned=abandoned,
                window_answered=w_answered,
                window_abandoned=w_abandoned,
                daily_rate=abandoned / answered,
                rolling_rate=w_abandoned / w_answered,
                daily_at_or_over=Fraction(abandoned, answered) >= limit,
                rolling_at_or_over=Fraction(w_abandoned, w_answered) >= limit,
            )
        )
    return out
