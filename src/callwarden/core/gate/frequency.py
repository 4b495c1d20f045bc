"""FREQUENCY_CAP: how often a seller may call one number, from the call history.

Caps come from the rule data (``frequency_caps``): Regulation F's presumption of compliance,
at most 7 calls within 7 consecutive days and none within 7 consecutive days after a telephone
conversation, the conversation day being day 1 (12 CFR 1006.14(b)(2)); state caps such as
3 calls per 24 hours on the same subject (Fla. Stat. 501.616(6)(b)). A row counts the
history of this seller to this number in the row's purposes and ``counted_channels`` (and
campaign, when ``per_campaign``); every outcome but ``failed`` is a call placed. Windows are
either rolling hours or consecutive calendar days in each candidate's local time, the
attempt's own day being the last of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate.check import HORIZON, RuleSetMemo, reason, zone
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import FEDERAL, FrequencyCapRule
from callwarden.core.types import Channel, LineType, Method, Outcome, PastAttempt, Purpose


@dataclass(frozen=True, slots=True)
class _Limit:
    """A limit the attempt reaches: the instant it stops applying, and why."""

    key: str
    free_at: datetime
    message: str


class FrequencyCheck:
    """Deny when the seller has reached a frequency cap for this number."""

    name = "frequency"

    def __init__(self) -> None:
        """Start with an empty memo of the frequency-cap rows."""
        self._rows: _rows.Applicable[FrequencyCapRule] = _rows.Applicable("frequency_caps")

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """One reason per rule and kind of limit (cap, quiet days) the attempt reaches."""
        found: dict[tuple[str, str], Reason] = {}
        for rule, limit in self._limits(ctx, _rows.utc(ctx.attempt.at)):
            key = (rule.meta.id, limit.key)
            found.setdefault(key, reason(ReasonCode.FREQUENCY_CAP, rule.meta, limit.message))
        return list(found.values())

    def earliest(self, ctx: CheckContext, instant: datetime) -> datetime | None:
        """The first instant at or after ``instant`` when every reached limit has lapsed."""
        at = _rows.utc(instant)
        free = max((limit.free_at for _rule, limit in self._limits(ctx, at)), default=at)
        if free - at > HORIZON:
            return None
        return free.astimezone(instant.tzinfo)

    def _limits(self, ctx: CheckContext, at: datetime) -> list[tuple[FrequencyCapRule, _Limit]]:
        """Every limit reached at ``at``, per candidate zone and applicable rule."""
        out: list[tuple[FrequencyCapRule, _Limit]] = []
        if not ctx.facts.history:
            return out  # no call counted: every cap allows at least one, no quiet period
        counted: dict[str, tuple[list[datetime], list[datetime]]] = {}  # per rule id
        for cand, local in zip(ctx.candidates, ctx.locals_at(at), strict=True):
            day = local.date()
            for rule in self._rows.at(ctx, cand.state, day):
                found = counted.get(rule.meta.id)
                if found is None:
                    found = counted[rule.meta.id] = _history(ctx, rule, at)
                calls, talks = found
                cap = _cap(ctx, rule, cand.tz, at, calls)
                quiet = _quiet(rule, cand.tz, at, talks)
                out.extend((rule, limit) for limit in (cap, quiet) if limit is not None)
        return out


def _history(
    ctx: CheckContext, rule: FrequencyCapRule, at: datetime
) -> tuple[list[datetime], list[datetime]]:
    """Calls placed and conversations held that the rule counts, up to ``at``, oldest first."""
    a = ctx.attempt
    calls: list[datetime] = []
    talks: list[datetime] = []
    for past in ctx.facts.history:
        when = _rows.utc(past.at)
        if (
            when > at
            or past.outcome is Outcome.FAILED
            or past.phone != ctx.national
            or past.seller != a.seller
            or past.channel not in rule.counted_channels
            or past.purpose not in rule.scope.purposes
            or (rule.per_campaign and past.campaign != a.campaign)
        ):
            continue
        calls.append(when)
        if past.outcome is Outcome.CONVERSATION:
            talks.append(when)
    return sorted(calls), sorted(talks)


def _cap(
    ctx: CheckContext, rule: FrequencyCapRule, tz: str, at: datetime, calls: list[datetime]
) -> _Limit | None:
    if len(calls) < rule.max_attempts:
        return None  # fewer calls in all than the cap, whatever the window
    days = rule.window_days or 1
    if rule.window_hours is not None:
        window = timedelta(hours=rule.window_hours)
        inside = [t for t in calls if at - window < t]
    else:
        first = _local_date(at, tz) - timedelta(days=days - 1)
        inside = [t for t in calls if _local_date(t, tz) >= first]
    if len(inside) < rule.max_attempts:
        return None
    if rule.window_hours is not None:
        span = f"the last {rule.window_hours} hours"
    else:
        span = f"the {days} days {first:%Y-%m-%d} to {_local_date(at, tz):%Y-%m-%d} in {tz}"
    oldest = inside[len(inside) - rule.max_attempts]  # the call that must leave the window
    if rule.window_hours is not None:
        free_at = oldest + timedelta(hours=rule.window_hours)
    else:
        free_at = _rows.local_midnight(_local_date(oldest, tz) + timedelta(days=days), tz)
    campaign = f" in campaign {ctx.attempt.campaign!r}" if rule.per_campaign else ""
    message = (
        f"seller {ctx.attempt.seller} already placed {len(inside)} calls to this number"
        f"{campaign} in {span}; the limit is {rule.max_attempts}"
    )
    return _Limit(key="cap", free_at=free_at, message=message)


def _quiet(rule: FrequencyCapRule, tz: str, at: datetime, talks: list[datetime]) -> _Limit | None:
    quiet = rule.quiet_days_after_conversation
    if quiet is None or not talks:
        return None
    talked = _local_date(talks[-1], tz)
    free_at = _rows.local_midnight(talked + timedelta(days=quiet), tz)
    if at >= free_at:
        return None
    message = (
        f"a telephone conversation took place on {talked:%Y-%m-%d} ({tz}); no call for "
        f"{quiet} days counting that day as day 1"
    )
    return _Limit(key="quiet", free_at=free_at, message=message)


def _local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(zone(tz)).date()


def history_is_inert(ctx: CheckContext, history: tuple[PastAttempt, ...]) -> bool:
    """Whether no cap that may apply to the attempt could ever be reached with ``history``.

    Then the frequency check allows at every instant, and the attempt's decision is that of
    an attempt with no history. Counted generously, so a true answer is always safe: every
    row of the attempt's jurisdictions whose scope covers it, on any day; every call of the
    history a row could count (whatever its campaign, instant or window); and no
    conversation at all where a row keeps quiet days after one.
    """
    if not history:
        return True
    for purposes, channels, most, quiet in _caps_for(ctx):
        counted = 0
        for past in history:
            if (
                past.outcome is Outcome.FAILED
                or past.channel not in channels
                or past.purpose not in purposes
            ):
                continue
            if quiet and past.outcome is Outcome.CONVERSATION:
                return False
            counted += 1
        if counted >= most:
            return False
    return True


_Cap = tuple[frozenset[Purpose], frozenset[Channel], int, bool]
_CapsKey = tuple[frozenset[str], Purpose, Channel, Method, LineType]


def _caps_for(ctx: CheckContext) -> tuple[_Cap, ...]:
    """What ``history_is_inert`` reads of the caps that may apply to the attempt, any day."""
    a = ctx.attempt
    states = ctx.states
    key: _CapsKey = (states, a.purpose, a.channel, a.method, a.line_type)
    memo = _CAPS.of(ctx.rules)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _caps(ctx.rules.frequency_caps, key)
    return found


def _caps(rows: tuple[FrequencyCapRule, ...], key: _CapsKey) -> tuple[_Cap, ...]:
    states, purpose, channel, method, line_type = key
    jurisdictions = {FEDERAL, *(f"US-{s}" for s in states)}
    return tuple(
        (
            frozenset(rule.scope.purposes),
            frozenset(rule.counted_channels),
            rule.max_attempts,
            rule.quiet_days_after_conversation is not None,
        )
        for rule in rows
        if rule.meta.jurisdiction in jurisdictions
        and rule.scope.covers(purpose, channel, method, line_type)
    )


#: Per rule set: the caps ``history_is_inert`` reads, by jurisdictions and kind of attempt.
_CAPS: RuleSetMemo[_CapsKey, tuple[_Cap, ...]] = RuleSetMemo()
