"""RuleSet: an immutable, indexed collection of rule rows with one version.

Built by ``storage.rule_files`` from the TOML data; evaluated by the gate. Lookups take the
jurisdictions in play and a day, and return only the rows in force on that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Protocol, TypeVar

from callwarden.core.rules.model import (
    FEDERAL,
    AbandonmentRule,
    CallingWindowRule,
    ConsentRule,
    DncListRule,
    EbrRule,
    EmergencyBanRule,
    FrequencyCapRule,
    ReassignedRule,
    RestrictedDayRule,
    RuleMeta,
    StateTimeZones,
)
from callwarden.errors import InvalidRuleFile


class _HasMeta(Protocol):
    @property
    def meta(self) -> RuleMeta: ...


R = TypeVar("R", bound=_HasMeta)


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSet:
    """Every rule family, indexed by jurisdiction, with the set's version and content hash."""

    version: str
    content_hash: str
    calling_windows: tuple[CallingWindowRule, ...] = ()
    restricted_days: tuple[RestrictedDayRule, ...] = ()
    frequency_caps: tuple[FrequencyCapRule, ...] = ()
    dnc_lists: tuple[DncListRule, ...] = ()
    ebr: tuple[EbrRule, ...] = ()
    consent: tuple[ConsentRule, ...] = ()
    abandonment: tuple[AbandonmentRule, ...] = ()
    emergency_bans: tuple[EmergencyBanRule, ...] = ()
    reassigned: tuple[ReassignedRule, ...] = ()
    time_zones: tuple[StateTimeZones, ...] = ()
    _index: dict[tuple[str, str], tuple[object, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Index rows by (family, jurisdiction) and refuse duplicate ids."""
        seen: dict[str, str] = {}
        index: dict[tuple[str, str], list[object]] = defaultdict(list)
        for family in _FAMILIES:
            for row in getattr(self, family):
                rule_id = row.meta.id
                if rule_id in seen:
                    raise InvalidRuleFile(
                        f"rule id {rule_id!r} is used twice",
                        details={"rule": rule_id, "families": f"{seen[rule_id]}, {family}"},
                    )
                seen[rule_id] = family
                index[(family, row.meta.jurisdiction)].append(row)
        self._index.update({key: tuple(rows) for key, rows in index.items()})

    @property
    def label(self) -> str:
        """The name a decision records: version plus the first 12 hex digits of the hash."""
        return f"{self.version}+{self.content_hash[:12]}"

    def rows(self, family: str, states: Iterable[str | None], day: date) -> list[R]:
        """Rows of a family for the federal level and the given states, in force on ``day``."""
        keys = [FEDERAL, *sorted({f"US-{s}" for s in states if s})]
        out: list[R] = []
        for key in keys:
            for row in self._index.get((family, key), ()):
                if row.meta.effective_on(day):  # type: ignore[attr-defined]
                    out.append(row)  # type: ignore[arg-type]
        return out

    def all_rows(self) -> list[_HasMeta]:
        """Every row of every family (for listings and docs)."""
        return [row for family in _FAMILIES for row in getattr(self, family)]

    def zones_of(self, state: str) -> StateTimeZones | None:
        """The time zones of a state, or None when the data does not know it."""
        for tz in self.time_zones:
            if tz.state == state:
                return tz
        return None

    def ebr_for(self, states: Iterable[str | None], day: date) -> EbrRule | None:
        """The federal EBR rule in force (state EBR windows only narrow state exemptions)."""
        rows: list[EbrRule] = self.rows("ebr", [], day)
        return rows[0] if rows else None


_FAMILIES = (
    "calling_windows",
    "restricted_days",
    "frequency_caps",
    "dnc_lists",
    "ebr",
    "consent",
    "abandonment",
    "emergency_bans",
    "reassigned",
)


def check_overlaps(rows: Iterable[_HasMeta], key_of: dict[str, str]) -> None:
    """Refuse two rows with the same key whose effective ranges overlap.

    ``key_of`` maps a rule id to its key (for example its id without a version suffix);
    rows with the same key are successive versions of one rule and must not overlap.
    """
    by_key: dict[str, list[RuleMeta]] = defaultdict(list)
    for row in rows:
        by_key[key_of.get(row.meta.id, row.meta.id)].append(row.meta)
    for key, metas in by_key.items():
        metas.sort(key=lambda m: m.effective_from)
        for before, after in pairwise(metas):
            if before.effective_to is None or before.effective_to > after.effective_from:
                raise InvalidRuleFile(
                    f"rules {before.id!r} and {after.id!r} overlap in time",
                    details={"key": key, "rule": after.id, "field": "effective_from"},
                )
