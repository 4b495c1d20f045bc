"""OUTSIDE_CALLING_HOURS: contact only inside the permitted hours of the called party's local time.

Federal windows (47 CFR 64.1200(c)(1) and 16 CFR 310.4(c) for telemarketing; 15 U.S.C.
1692c(a)(1) and 12 CFR 1006.6(b)(1)(i) for debt collection) and state windows come from the rule
data. Every candidate time zone must be inside every window that covers the attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from callwarden.core.decision import JurisdictionCandidate, Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate.check import HORIZON, Reasons, reason, zone
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
        #: Whether an instant is inside every window depends only on the candidates, the
        #: scope and the rule set: the last search per candidates and scope is remembered.
        self._earliest = _rows.EarliestMemo()
        self._reasons = Reasons()

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
            now, weekday = local.time(), local.weekday()
            for rule in self._rows.at(ctx, cand.state, day):
                window = _window_for(rule, weekday)
                if window is None or window.start <= now < window.end:
                    continue
                key = (rule.meta.id, cand.tz, cand.state, weekday, now.hour, now.minute)
                out.append(self._reasons.get(ctx.rules, key, _outside(rule, cand, local, window)))
        return out

    def earliest(self, ctx: CheckContext, instant: datetime) -> datetime | None:
        """The first instant at or after ``instant`` inside every window in every zone."""
        cands = ctx.candidates
        if not cands:
            return instant
        key = (cands, *_scope(ctx))
        known = self._earliest.get(ctx.rules, key, instant)
        if known is not None:
            return known
        found = self._search(ctx, instant)
        if found is not None:
            self._earliest.put(ctx.rules, key, instant, found)
        return found

    def _search(self, ctx: CheckContext, instant: datetime) -> datetime | None:
        """The first instant every candidate's windows allow, searched afresh.

        Candidates are asked in turn at the latest instant found so far, until every one in
        a row has allowed the instant it was asked about.
        """
        cands = ctx.candidates
        current, agreed = instant, 0
        for step in range(64 * len(cands)):
            cand = cands[step % len(cands)]
            found = self._next_open(ctx, cand.state, cand.tz, current)
            if found is None:
                return None
            if found > current:
                if found - instant > HORIZON:
                    return None
                current, agreed = found, 1
            else:
                agreed += 1
            if agreed == len(cands):
                return current
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


#: ``%a`` in the C locale, without strftime on the hot path.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@lru_cache(maxsize=256)
def _span(window: DayWindow) -> str:
    """``HH:MM-HH:MM`` of a window (formatted once per window)."""
    return f"{window.start:%H:%M}-{window.end:%H:%M}"


def _outside(
    rule: CallingWindowRule, cand: JurisdictionCandidate, local: datetime, window: DayWindow
) -> Callable[[], Reason]:
    """How to write the reason of a local time outside a rule's window (local minute only)."""

    def build() -> Reason:
        where = cand.state or cand.tz
        message = (
            f"{_WEEKDAYS[local.weekday()]} {local.hour:02d}:{local.minute:02d} in {cand.tz} "
            f"({where}) is outside {_span(window)}"
        )
        return reason(ReasonCode.OUTSIDE_CALLING_HOURS, rule.meta, message)

    return build


def _window_for(rule: CallingWindowRule, weekday: int) -> DayWindow | None:
    for window in rule.windows:
        if weekday in window.days:
            return window
    return None


def _scope(ctx: CheckContext) -> tuple[object, ...]:
    a = ctx.attempt
    return (a.purpose, a.channel, a.method, a.line_type)
