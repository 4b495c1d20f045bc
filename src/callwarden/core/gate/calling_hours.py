"""OUTSIDE_CALLING_HOURS: contact only inside the permitted hours of the called party's local time.

Federal windows (47 CFR 64.1200(c)(1) and 16 CFR 310.4(c) for telemarketing; 15 U.S.C.
1692c(a)(1) and 12 CFR 1006.6(b)(1)(i) for debt collection) and state windows come from the rule
data. Every candidate time zone must be inside every window that covers the attempt.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate.check import HORIZON, reason, zone
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import CallingWindowRule, DayWindow
from callwarden.core.rules.ruleset import RuleSet

#: The local hours of one day that every rule allows: (start, end or None for midnight), or
#: None when no hour of the day is allowed.
_Hours = tuple[time, time | None] | None


class CallingHoursCheck:
    """Deny outside any applicable calling window, in every candidate time zone."""

    name = "calling_hours"

    def __init__(self) -> None:
        """Start with an empty memo of the calling-window rows."""
        self._rows: _rows.Applicable[CallingWindowRule] = _rows.Applicable("calling_windows")
        self._hours: tuple[RuleSet | None, dict[tuple[object, ...], _Hours]] = (None, {})

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """Reasons for each (rule, zone) whose window the attempt's local time misses."""
        out: list[Reason] = []
        for cand, local in zip(ctx.candidates, ctx.locals_at(ctx.attempt.at), strict=True):
            day = local.date()
            hours = self._open_hours(ctx, cand.state, day)
            if (
                hours is not None
                and hours[0] <= local.time()
                and (hours[1] is None or local.time() < hours[1])
            ):
                continue  # inside every window: no rule to name
            for rule in self._rows.at(ctx, cand.state, day):
                window = _window_for(rule, local.weekday())
                if window is None or window.start <= local.time() < window.end:
                    continue
                where = cand.state or cand.tz
                out.append(
                    reason(
                        ReasonCode.OUTSIDE_CALLING_HOURS,
                        rule.meta,
                        f"{local:%a %H:%M} in {cand.tz} ({where}) is outside "
                        f"{window.start:%H:%M}-{window.end:%H:%M}",
                    )
                )
        return out

    def earliest(self, ctx: CheckContext, instant: datetime) -> datetime | None:
        """The first instant at or after ``instant`` inside every window in every zone."""
        current = instant
        for _ in range(64):
            moved = current
            for cand in ctx.candidates:
                nxt = self._next_open(ctx, cand.state, cand.tz, moved)
                if nxt is None:
                    return None
                moved = max(moved, nxt)
            if moved == current:
                return current
            if moved - instant > HORIZON:
                return None
            current = moved
        return None

    def _next_open(
        self, ctx: CheckContext, state: str | None, tz: str, instant: datetime
    ) -> datetime | None:
        """First instant >= ``instant`` that every rule of one candidate allows."""
        tzinfo = zone(tz)
        local = instant.astimezone(tzinfo)
        for offset in range(HORIZON.days + 1):
            day = local.date() + timedelta(days=offset)
            bounds = self._open_hours(ctx, state, day)
            if bounds is None:
                continue
            lo = datetime.combine(day, bounds[0], tzinfo)
            hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo)
            if bounds[1] is not None:
                hi = datetime.combine(day, bounds[1], tzinfo)
            if offset == 0:
                lo = max(lo, local)
            if lo < hi:
                return lo.astimezone(instant.tzinfo)
        return None

    def _open_hours(self, ctx: CheckContext, state: str | None, day: date) -> _Hours:
        """The local hours every rule allows on ``day`` (end None: midnight), None: no hour."""
        key = (state, day, *_scope(ctx))
        known, memo = self._hours
        if known is not ctx.rules or len(memo) > _rows.Applicable.LIMIT:
            memo = {}
            self._hours = (ctx.rules, memo)
        if key in memo:
            return memo[key]
        lo, hi = time(0), None
        for rule in self._rows.at(ctx, state, day):
            window = _window_for(rule, day.weekday())
            if window is None:
                continue
            lo = max(lo, window.start)
            hi = window.end if hi is None else min(hi, window.end)
        found = None if hi is not None and lo >= hi else (lo, hi)
        memo[key] = found
        return found


def _window_for(rule: CallingWindowRule, weekday: int) -> DayWindow | None:
    for window in rule.windows:
        if weekday in window.days:
            return window
    return None


def _scope(ctx: CheckContext) -> tuple[object, ...]:
    a = ctx.attempt
    return (a.purpose, a.channel, a.method, a.line_type)
