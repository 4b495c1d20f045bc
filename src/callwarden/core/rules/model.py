"""The rule model: one frozen type per rule family, each row carrying its citation and dates.

Rule *data* lives in ``callwarden/ruledata/*.toml`` and is read by ``storage.rule_files``; this
module only describes its shape so that the gate can evaluate it. A scope left empty in the data
is filled with every value by the loader, so here an empty frozenset means "applies to none".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from callwarden.core.decision import Confidence
from callwarden.core.types import Channel, ConsentKind, LineType, Method, Purpose

FEDERAL = "US"


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleMeta:
    """What every rule row has: identity, place, time, authority and how sure we are."""

    id: str
    jurisdiction: str  # "US" for federal, "US-FL" for a state
    effective_from: date
    effective_to: date | None = None  # exclusive; None while in force
    citation: str
    confidence: Confidence = Confidence.HIGH
    source_url: str | None = None
    note: str | None = None

    def effective_on(self, day: date) -> bool:
        """Whether the rule is in force on ``day``."""
        if day < self.effective_from:
            return False
        return self.effective_to is None or day < self.effective_to

    @property
    def state(self) -> str | None:
        """The two-letter state of a state rule, None for a federal one."""
        return None if self.jurisdiction == FEDERAL else self.jurisdiction.removeprefix("US-")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Which attempts a rule applies to."""

    purposes: frozenset[Purpose]
    channels: frozenset[Channel]
    methods: frozenset[Method]
    line_types: frozenset[LineType]

    def covers(
        self, purpose: Purpose, channel: Channel, method: Method, line_type: LineType
    ) -> bool:
        """Whether an attempt with these properties falls under the rule.

        An unknown line type is covered whenever any line type is: the strictest reading.
        """
        if line_type is LineType.UNKNOWN:
            line_ok = bool(self.line_types)
        else:
            line_ok = line_type in self.line_types
        return (
            purpose in self.purposes
            and channel in self.channels
            and method in self.methods
            and line_ok
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FixedHoliday:
    """A holiday on the same date every year, which a ``holidays`` calendar lacks."""

    name: str
    month: int
    day: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DayWindow:
    """Permitted local hours on some weekdays (0 = Monday); start inclusive, end exclusive.

    With ``holidays`` the window also covers the row's holidays, whatever their weekday, and
    on those it is the row's only window.
    """

    days: frozenset[int]
    start: time
    end: time
    holidays: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CallingWindowRule:
    """Hours in the called party's local time when contact is permitted.

    A weekday that no window names is not restricted by this rule (whole-day bans are
    ``RestrictedDayRule`` rows). With ``standard_time`` the hours are those of the zone's
    standard time (a statute that names Central Standard Time): while daylight saving time is
    in effect they fall an hour later on the local clock. A row with holidays (a calendar,
    fixed dates, or both, read as in ``RestrictedDayRule``) has one window for them. A row
    marked ``unless_consent`` does not bind an attempt the person consented to.
    """

    meta: RuleMeta
    scope: Scope
    windows: tuple[DayWindow, ...]
    standard_time: bool = False
    holiday_calendar: str | None = None
    holiday_names: tuple[str, ...] = ()
    fixed_holidays: tuple[FixedHoliday, ...] = ()
    unless_consent: bool = False  # lifted by prior express consent to the seller
    #: Derived from ``windows``: the window of each weekday (0 = Monday) or None, and the
    #: window for the row's holidays (None for a row without holidays).
    by_weekday: tuple[DayWindow | None, ...] = field(init=False, repr=False, compare=False)
    holiday_window: DayWindow | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the windows by weekday (read for every attempt a window row covers)."""
        days = tuple(next((w for w in self.windows if d in w.days), None) for d in range(7))
        object.__setattr__(self, "by_weekday", days)
        on_holidays = next((w for w in self.windows if w.holidays), None)
        object.__setattr__(self, "holiday_window", on_holidays if self.names_holidays else None)

    @property
    def names_holidays(self) -> bool:
        """Whether the row has holidays of its own (and so a window for them)."""
        return self.holiday_calendar is not None or bool(self.fixed_holidays)


@dataclass(frozen=True, slots=True, kw_only=True)
class RestrictedDayRule:
    """Whole days on which contact is banned: weekdays and/or the state's legal holidays."""

    meta: RuleMeta
    scope: Scope
    weekdays: frozenset[int] = frozenset()
    holiday_calendar: str | None = None  # "US" or "US-PA": the `holidays` package calendar
    holiday_names: tuple[str, ...] = ()  # empty: every holiday of the calendar
    #: Holidays the law names that the calendar lacks (always banned by this row).
    fixed_holidays: tuple[FixedHoliday, ...] = ()
    unless_consent: bool = False  # lifted by prior express consent to the seller


@dataclass(frozen=True, slots=True, kw_only=True)
class FrequencyCapRule:
    """At most ``max_attempts`` in a window, per called number and seller (and campaign)."""

    meta: RuleMeta
    scope: Scope
    max_attempts: int
    window_hours: int | None = None  # rolling window
    window_days: int | None = None  # consecutive calendar days in the called party's time
    per_campaign: bool = False
    counted_channels: frozenset[Channel] = frozenset({Channel.VOICE, Channel.SMS})
    quiet_days_after_conversation: int | None = None  # Reg F: 7 days, conversation day = day 1


@dataclass(frozen=True, slots=True, kw_only=True)
class DncListRule:
    """A do-not-call list that blocks some purposes, its freshness and its exemptions."""

    meta: RuleMeta
    list_name: str  # "national", "state:TX", "internal", "litigator"
    scope: Scope
    max_age_days: int | None = None  # the list must have been refreshed within this many days
    exemptions: frozenset[ConsentKind] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class EbrRule:
    """How long an established business relationship lasts after purchase or inquiry."""

    meta: RuleMeta
    purchase_months: int
    inquiry_months: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentRule:
    """Which kinds of consent an attempt in scope needs (any one of ``accepted``)."""

    meta: RuleMeta
    scope: Scope
    accepted: frozenset[ConsentKind]


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonmentRule:
    """The predictive-dialer abandonment safe harbor."""

    meta: RuleMeta
    scope: Scope
    max_rate: float
    window_days: int
    connect_within_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyBanRule:
    """A state bans telephone solicitation in areas under a declared emergency."""

    meta: RuleMeta
    scope: Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class ReassignedRule:
    """Consent does not survive a permanent disconnection of the number.

    A consent given before the disconnection came from the former subscriber: attempts in
    scope that rely on consent need one given since.
    """

    meta: RuleMeta
    scope: Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class StateTimeZones:
    """The IANA time zones a state's territory lies in, with ZIP-prefix overrides."""

    state: str
    zones: tuple[str, ...]
    zip3_zones: tuple[tuple[str, str], ...] = ()  # (3-digit ZIP prefix, zone)
