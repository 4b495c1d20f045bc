"""OUTSIDE_CALLING_HOURS: contact only inside the permitted hours of the called party's local time.

Federal windows (47 CFR 64.1200(c)(1) and 16 CFR 310.4(c) for telemarketing; 15 U.S.C.
1692c(a)(1) and 12 CFR 1006.6(b)(1)(i) for debt collection) and state windows come from the rule
data. Every candidate time zone must be inside every window that covers the attempt.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate.check import HORIZON, reason, zone
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import CallingWindowRule, DayWindow


class CallingHoursCheck:
    """Deny outside any applicable calling window, in every candidate time zone."""

    name = "calling_hours"

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """Reasons for each (rule, zone) whose window the attempt's local time misses."""
        out: list[Reason] = []
        for cand, local in zip(ctx.candidates, ctx.locals_at(ctx.attempt.at), strict=True):
            for rule in _rules(ctx, cand.state, local.date()):
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
                nxt = _next_open(ctx, cand.state, cand.tz, moved)
                if nxt is None:
                    return None
                moved = max(moved, nxt)
            if moved == current:
                return current
            if moved - instant > HORIZON:
                return None
            current = moved
        return None


def _rules(ctx: CheckContext, state: str | None, day: date) -> list[CallingWindowRule]:
    a = ctx.attempt
    rows: list[CallingWindowRule] = ctx.rules.rows("calling_windows", [state], day)
    return [r for r in rows if r.scope.covers(a.purpose, a.channel, a.method, a.line_type)]


def _window_for(rule: CallingWindowRule, weekday: int) -> DayWindow | None:
    for window in rule.windows:
        if weekday in window.days:
            return window
    return None


def _next_open(ctx: CheckContext, state: str | None, tz: str, instant: datetime) -> datetime | None:
    """First instant >= ``instant`` that every rule of one candidate allows."""
    tzinfo = zone(tz)
    local = instant.astimezone(tzinfo)
    for offset in range(HORIZON.days + 1):
        day = local.date() + timedelta(days=offset)
        start = datetime.combine(day, datetime.min.time(), tzinfo) if offset else local
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo)
        lo, hi = start, end
        for rule in _rules(ctx, state, day):
            window = _window_for(rule, day.weekday())
            if window is None:
                continue
            lo = max(lo, datetime.combine(day, window.start, tzinfo))
            hi = min(hi, datetime.combine(day, window.end, tzinfo))
        if lo < hi:
            return lo.astimezone(instant.tzinfo)
    return None
