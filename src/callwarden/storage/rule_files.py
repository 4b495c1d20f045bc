"""Read the versioned rule data (TOML) into a validated ``RuleSet``.

One file per rule family under ``callwarden/ruledata/`` (package data) plus ``VERSION``. A
pydantic schema validates every row; a bad file is rejected with the file, the rule id and the
field named. A compliance officer's override directory may *add* rows (stricter rules: every
applicable row must allow), never replace or remove shipped ones.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from callwarden.core.decision import Confidence
from callwarden.core.rules import model as m
from callwarden.core.rules.ruleset import RuleSet, check_overlaps
from callwarden.core.types import Channel, ConsentKind, LineType, Method, Purpose
from callwarden.errors import InvalidRuleFile

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FAMILY_FILES = {
    "calling_windows": "calling_windows.toml",
    "restricted_days": "restricted_days.toml",
    "frequency_caps": "frequency_caps.toml",
    "dnc_lists": "dnc_lists.toml",
    "ebr": "ebr.toml",
    "consent": "consent_requirements.toml",
    "abandonment": "abandonment.toml",
    "emergency_bans": "emergency_bans.toml",
}
TIME_ZONES_FILE = "time_zones.toml"
_NON_EMERGENCY: list[Purpose] = [p for p in Purpose if p is not Purpose.EMERGENCY]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExampleIn(_Row):
    """An example that must hold for the shipped data (tested)."""

    at: str
    phone: str
    expect: Literal["allow", "deny"]
    purpose: Purpose = Purpose.TELEMARKETING
    channel: Channel = Channel.VOICE
    method: Method = Method.MANUAL
    line_type: LineType = LineType.UNKNOWN
    state: str | None = None
    note: str | None = None


class RuleIn(_Row):
    """Fields every rule row has."""

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]+$")
    jurisdiction: str = Field(pattern=r"^US(-[A-Z]{2})?$")
    effective_from: date
    effective_to: date | None = None
    citation: str = Field(min_length=3)
    source_url: str | None = None
    archived_url: str | None = None
    confidence: Confidence = Confidence.HIGH
    note: str | None = None
    purposes: list[Purpose] = Field(default_factory=lambda: list(_NON_EMERGENCY))
    channels: list[Channel] = Field(default_factory=lambda: list(Channel))
    methods: list[Method] = Field(default_factory=lambda: list(Method))
    line_types: list[LineType] = Field(
        default_factory=lambda: [LineType.WIRELESS, LineType.LANDLINE]
    )
    examples: list[ExampleIn] = Field(default_factory=list)

    def meta(self) -> m.RuleMeta:
        """The core's RuleMeta for this row."""
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            msg = "effective_to must be after effective_from"
            raise ValueError(msg)
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

    def scope(self) -> m.Scope:
        """The core's Scope for this row."""
        return m.Scope(
            purposes=frozenset(self.purposes),
            channels=frozenset(self.channels),
            methods=frozenset(self.methods),
            line_types=frozenset(self.line_types),
        )


class WindowIn(_Row):
    """Permitted hours on some days."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    start: time
    end: time

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: time, info: Any) -> time:
        start = info.data.get("start")
        if start is not None and end <= start:
            msg = "end must be after start"
            raise ValueError(msg)
        return end

    def to_core(self) -> m.DayWindow:
        """The core's DayWindow."""
        return m.DayWindow(
            days=frozenset(DAYS.index(d) for d in self.days), start=self.start, end=self.end
        )


class CallingWindowIn(RuleIn):
    """A calling window row."""

    windows: list[WindowIn] = Field(min_length=1)

    def to_core(self) -> m.CallingWindowRule:
        """The core rule."""
        return m.CallingWindowRule(
            meta=self.meta(), scope=self.scope(), windows=tuple(w.to_core() for w in self.windows)
        )


class RestrictedDayIn(RuleIn):
    """A whole-day ban row."""

    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list
    )
    holiday_calendar: str | None = Field(default=None, pattern=r"^US(-[A-Z]{2})?$")
    holiday_names: list[str] = Field(default_factory=list)
    unless_consent: bool = False

    def to_core(self) -> m.RestrictedDayRule:
        """The core rule."""
        if not self.weekdays and self.holiday_calendar is None:
            msg = "a restricted-day rule needs weekdays or a holiday_calendar"
            raise ValueError(msg)
        return m.RestrictedDayRule(
            meta=self.meta(),
            scope=self.scope(),
            weekdays=frozenset(DAYS.index(d) for d in self.weekdays),
            holiday_calendar=self.holiday_calendar,
            holiday_names=tuple(self.holiday_names),
            unless_consent=self.unless_consent,
        )


class FrequencyCapIn(RuleIn):
    """A frequency cap row."""

    max_attempts: int = Field(ge=1)
    window_hours: int | None = Field(default=None, ge=1)
    window_days: int | None = Field(default=None, ge=1)
    per_campaign: bool = False
    counted_channels: list[Channel] = Field(default_factory=lambda: list(Channel))
    quiet_days_after_conversation: int | None = Field(default=None, ge=1)

    def to_core(self) -> m.FrequencyCapRule:
        """The core rule."""
        if (self.window_hours is None) == (self.window_days is None):
            msg = "give exactly one of window_hours and window_days"
            raise ValueError(msg)
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


class DncListIn(RuleIn):
    """A do-not-call list row."""

    list_name: str = Field(pattern=r"^(national|internal|litigator|state:[A-Z]{2})$")
    max_age_days: int | None = Field(default=None, ge=1)
    exemptions: list[ConsentKind] = Field(default_factory=list)

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
    """An EBR duration row."""

    purchase_months: int = Field(ge=0)
    inquiry_months: int = Field(ge=0)

    def to_core(self) -> m.EbrRule:
        """The core rule."""
        return m.EbrRule(
            meta=self.meta(),
            purchase_months=self.purchase_months,
            inquiry_months=self.inquiry_months,
        )


class ConsentIn(RuleIn):
    """A consent requirement row."""

    accepted: list[ConsentKind] = Field(min_length=1)

    def to_core(self) -> m.ConsentRule:
        """The core rule."""
        return m.ConsentRule(
            meta=self.meta(), scope=self.scope(), accepted=frozenset(self.accepted)
        )


class AbandonmentIn(RuleIn):
    """The abandonment safe harbor row."""

    max_rate: float = Field(gt=0, lt=1)
    window_days: int = Field(ge=1)
    connect_within_s: float = Field(gt=0)

    def to_core(self) -> m.AbandonmentRule:
        """The core rule."""
        return m.AbandonmentRule(
            meta=self.meta(),
            scope=self.scope(),
            max_rate=self.max_rate,
            window_days=self.window_days,
            connect_within_s=self.connect_within_s,
        )


class EmergencyBanIn(RuleIn):
    """A state's ban on solicitation in declared emergencies."""

    def to_core(self) -> m.EmergencyBanRule:
        """The core rule."""
        return m.EmergencyBanRule(meta=self.meta(), scope=self.scope())


class StateZonesIn(_Row):
    """Time zones of a state."""

    state: str = Field(pattern=r"^[A-Z]{2}$")
    zones: list[str] = Field(min_length=1)
    zip3: dict[str, str] = Field(default_factory=dict)
    citation: str | None = None

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
}


def default_rule_dir() -> Path:
    """The shipped rule data directory."""
    return Path(str(resources.files("callwarden") / "ruledata"))


def load_rule_set(base: Path | None = None, overrides: Iterable[Path] = ()) -> RuleSet:
    """Load, validate and index the rule data, plus any override directories."""
    base = base or default_rule_dir()
    dirs = [base, *overrides]
    families: dict[str, list[Any]] = {f: [] for f in FAMILY_FILES}
    examples: list[tuple[str, ExampleIn]] = []
    zones: dict[str, m.StateTimeZones] = {}
    digest = hashlib.sha256()
    for directory in dirs:
        if not directory.is_dir():
            raise InvalidRuleFile("rule directory does not exist", details={"file": str(directory)})
        for family, filename in FAMILY_FILES.items():
            path = directory / filename
            if not path.exists():
                continue
            for row in _read_rows(path, ROW_MODELS[family], digest):
                families[family].append(_to_core(path, row))
                examples.extend((row.id, ex) for ex in row.examples)
        tz_path = directory / TIME_ZONES_FILE
        if tz_path.exists():
            for tz_row in _read_zones(tz_path, digest):
                zones[tz_row.state] = tz_row.to_core()
    version = (base / "VERSION").read_text(encoding="utf-8").strip()
    if len(dirs) > 1:
        version += "+overrides"
    all_rows = [row for rows in families.values() for row in rows]
    check_overlaps(all_rows, {})
    return RuleSet(
        version=version,
        content_hash=digest.hexdigest(),
        time_zones=tuple(zones.values()),
        **{family: tuple(rows) for family, rows in families.items()},  # type: ignore[arg-type]
    )


def load_examples(base: Path | None = None) -> list[tuple[str, ExampleIn]]:
    """Every (rule id, example) pair in the rule data, for the examples test and docs."""
    base = base or default_rule_dir()
    out: list[tuple[str, ExampleIn]] = []
    for family, filename in FAMILY_FILES.items():
        path = base / filename
        if path.exists():
            out.extend(
                (row.id, ex)
                for row in _read_rows(path, ROW_MODELS[family], hashlib.sha256())
                for ex in row.examples
            )
    return out


def _read_toml(path: Path, digest: Any) -> dict[str, Any]:
    raw = path.read_bytes()
    digest.update(path.name.encode() + b"\0" + raw)
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRuleFile(
            f"{path.name} is not valid TOML: {exc}", details={"file": str(path)}
        ) from exc


def _read_rows(path: Path, model: type[RuleIn], digest: Any) -> list[RuleIn]:
    data = _read_toml(path, digest)
    unknown = set(data) - {"rule"}
    if unknown:
        raise InvalidRuleFile(
            f"{path.name} has unknown top-level keys {sorted(unknown)}",
            details={"file": str(path)},
        )
    rows = []
    for position, raw_row in enumerate(data.get("rule", []), start=1):
        rule_id = raw_row.get("id", f"#{position}") if isinstance(raw_row, dict) else f"#{position}"
        try:
            rows.append(model.model_validate(raw_row))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(row)"
            raise InvalidRuleFile(
                f"{path.name}: rule {rule_id}: field {field}: {first['msg']}",
                details={"file": str(path), "rule": rule_id, "field": field},
            ) from exc
    return rows


def _to_core(path: Path, row: RuleIn) -> Any:
    try:
        return row.to_core()  # type: ignore[attr-defined]
    except ValueError as exc:
        raise InvalidRuleFile(
            f"{path.name}: rule {row.id}: {exc}",
            details={"file": str(path), "rule": row.id, "field": "(row)"},
        ) from exc


def _read_zones(path: Path, digest: Any) -> list[StateZonesIn]:
    data = _read_toml(path, digest)
    out = []
    for raw_row in data.get("state", []):
        try:
            out.append(StateZonesIn.model_validate(raw_row))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InvalidRuleFile(
                f"{path.name}: state {raw_row.get('state', '?')}: field {field}: {first['msg']}",
                details={"file": str(path), "rule": str(raw_row.get("state")), "field": field},
            ) from exc
    return out
