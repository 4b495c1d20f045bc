"""What the rules do in one jurisdiction: the golden snapshot a reviewer reads when law changes.

For a jurisdiction (``US`` alone, or a state with the federal rules) and a year, ``snapshot``
computes the effective calling window on each weekday (the intersection of every window that
covers the attempt), the hours on the dates of the year where a window row's holiday hours
apply (``holiday_hours``, only where some row has them), the weekdays and the dates of the year
that restricted-day rules ban,
and the frequency caps, do-not-call lists, consent requirements, EBR durations, abandonment
limits and emergency bans in force. It does this for a few typical attempts (``PROFILES``):
a live telemarketing call, a prerecorded telemarketing call and a live debt-collection call,
each voice, to a line of unknown type (covered by every line-type rule). Pure over a
``RuleSet``; holidays come from the same calendars the gate uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from callwarden.core.gate.calling_hours import local_hours, window_for
from callwarden.core.gate.holiday_calendars import holiday
from callwarden.core.rules.model import (
    FEDERAL,
    CallingWindowRule,
    DayWindow,
    RestrictedDayRule,
    Scope,
)
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Channel, LineType, Method, Purpose
from callwarden.services.rules import jurisdictions, kinds_text

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The year the golden snapshots describe.
SNAPSHOT_YEAR = 2026


@dataclass(frozen=True, slots=True)
class Profile:
    """A typical attempt whose treatment the snapshot shows."""

    purpose: Purpose
    channel: Channel
    method: Method
    line_type: LineType = LineType.UNKNOWN

    def covered_by(self, scope: Scope) -> bool:
        """Whether a row with this scope applies to the profile."""
        return scope.covers(self.purpose, self.channel, self.method, self.line_type)


PROFILES = {
    "telemarketing": Profile(Purpose.TELEMARKETING, Channel.VOICE, Method.MANUAL),
    "telemarketing_prerecorded": Profile(Purpose.TELEMARKETING, Channel.VOICE, Method.PRERECORDED),
    "debt_collection": Profile(Purpose.DEBT_COLLECTION, Channel.VOICE, Method.MANUAL),
}


def snapshot(rules: RuleSet, jurisdiction: str, year: int) -> dict[str, Any]:
    """The computed effects of the rules of ``jurisdiction`` (``US`` or ``US-XX``) in a year.

    Rows are taken as in force on July 1 of the year; restricted dates are computed day by
    day with the rows in force on each day.
    """
    state = None if jurisdiction == FEDERAL else jurisdiction.removeprefix("US-")
    as_of = date(year, 7, 1)
    zones = rules.zones_of(state) if state else None
    return {
        "jurisdiction": jurisdiction,
        "year": year,
        "rows_in_force_on": as_of.isoformat(),
        "time_zones": list(zones.zones) if zones else [],
        "profiles": {
            name: _profile_effects(rules, state, profile, as_of)
            for name, profile in PROFILES.items()
        },
        "frequency_caps": [_cap(r) for r in _rows(rules, "frequency_caps", state, as_of)],
        "dnc_lists": [_dnc(r) for r in _rows(rules, "dnc_lists", state, as_of)],
        "consent": [_consent(r) for r in _rows(rules, "consent", state, as_of)],
        "ebr": [_ebr(r) for r in _rows(rules, "ebr", state, as_of)],
        "abandonment": [_abandonment(r) for r in _rows(rules, "abandonment", state, as_of)],
        "emergency_bans": [
            {"rule": r.meta.id, **_scope(r.scope)}
            for r in _rows(rules, "emergency_bans", state, as_of)
        ],
        "reassigned": [
            {"rule": r.meta.id, **_scope(r.scope)} for r in _rows(rules, "reassigned", state, as_of)
        ],
    }


def snapshot_files(rules: RuleSet, year: int = SNAPSHOT_YEAR) -> dict[str, str]:
    """File name (``US.json``, ``US-TX.json``) -> JSON text, for every jurisdiction."""
    return {
        f"{j}.json": json.dumps(snapshot(rules, j, year), indent=2, ensure_ascii=False) + "\n"
        for j in jurisdictions(rules)
    }


def effective_windows(
    rules: RuleSet, state: str | None, profile: Profile, day: date
) -> dict[str, str]:
    """Per weekday, the hours every covering window allows (``closed`` when none are left).

    On the local clock of the state's first zone on ``day``: a window stated in standard time
    shows an hour later while daylight saving time is in effect.
    """
    windows: list[CallingWindowRule] = [
        r for r in _rows(rules, "calling_windows", state, day) if profile.covered_by(r.scope)
    ]
    zones = rules.zones_of(state) if state else None
    tz = zones.zones[0] if zones is not None and zones.zones else None
    out: dict[str, str] = {}
    for index, name in enumerate(WEEKDAYS):
        covering = [(r, w) for r in windows for w in r.windows if index in w.days]
        out[name] = _hours_text(covering, tz, day)
    return out


def _hours_text(
    covering: list[tuple[CallingWindowRule, DayWindow]], tz: str | None, day: date
) -> str:
    """The hours every one of the windows allows on ``day``: ``08:00-21:00``, ``closed``."""
    start, end = time(0), None
    for rule, window in covering:
        lo: time = window.start
        hi: time | None = window.end
        if tz is not None:
            lo, hi = local_hours(rule, window, tz, day)
        start = max(start, lo)
        if hi is not None:
            end = hi if end is None else min(end, hi)
    if end is None:
        return "any time"
    return f"{start:%H:%M}-{end:%H:%M}" if start < end else "closed"


def holiday_hours(rules: RuleSet, state: str | None, profile: Profile, year: int) -> list[str]:
    """Every date of the year on which a covering window row's holiday hours apply.

    One line per date, the hours every covering window allows that day and the rows whose
    holiday window applies: ``2026-04-24 Arbor Day: 13:00-21:00 (US-NE-PRERECORDED-...)``.
    """
    zones = rules.zones_of(state) if state else None
    tz = zones.zones[0] if zones is not None and zones.zones else None
    out: list[str] = []
    day = date(year, 1, 1)
    while day.year == year:
        rows = [
            r for r in _rows(rules, "calling_windows", state, day) if profile.covered_by(r.scope)
        ]
        if any(r.names_holidays for r in rows):
            covering: list[tuple[CallingWindowRule, DayWindow]] = []
            named: list[tuple[CallingWindowRule, str]] = []
            for r in rows:
                window = window_for(r, day)
                if window is None:
                    continue
                covering.append((r, window))
                name = holiday(r, day) if window is r.holiday_window else None
                if name is not None:
                    named.append((r, name))
            if named:
                ids = ", ".join(r.meta.id for r, _name in named)
                out.append(
                    f"{day.isoformat()} {named[0][1]}: {_hours_text(covering, tz, day)} ({ids})"
                )
        day += timedelta(days=1)
    return out


def restricted_dates(rules: RuleSet, state: str | None, profile: Profile, year: int) -> list[str]:
    """Every holiday of the year that a covering restricted-day row bans, with its rules.

    One line per date: ``2026-07-24 Pioneer Day: US-UT-HOLIDAY-BAN (unless consent)``.
    """
    out: list[str] = []
    day = date(year, 1, 1)
    while day.year == year:
        found: list[tuple[RestrictedDayRule, str]] = []
        for rule in _rows(rules, "restricted_days", state, day):
            name = holiday(rule, day) if profile.covered_by(rule.scope) else None
            if name is not None:
                found.append((rule, name))
        if found:
            ids = ", ".join(r.meta.id for r, _name in found)
            lifted = " (unless consent)" if all(r.unless_consent for r, _n in found) else ""
            out.append(f"{day.isoformat()} {found[0][1]}: {ids}{lifted}")
        day += timedelta(days=1)
    return out


def _profile_effects(
    rules: RuleSet, state: str | None, profile: Profile, as_of: date
) -> dict[str, Any]:
    windows = [
        r.meta.id + (" (unless consent)" if r.unless_consent else "")
        for r in _rows(rules, "calling_windows", state, as_of)
        if profile.covered_by(r.scope)
    ]
    banned: dict[str, list[str]] = {}
    for rule in _rows(rules, "restricted_days", state, as_of):
        if not profile.covered_by(rule.scope):
            continue
        label = rule.meta.id + (" (unless consent)" if rule.unless_consent else "")
        for index in sorted(rule.weekdays):
            banned.setdefault(WEEKDAYS[index], []).append(label)
    hours = effective_windows(rules, state, profile, as_of)
    for day, labels in banned.items():
        if all(label.endswith(" (unless consent)") for label in labels):
            hours[day] = f"{hours[day]} with prior express consent only"
        else:
            hours[day] = "no calls"
    out: dict[str, Any] = {
        "calling_windows": hours,
        "window_rules": windows,
        "banned_weekdays": {d: banned[d] for d in WEEKDAYS if d in banned},
        "restricted_dates": restricted_dates(rules, state, profile, as_of.year),
    }
    on_holidays = holiday_hours(rules, state, profile, as_of.year)
    if on_holidays:  # only where a window row has holiday hours: the other snapshots stay
        out["holiday_hours"] = on_holidays
    return out


def _rows(rules: RuleSet, family: str, state: str | None, day: date) -> list[Any]:
    rows: list[Any] = rules.rows(family, [state], day)
    return sorted(rows, key=lambda r: (r.meta.jurisdiction != FEDERAL, r.meta.id))


def _scope(scope: Scope) -> dict[str, list[str]]:
    return {
        "purposes": [p.value for p in Purpose if p in scope.purposes],
        "channels": [c.value for c in Channel if c in scope.channels],
        "methods": [m.value for m in Method if m in scope.methods],
        "line_types": [t.value for t in LineType if t in scope.line_types],
    }


def _cap(row: Any) -> dict[str, Any]:
    return {
        "rule": row.meta.id,
        **_scope(row.scope),
        "max_attempts": row.max_attempts,
        "window": f"{row.window_hours} hours"
        if row.window_hours is not None
        else f"{row.window_days} days",
        "counted_channels": [c.value for c in Channel if c in row.counted_channels],
        "per_campaign": row.per_campaign,
        "quiet_days_after_conversation": row.quiet_days_after_conversation,
    }


def _dnc(row: Any) -> dict[str, Any]:
    return {
        "rule": row.meta.id,
        "list": row.list_name,
        **_scope(row.scope),
        "max_age_days": row.max_age_days,
        "exemptions": kinds_text(row.exemptions, "or") if row.exemptions else "none",
    }


def _consent(row: Any) -> dict[str, Any]:
    return {"rule": row.meta.id, **_scope(row.scope), "accepted": kinds_text(row.accepted, "or")}


def _ebr(row: Any) -> dict[str, Any]:
    return {
        "rule": row.meta.id,
        "purchase_months": row.purchase_months,
        "inquiry_months": row.inquiry_months,
    }


def _abandonment(row: Any) -> dict[str, Any]:
    return {
        "rule": row.meta.id,
        **_scope(row.scope),
        "max_rate": row.max_rate,
        "window_days": row.window_days,
        "connect_within_s": row.connect_within_s,
    }
