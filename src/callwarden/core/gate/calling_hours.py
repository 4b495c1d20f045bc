"""OUTSIDE_CALLING_HOURS: contact only inside the permitted hours of the called party's local time.

Federal windows (47 CFR 64.1200(c)(1) and 16 CFR 310.4(c) for telemarketing; 15 U.S.C.
1692c(a)(1) and 12 CFR 1006.6(b)(1)(i) for debt collection) and state windows come from the rule
data. Every candidate time zone must be inside every window that covers the attempt. A row
with holidays has a window for them (Nebraska's prerecorded messages); a row marked
``unless_consent`` is lifted by the seller's prior express (or written) consent in force (Utah
Code 13-25a-103(3)).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial

from callwarden.core.decision import JurisdictionCandidate, Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate._consents import LIFTING_KINDS, lifting_changes, usable
from callwarden.core.gate.check import (
    HORIZON,
    Reasons,
    RuleSetMemo,
    first_agreed,
    first_between_changes,
    reason,
    zone,
)
from callwarden.core.gate.context import CheckContext
from callwarden.core.gate.holiday_calendars import holiday
from callwarden.core.rules.model import CallingWindowRule, DayWindow

#: The local hours of one day that every rule allows: (start, end or None for midnight), or
#: None when no hour of the day is allowed.
_Hours = tuple[time, time | None] | None


class CallingHoursCheck:
    """Deny outside any applicable calling window, in every candidate time zone."""

    name = "calling_hours"

    def __init__(self) -> None:
        """Start with an empty memo of the calling-window rows."""
        self._rows: _rows.Applicable[CallingWindowRule] = _rows.Applicable("calling_windows")
        self._hours: RuleSetMemo[tuple[object, ...], _Hours] = RuleSetMemo()
        #: Whether an instant is inside every window depends only on the candidates, the
        #: scope and the rule set: the last search per candidates and scope is remembered.
        self._earliest = _rows.EarliestMemo()
        self._reasons = Reasons()
        self._liftable = _rows.Liftable("calling_windows")

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """Reasons for each (rule, zone) whose window the attempt's local time misses.

        A row marked ``unless_consent`` names none when a consent lifts it at the attempt.
        """
        out: list[Reason] = []
        lifted: bool | None = None
        for cand, local in zip(ctx.candidates, ctx.locals_at(ctx.attempt.at), strict=True):
            day = local.date()
            hours = self._open_hours(ctx, cand.state, cand.tz, day)
            if (
                hours is not None
                and hours[0] <= local.time()
                and (hours[1] is None or local.time() < hours[1])
            ):
                continue  # inside every window: no rule to name
            now, weekday = local.time(), local.weekday()
            for rule in self._rows.at(ctx, cand.state, day):
                window = window_for(rule, day)
                if window is None:
                    continue
                lo, hi = local_hours(rule, window, cand.tz, day)
                if lo <= now and (hi is None or now < hi):
                    continue
                if rule.unless_consent:
                    if lifted is None:
                        lifted = _lifted(ctx, ctx.attempt.at)
                    if lifted:
                        continue
                name = holiday(rule, day) if window.holidays else None
                key = (
                    rule.meta.id,
                    cand.tz,
                    cand.state,
                    weekday,
                    now.hour,
                    now.minute,
                    lo,
                    hi,
                    name,
                )
                args = (rule, cand, local, (window, name), (lo, hi))
                out.append(self._reasons.get(ctx.rules, key, _outside, *args))
        return out

    def earliest(self, ctx: CheckContext, instant: datetime) -> datetime | None:
        """The first instant at or after ``instant`` inside every window in every zone."""
        cands = ctx.candidates
        if not cands:
            return instant
        changes = lifting_changes(ctx) if ctx.facts.consents and self._liftable(ctx) else ()
        if changes:
            # A row may be lifted by a consent, in force for a while: no memo can hold that,
            # and the search restarts where a consent starts or stops lifting.
            return self._search(ctx, instant, changes)
        key = (cands, *_rows.kind(ctx))
        return self._earliest.through(ctx.rules, key, instant, lambda: self._search(ctx, instant))

    def _search(
        self, ctx: CheckContext, instant: datetime, changes: tuple[datetime, ...] = ()
    ) -> datetime | None:
        """The first instant every candidate's windows allow, searched afresh.

        ``changes``: the instants at which a consent starts or stops lifting a row; none
        when no consent of the number's can lift one.
        """
        lifting = bool(changes)
        asks = [partial(self._next_open, ctx, c.state, c.tz, lifting) for c in ctx.candidates]
        if changes:
            asks = [partial(first_between_changes, ask, changes) for ask in asks]
        return first_agreed(asks, instant)

    def _next_open(
        self, ctx: CheckContext, state: str | None, tz: str, lifting: bool, instant: datetime
    ) -> datetime | None:
        """First instant >= ``instant`` that every rule of one candidate allows.

        With ``lifting``, rows a consent lifts at ``instant`` are left out (the caller
        restarts the search where that changes).
        """
        tzinfo = zone(tz)
        local = instant.astimezone(tzinfo)
        lifted = lifting and _lifted(ctx, instant)
        for offset in range(HORIZON.days + 1):
            day = local.date() + timedelta(days=offset)
            bounds = self._open_hours(ctx, state, tz, day, lifted)
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

    def _open_hours(
        self, ctx: CheckContext, state: str | None, tz: str, day: date, lifted: bool = False
    ) -> _Hours:
        """The local hours every rule allows on ``day`` (end None: midnight), None: no hour.

        ``lifted``: without the rows a consent lifts.
        """
        key = (state, tz, day, *_rows.kind(ctx), lifted)
        memo = self._hours.of(ctx.rules)
        if key in memo:
            return memo[key]
        lo, hi = time(0), None
        for rule in self._rows.at(ctx, state, day):
            if lifted and rule.unless_consent:
                continue
            window = window_for(rule, day)
            if window is None:
                continue
            start, end = local_hours(rule, window, tz, day)
            lo = max(lo, start)
            if end is not None:
                hi = end if hi is None else min(hi, end)
        found = None if hi is not None and lo >= hi else (lo, hi)
        memo[key] = found
        return found


def _lifted(ctx: CheckContext, instant: datetime) -> bool:
    """Whether a consent lifts the ``unless_consent`` rows at ``instant``."""
    return bool(usable(ctx, LIFTING_KINDS, instant))


#: ``%a`` in the C locale, without strftime on the hot path.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@lru_cache(maxsize=256)
def _span(window: DayWindow) -> str:
    """``HH:MM-HH:MM`` of a window (formatted once per window)."""
    return f"{window.start:%H:%M}-{window.end:%H:%M}"


def local_hours(
    rule: CallingWindowRule, window: DayWindow, tz: str, day: date
) -> tuple[time, time | None]:
    """A window's hours on the local clock of ``tz`` on ``day`` (end None: midnight).

    A rule stated in standard time is an hour later on the clock while daylight saving time
    is in effect (judged at local noon); an end pushed past midnight ends at midnight (the
    stricter reading), a start pushed past it leaves no hour that day.
    """
    shift = _daylight_shift(tz, day) if rule.standard_time else _NO_SHIFT
    if not shift:
        return window.start, window.end
    start = datetime.combine(day, window.start) + shift
    end = datetime.combine(day, window.end) + shift
    if start.date() != day:
        return time.max, time.max
    return start.time(), end.time() if end.date() == day else None


_NO_SHIFT = timedelta(0)


@lru_cache(maxsize=4096)
def _daylight_shift(tz: str, day: date) -> timedelta:
    """How far the local clock of ``tz`` is ahead of standard time on ``day`` (at noon)."""
    return zone(tz).dst(datetime.combine(day, time(12))) or _NO_SHIFT


def _outside(
    rule: CallingWindowRule,
    cand: JurisdictionCandidate,
    local: datetime,
    found: tuple[DayWindow, str | None],
    hours: tuple[time, time | None],
) -> Reason:
    """The reason of a local time outside a rule's window (its message names the minute).

    ``found``: the window and, for a holiday window, the holiday; ``hours``: the window on
    the local clock.
    """
    window, holiday_name = found
    lo, hi = hours
    where = cand.state or cand.tz
    span = _span(window)
    if rule.standard_time:
        end = "24:00" if hi is None else f"{hi:%H:%M}"
        span = f"{lo:%H:%M}-{end} ({span} standard time)"
    if holiday_name is not None:
        span = f"{span}, the hours on holidays ({holiday_name})"
    message = (
        f"{_WEEKDAYS[local.weekday()]} {local.hour:02d}:{local.minute:02d} in {cand.tz} "
        f"({where}) is outside {span}"
    )
    return reason(ReasonCode.OUTSIDE_CALLING_HOURS, rule.meta, message)


def window_for(rule: CallingWindowRule, day: date) -> DayWindow | None:
    """The rule's window on a local date: None when no window covers the day.

    On one of the row's holidays its holiday window applies, whatever the weekday; on other
    days the window naming the weekday.
    """
    on_holidays = rule.holiday_window
    if on_holidays is not None and holiday(rule, day) is not None:
        return on_holidays
    return rule.by_weekday[day.weekday()]
