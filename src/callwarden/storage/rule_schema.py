"""The rule-file schema: one pydantic model per rule family, converted to the core's rows.

Every row names its ``id``, ``jurisdiction``, ``effective_from`` (and ``effective_to``,
exclusive), ``citation`` and ``confidence``; scoped families add ``purposes``, ``channels``,
``methods`` and ``line_types`` (omitted: every value, except the ``emergency`` purpose, which
no rule covers unless it says so). Unknown fields, bad times, empty scopes and contradictions
are rejected here; ``storage.rule_files`` adds the file and the rule id to the message.
"""

from __future__ import annotations

from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import Field, ValidationInfo, field_validator, model_validator

from callwarden.core.decision import Confidence
from callwarden.core.gate.numbering import US_STATES
from callwarden.core.rules import model as m
from callwarden.core.types import Channel, ConsentKind, LineType, Method, Purpose
from callwarden.storage.rule_examples import LIST_NAME, ExampleIn, Row

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
#: A window's day that stands for the row's holidays.
HOLIDAY = "holiday"
_NON_EMERGENCY: list[Purpose] = [p for p in Purpose if p is not Purpose.EMERGENCY]


class RuleIn(Row):
    """Fields every rule row has."""

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]+$", max_length=80)
    jurisdiction: str = Field(pattern=r"^US(-[A-Z]{2})?$")
    effective_from: date
    effective_to: date | None = None
    citation: str = Field(min_length=3)
    source_url: str | None = Field(default=None, pattern=r"^https?://")
    archived_url: str | None = Field(default=None, pattern=r"^https?://")
    confidence: Confidence = Confidence.HIGH
    note: str | None = None
    examples: list[ExampleIn] = Field(default_factory=list)

    @field_validator("jurisdiction")
    @classmethod
    def _known_state(cls, jurisdiction: str) -> str:
        state = jurisdiction.removeprefix("US").removeprefix("-")
        if state and state not in US_STATES:
            msg = f"{state} is not one of the fifty states or DC"
            raise ValueError(msg)
        return jurisdiction

    @field_validator("effective_to")
    @classmethod
    def _after_from(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("effective_from")
        if end is not None and start is not None and end <= start:
            msg = "effective_to must be after effective_from"
            raise ValueError(msg)
        return end

    def meta(self) -> m.RuleMeta:
        """The core's RuleMeta for this row."""
        return m.RuleMeta(
            id=self.id,
            jurisdiction=self.jurisdiction,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            citation=self.citation,
            confidence=self.confidence,
            source_url=self.source_url,
            note=self.note,
        )


class ScopedRuleIn(RuleIn):
    """A rule row that applies to some attempts only."""

    purposes: list[Purpose] = Field(default_factory=lambda: list(_NON_EMERGENCY), min_length=1)
    channels: list[Channel] = Field(default_factory=lambda: list(Channel), min_length=1)
    methods: list[Method] = Field(default_factory=lambda: list(Method), min_length=1)
    line_types: list[LineType] = Field(
        default_factory=lambda: [LineType.WIRELESS, LineType.LANDLINE], min_length=1
    )

    @field_validator("line_types")
    @classmethod
    def _real_line_types(cls, line_types: list[LineType]) -> list[LineType]:
        if LineType.UNKNOWN in line_types:
            msg = "list wireless and/or landline; an unknown line type is covered by both"
            raise ValueError(msg)
        return line_types

    def scope(self) -> m.Scope:
        """The core's Scope for this row."""
        return m.Scope(
            purposes=frozenset(self.purposes),
            channels=frozenset(self.channels),
            methods=frozenset(self.methods),
            line_types=frozenset(self.line_types),
        )


class WindowIn(Row):
    """Permitted hours on some days: start inclusive, end exclusive, local time.

    ``"holiday"`` among the days stands for the row's holidays, whatever their weekday.
    """

    days: list[Day | Literal["holiday"]] = Field(min_length=1)
    start: time
    end: time

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and end <= start:
            msg = "end must be after start"
            raise ValueError(msg)
        return end

    def to_core(self) -> m.DayWindow:
        """The core's DayWindow."""
        return m.DayWindow(
            days=frozenset(DAYS.index(d) for d in self.days if d != HOLIDAY),
            start=self.start,
            end=self.end,
            holidays=HOLIDAY in self.days,
        )


class FixedHolidayIn(Row):
    """A holiday on the same date every year: ``{ name = "Flag Day", month = 6, day = 14 }``."""

    name: str = Field(min_length=1)
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _a_real_date(self) -> FixedHolidayIn:
        try:
            date(2000, self.month, self.day)  # a leap year: February 29 is a date
        except ValueError as exc:
            msg = f"{self.month}/{self.day} is not a date"
            raise ValueError(msg) from exc
        return self

    def to_core(self) -> m.FixedHoliday:
        """The core value."""
        return m.FixedHoliday(name=self.name, month=self.month, day=self.day)


class HolidaysIn(Row):
    """The holidays a row names.

    A ``holidays`` calendar (some of its holidays by name) and fixed-date holidays that the
    calendar lacks.
    """

    holiday_calendar: str | None = Field(default=None, pattern=r"^US(-[A-Z]{2})?$")
    holiday_names: list[str] = Field(default_factory=list)
    fixed_holidays: list[FixedHolidayIn] = Field(default_factory=list)

    @field_validator("holiday_calendar")
    @classmethod
    def _known_calendar(cls, calendar: str | None) -> str | None:
        if calendar is None:
            return None
        subdiv = calendar.removeprefix("US").removeprefix("-") or None
        try:
            holidays.country_holidays("US", subdiv=subdiv)
        except NotImplementedError as exc:
            msg = f"the holidays package has no calendar {calendar!r}"
            raise ValueError(msg) from exc
        return calendar

    @field_validator("holiday_names")
    @classmethod
    def _names_need_a_calendar(cls, names: list[str], info: ValidationInfo) -> list[str]:
        if names and info.data.get("holiday_calendar") is None:
            msg = "holiday_names pick holidays of a holiday_calendar, and none is given"
            raise ValueError(msg)
        return names

    def holidays_core(self) -> dict[str, object]:
        """The core rows' holiday fields."""
        return {
            "holiday_calendar": self.holiday_calendar,
            "holiday_names": tuple(self.holiday_names),
            "fixed_holidays": tuple(h.to_core() for h in self.fixed_holidays),
        }


class CallingWindowIn(ScopedRuleIn, HolidaysIn):
    """A calling window row; a weekday no window names is not restricted by it.

    A row that names holidays (``holiday_calendar``, ``fixed_holidays``) has exactly one
    window whose days include ``"holiday"``: on the row's holidays that window's hours apply,
    whatever the weekday; a window for ``"holiday"`` needs the row to name holidays.
    """

    windows: list[WindowIn] = Field(min_length=1)
    #: The hours are the zone's standard time (the statute names, say, Central Standard Time).
    standard_time: bool = False
    #: Prior express (or written) consent to the seller lifts the row.
    unless_consent: bool = False

    @field_validator("windows")
    @classmethod
    def _one_window_per_day(cls, windows: list[WindowIn], info: ValidationInfo) -> list[WindowIn]:
        seen: set[str] = set()
        for window in windows:
            twice = seen & set(window.days)
            if twice:
                msg = f"{sorted(twice)} appear in two windows of one rule"
                raise ValueError(msg)
            seen |= set(window.days)
        # The holiday fields come first (HolidaysIn), so they are in ``info.data`` when valid.
        names = bool(info.data.get("holiday_calendar") or info.data.get("fixed_holidays"))
        if names and HOLIDAY not in seen:
            msg = 'the row names holidays, but no window covers "holiday"'
            raise ValueError(msg)
        if HOLIDAY in seen and not names:
            msg = (
                'a window covers "holiday", but the row names no holiday_calendar or fixed_holidays'
            )
            raise ValueError(msg)
        return windows

    def to_core(self) -> m.CallingWindowRule:
        """The core rule."""
        return m.CallingWindowRule(
            meta=self.meta(),
            scope=self.scope(),
            windows=tuple(w.to_core() for w in self.windows),
            standard_time=self.standard_time,
            unless_consent=self.unless_consent,
            **self.holidays_core(),  # type: ignore[arg-type]
        )


class RestrictedDayIn(ScopedRuleIn, HolidaysIn):
    """A whole-day ban: weekdays, holidays of a ``holidays`` calendar, fixed-date holidays."""

    weekdays: list[Day] = Field(default_factory=list, validate_default=True)
    unless_consent: bool = False

    @field_validator("weekdays")
    @classmethod
    def _bans_something(cls, weekdays: list[Day], info: ValidationInfo) -> list[Day]:
        # The holiday fields come first (HolidaysIn), so they are in ``info.data`` when valid.
        if not (weekdays or info.data.get("holiday_calendar") or info.data.get("fixed_holidays")):
            msg = "a restricted-day rule needs weekdays, a holiday_calendar or fixed_holidays"
            raise ValueError(msg)
        return weekdays

    def to_core(self) -> m.RestrictedDayRule:
        """The core rule."""
        return m.RestrictedDayRule(
            meta=self.meta(),
            scope=self.scope(),
            weekdays=frozenset(DAYS.index(d) for d in self.weekdays),
            unless_consent=self.unless_consent,
            **self.holidays_core(),  # type: ignore[arg-type]
        )


class FrequencyCapIn(ScopedRuleIn):
    """A frequency cap: at most ``max_attempts`` in rolling hours or calendar days."""

    max_attempts: int = Field(ge=1)
    window_hours: int | None = Field(default=None, ge=1, le=24 * 31)
    window_days: int | None = Field(default=None, ge=1, le=31, validate_default=True)
    per_campaign: bool = False
    counted_channels: list[Channel] = Field(default_factory=lambda: list(Channel), min_length=1)
    quiet_days_after_conversation: int | None = Field(default=None, ge=1, le=31)

    @field_validator("window_days")
    @classmethod
    def _one_window(cls, days: int | None, info: ValidationInfo) -> int | None:
        if "window_hours" in info.data and (info.data["window_hours"] is None) == (days is None):
            msg = "give exactly one of window_hours and window_days"
            raise ValueError(msg)
        return days

    def to_core(self) -> m.FrequencyCapRule:
        """The core rule."""
        return m.FrequencyCapRule(
            meta=self.meta(),
            scope=self.scope(),
            max_attempts=self.max_attempts,
            window_hours=self.window_hours,
            window_days=self.window_days,
            per_campaign=self.per_campaign,
            counted_channels=frozenset(self.counted_channels),
            quiet_days_after_conversation=self.quiet_days_after_conversation,
        )


class DncListIn(ScopedRuleIn):
    """A do-not-call list: whom it protects, how fresh it must be, what exempts a number."""

    list_name: str = Field(pattern=LIST_NAME)
    max_age_days: int | None = Field(default=None, ge=1, le=366)
    exemptions: list[ConsentKind] = Field(default_factory=list)

    @field_validator("list_name")
    @classmethod
    def _state_list_of_its_state(cls, name: str, info: ValidationInfo) -> str:
        jurisdiction = info.data.get("jurisdiction")
        if name.startswith("state:") and jurisdiction not in (None, f"US-{name[6:]}"):
            msg = f"list {name} belongs to jurisdiction US-{name[6:]}, not {jurisdiction}"
            raise ValueError(msg)
        return name

    @field_validator("exemptions")
    @classmethod
    def _no_exemptions_from_own_lists(
        cls, exemptions: list[ConsentKind], info: ValidationInfo
    ) -> list[ConsentKind]:
        if exemptions and info.data.get("list_name") in ("internal", "litigator"):
            msg = "no consent exempts a number from the seller's own or the litigator list"
            raise ValueError(msg)
        return exemptions

    def to_core(self) -> m.DncListRule:
        """The core rule."""
        return m.DncListRule(
            meta=self.meta(),
            list_name=self.list_name,
            scope=self.scope(),
            max_age_days=self.max_age_days,
            exemptions=frozenset(self.exemptions),
        )


class EbrIn(RuleIn):
    """How long an established business relationship lasts (months)."""

    purchase_months: int = Field(ge=0, le=120)
    inquiry_months: int = Field(ge=0, le=120)

    def to_core(self) -> m.EbrRule:
        """The core rule."""
        return m.EbrRule(
            meta=self.meta(),
            purchase_months=self.purchase_months,
            inquiry_months=self.inquiry_months,
        )


class ConsentIn(ScopedRuleIn):
    """A consent requirement: attempts in scope need one of the ``accepted`` kinds."""

    accepted: list[ConsentKind] = Field(min_length=1)

    def to_core(self) -> m.ConsentRule:
        """The core rule."""
        return m.ConsentRule(
            meta=self.meta(), scope=self.scope(), accepted=frozenset(self.accepted)
        )


class AbandonmentIn(ScopedRuleIn):
    """The abandonment safe harbor."""

    max_rate: float = Field(gt=0, lt=1)
    window_days: int = Field(ge=1, le=366)
    connect_within_s: float = Field(gt=0, le=60)

    def to_core(self) -> m.AbandonmentRule:
        """The core rule."""
        return m.AbandonmentRule(
            meta=self.meta(),
            scope=self.scope(),
            max_rate=self.max_rate,
            window_days=self.window_days,
            connect_within_s=self.connect_within_s,
        )


class EmergencyBanIn(ScopedRuleIn):
    """A state's ban on solicitation into areas under a declared emergency."""

    def to_core(self) -> m.EmergencyBanRule:
        """The core rule."""
        return m.EmergencyBanRule(meta=self.meta(), scope=self.scope())


class ReassignedIn(ScopedRuleIn):
    """Consent does not survive a permanent disconnection of the number."""

    def to_core(self) -> m.ReassignedRule:
        """The core rule."""
        return m.ReassignedRule(meta=self.meta(), scope=self.scope())


class StateZonesIn(Row):
    """The IANA time zones of a state, with ZIP-prefix overrides where it has several."""

    state: str = Field(pattern=r"^[A-Z]{2}$")
    zones: list[str] = Field(min_length=1)
    zip3: dict[str, str] = Field(default_factory=dict)
    citation: str | None = None

    @field_validator("zones")
    @classmethod
    def _real_zones(cls, zones: list[str]) -> list[str]:
        for name in zones:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                msg = f"{name!r} is not an IANA time zone"
                raise ValueError(msg) from exc
        return zones

    @field_validator("zip3")
    @classmethod
    def _zip3_in_state_zones(cls, zip3: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        zones = info.data.get("zones") or []
        for prefix, zone in zip3.items():
            if not (len(prefix) == 3 and prefix.isdigit()):  # noqa: PLR2004
                msg = f"{prefix!r} is not a 3-digit ZIP prefix"
                raise ValueError(msg)
            if zone not in zones:
                msg = f"ZIP prefix {prefix} maps to {zone}, which is not among the state's zones"
                raise ValueError(msg)
        return zip3

    def to_core(self) -> m.StateTimeZones:
        """The core value."""
        return m.StateTimeZones(
            state=self.state, zones=tuple(self.zones), zip3_zones=tuple(sorted(self.zip3.items()))
        )


ROW_MODELS: dict[str, type[RuleIn]] = {
    "calling_windows": CallingWindowIn,
    "restricted_days": RestrictedDayIn,
    "frequency_caps": FrequencyCapIn,
    "dnc_lists": DncListIn,
    "ebr": EbrIn,
    "consent": ConsentIn,
    "abandonment": AbandonmentIn,
    "emergency_bans": EmergencyBanIn,
    "reassigned": ReassignedIn,
}
