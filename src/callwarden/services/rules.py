"""Reading the rule set: one summary per rule row, for listings, a state's view and the docs.

Pure over a ``RuleSet``: no storage, no clock (the day to look at is an argument). A summary
carries the row's identity, place, dates, citation and confidence, its scope and a one-line
statement of what it requires, in the words ``docs/rules.md`` and ``callwarden rules`` use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from callwarden.core.gate.numbering import STATE_NAMES, US_STATES
from callwarden.core.rules.model import FEDERAL, DayWindow, Scope
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Channel, ConsentKind, LineType, Method, Purpose
from callwarden.errors import InvalidInput

#: Rule families in the order listings show them, with their names for people.
FAMILIES = {
    "calling_windows": "calling window",
    "restricted_days": "restricted day",
    "frequency_caps": "frequency cap",
    "dnc_lists": "do-not-call list",
    "ebr": "established business relationship",
    "consent": "consent requirement",
    "abandonment": "abandonment safe harbor",
    "emergency_bans": "emergency ban",
    "reassigned": "reassigned number",
}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSummary:
    """One rule row as people read it."""

    id: str
    family: str
    jurisdiction: str
    effective_from: date
    effective_to: date | None
    citation: str
    confidence: str
    source_url: str | None
    note: str | None
    scope: str
    requires: str

    @property
    def dates(self) -> str:
        """``from → until`` (``in force`` while open-ended)."""
        until = self.effective_to.isoformat() if self.effective_to else "in force"
        return f"{self.effective_from.isoformat()} → {until}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``callwarden rules … --json``)."""
        return {
            "id": self.id,
            "family": self.family,
            "jurisdiction": self.jurisdiction,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "citation": self.citation,
            "confidence": self.confidence,
            "source_url": self.source_url,
            "note": self.note,
            "scope": self.scope,
            "requires": self.requires,
        }


def state_name(code: str) -> str:
    """The name of a state (or DC) for its two-letter code."""
    names = [name for name, c in STATE_NAMES.items() if c == code]
    return min(names, key=len) if names else code


def summarize(
    rules: RuleSet,
    *,
    jurisdictions: Iterable[str] | None = None,
    family: str | None = None,
    on: date | None = None,
) -> list[RuleSummary]:
    """Summaries of the rows of some jurisdictions and family, optionally in force on a day.

    Ordered federal first, then by jurisdiction, family (in ``FAMILIES`` order) and id.
    """
    if family is not None and family not in FAMILIES:
        raise InvalidInput(
            f"unknown rule family {family!r}", details={"families": ", ".join(FAMILIES)}
        )
    wanted = set(jurisdictions) if jurisdictions is not None else None
    out: list[RuleSummary] = []
    for name in FAMILIES:
        if family is not None and name != family:
            continue
        for row in getattr(rules, name):
            meta = row.meta
            if wanted is not None and meta.jurisdiction not in wanted:
                continue
            if on is not None and not meta.effective_on(on):
                continue
            out.append(_summary(name, row))
    order = list(FAMILIES)
    out.sort(key=lambda s: (s.jurisdiction != FEDERAL, s.jurisdiction, order.index(s.family), s.id))
    return out


def for_state(rules: RuleSet, state: str, on: date | None = None) -> list[RuleSummary]:
    """Every rule that applies in a state: the federal rows and the state's own."""
    code = state.strip().upper()
    if code not in US_STATES:
        raise InvalidInput(
            f"{state[:10]!r} is not a two-letter code of a state or DC", details={"state": code}
        )
    return summarize(rules, jurisdictions={FEDERAL, f"US-{code}"}, on=on)


def jurisdictions(rules: RuleSet) -> list[str]:
    """Every jurisdiction with rules or time zones: ``US`` first, then states by code."""
    found = {row.meta.jurisdiction for row in rules.all_rows()}
    found |= {f"US-{z.state}" for z in rules.time_zones}
    return sorted(found, key=lambda j: (j != FEDERAL, j))


def _summary(family: str, row: Any) -> RuleSummary:
    meta = row.meta
    scope: Scope | None = getattr(row, "scope", None)
    return RuleSummary(
        id=meta.id,
        family=family,
        jurisdiction=meta.jurisdiction,
        effective_from=meta.effective_from,
        effective_to=meta.effective_to,
        citation=meta.citation,
        confidence=meta.confidence.value,
        source_url=meta.source_url,
        note=meta.note,
        scope=describe_scope(scope) if scope is not None else "every attempt",
        requires=describe(family, row),
    )


def describe_scope(scope: Scope) -> str:
    """The dimensions a scope narrows: ``telemarketing; methods: prerecorded; lines: landline``.

    Purposes always appear (``any purpose but emergency`` when not narrowed); channels,
    methods and line types only when the row does not cover every value.
    """
    every_purpose = {p for p in Purpose if p is not Purpose.EMERGENCY}
    parts = [
        "any purpose but emergency"
        if set(scope.purposes) == every_purpose
        else _values(scope.purposes, Purpose)
    ]
    narrowed = [
        ("channels", scope.channels, Channel, set(Channel)),
        ("methods", scope.methods, Method, set(Method)),
        ("lines", scope.line_types, LineType, {LineType.WIRELESS, LineType.LANDLINE}),
    ]
    parts += [
        f"{label}: {_values(chosen, kind)}"
        for label, chosen, kind, every in narrowed
        if set(chosen) != every
    ]
    return "; ".join(parts)


def _values(chosen: Iterable[Any], kind: Any) -> str:
    wanted = set(chosen)
    return ", ".join(v.value for v in kind if v in wanted)


def describe(family: str, row: Any) -> str:
    """What a row requires, in one line."""
    return _DESCRIBE[family](row)


def _window_text(row: Any) -> str:
    weekdays = windows_text(row.windows)
    text = f"calls only {weekdays}" if weekdays else ""
    if weekdays and row.standard_time:
        text += " standard time (an hour later on the clock during daylight saving time)"
    on_holidays = row.holiday_window
    if on_holidays is not None:
        hours = f"{on_holidays.start:%H:%M}-{on_holidays.end:%H:%M}"
        holidays = f"on {holidays_text(row)}, calls only {hours}"
        if row.standard_time:
            holidays += " standard time"
        text = f"{text}; {holidays}" if text else holidays
    return text + _UNLESS_CONSENT if row.unless_consent else text


_UNLESS_CONSENT = ", unless the person gave prior express consent"


def _ebr_text(row: Any) -> str:
    return (
        f"relationship lasts {row.purchase_months} months after a purchase, "
        f"{row.inquiry_months} after an inquiry"
    )


def _consent_text(row: Any) -> str:
    return "needs " + kinds_text(row.accepted, "or")


def _abandonment_text(row: Any) -> str:
    return (
        f"predictive dialing stops at {row.max_rate:.0%} abandoned of calls answered by "
        f"a person over {row.window_days} days (connect within {row.connect_within_s:g} s)"
    )


def _emergency_text(_row: Any) -> str:
    return "no solicitation into an area under a declared emergency"


def _reassigned_text(_row: Any) -> str:
    return "a consent given before the number was permanently disconnected does not count"


def windows_text(windows: Iterable[DayWindow]) -> str:
    """``Mon-Sat 09:00-21:00; Sun 12:00-21:00`` (the weekdays each window names)."""
    named = sorted((w for w in windows if w.days), key=lambda w: min(w.days))
    parts = [f"{days_text(w.days)} {w.start:%H:%M}-{w.end:%H:%M}" for w in named]
    return "; ".join(parts)


def days_text(days: Iterable[int]) -> str:
    """Weekday numbers as ``Mon-Fri``, ``Sat, Sun`` or ``every day``."""
    ordered = sorted(set(days))
    if len(ordered) == len(DAY_NAMES):
        return "every day"
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names: list[str] = []
    for run in runs:
        if len(run) >= 3:  # noqa: PLR2004 - "Mon-Wed" reads better than three names
            names.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            names.extend(DAY_NAMES[d] for d in run)
    return ", ".join(names)


def kinds_text(kinds: Iterable[ConsentKind], joiner: str) -> str:
    """Consent kinds in the enum's order, joined with ``or``/``and``."""
    chosen = set(kinds)
    words = [k.value for k in ConsentKind if k in chosen]
    return f" {joiner} ".join(words) if words else "nothing"


def _restricted_text(row: Any) -> str:
    parts = [days_text(row.weekdays)] if row.weekdays else []
    holidays = holidays_text(row)
    if holidays:
        parts.append(holidays)
    text = "no calls on " + " and ".join(parts)
    return text + _UNLESS_CONSENT if row.unless_consent else text


def holidays_text(row: Any) -> str:
    """A row's holidays: ``holidays of the US-PA calendar and Flag Day (June 14)``; or ``""``."""
    parts = []
    if row.holiday_calendar is not None:
        names = f" ({', '.join(row.holiday_names)})" if row.holiday_names else ""
        parts.append(f"holidays of the {row.holiday_calendar} calendar{names}")
    if row.fixed_holidays:
        fixed = ", ".join(
            f"{h.name} ({date(2000, h.month, h.day):%B} {h.day})" for h in row.fixed_holidays
        )
        parts.append(fixed)
    return " and ".join(parts)


def _cap_text(row: Any) -> str:
    window = (
        f"{row.window_hours} hours" if row.window_hours is not None else f"{row.window_days} days"
    )
    channels = ", ".join(c.value for c in Channel if c in row.counted_channels)
    text = f"at most {row.max_attempts} in {window} (counting {channels}"
    text += ", per campaign)" if row.per_campaign else ")"
    if row.quiet_days_after_conversation:
        text += f"; none for {row.quiet_days_after_conversation} days after a conversation"
    return text


def _dnc_text(row: Any) -> str:
    text = f"list {row.list_name}"
    if row.max_age_days is not None:
        text += f", refreshed within {row.max_age_days} days"
    exempt = kinds_text(row.exemptions, "or") if row.exemptions else "none"
    return f"{text}; exemptions: {exempt}"


_DESCRIBE: dict[str, Callable[[Any], str]] = {
    "calling_windows": _window_text,
    "restricted_days": _restricted_text,
    "frequency_caps": _cap_text,
    "dnc_lists": _dnc_text,
    "ebr": _ebr_text,
    "consent": _consent_text,
    "abandonment": _abandonment_text,
    "emergency_bans": _emergency_text,
    "reassigned": _reassigned_text,
}
