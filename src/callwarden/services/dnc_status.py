"""DNC list status: every stored list, and the required lists that are missing or stale.

The rule data says which lists must be scrubbed and how fresh they must be (``dnc_lists``
rows): the National Do Not Call Registry, refreshed at most 31 days before a call (16 CFR
310.4(b)(3)(iv); 47 CFR 64.1200(c)(2)(i)(D)), and the lists of the states that keep their own.
A seller may declare a list inapplicable to it (an exemption with a reason); the status names
those sellers beside each missing or stale list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from callwarden.core.ports import ListExemption, ListInfo
from callwarden.core.rules.model import DncListRule
from callwarden.core.rules.ruleset import RuleSet


@dataclass(frozen=True, slots=True, kw_only=True)
class ListStatus:
    """One stored list."""

    name: str
    numbers: int
    backend: str
    generation: int
    refreshed_at: datetime | None
    age_days: float | None
    source_file: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequiredList:
    """A list the rule set requires that is missing or too old."""

    list_name: str
    problem: str  # "missing", "never refreshed" or "stale"
    rule: str
    citation: str
    max_age_days: int | None
    refreshed_at: datetime | None
    age_days: float | None
    exempt_sellers: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DncStatus:
    """Every list, what the rules require that is missing or stale, and seller exemptions."""

    at: datetime
    lists: tuple[ListStatus, ...]
    problems: tuple[RequiredList, ...]
    exemptions: tuple[ListExemption, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""

        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        def days(value: float | None) -> float | None:
            return round(value, 2) if value is not None else None

        return {
            "at": self.at.isoformat(),
            "lists": [
                {
                    "list": s.name,
                    "numbers": s.numbers,
                    "backend": s.backend,
                    "generation": s.generation,
                    "refreshed_at": when(s.refreshed_at),
                    "age_days": days(s.age_days),
                    "source_file": s.source_file,
                }
                for s in self.lists
            ],
            "missing_or_stale": [
                {
                    "list": p.list_name,
                    "problem": p.problem,
                    "rule": p.rule,
                    "citation": p.citation,
                    "max_age_days": p.max_age_days,
                    "refreshed_at": when(p.refreshed_at),
                    "age_days": days(p.age_days),
                    "exempt_sellers": list(p.exempt_sellers),
                }
                for p in self.problems
            ],
            "exemptions": [
                {"seller": e.seller, "list": e.list_name, "reason": e.reason}
                for e in self.exemptions
            ],
        }


def build_status(
    infos: Mapping[str, ListInfo],
    rules: RuleSet,
    exemptions: tuple[ListExemption, ...],
    now: datetime,
) -> DncStatus:
    """The status of the lists ``infos`` against the rule set at ``now``."""
    lists = tuple(_list_status(info, now) for _, info in sorted(infos.items()))
    problems = []
    for row in required_rows(rules, now):
        problem = _problem(row, infos.get(row.list_name), now)
        if problem is None:
            continue
        what, refreshed, age = problem
        problems.append(
            RequiredList(
                list_name=row.list_name,
                problem=what,
                rule=row.meta.id,
                citation=row.meta.citation,
                max_age_days=row.max_age_days,
                refreshed_at=refreshed,
                age_days=age,
                exempt_sellers=tuple(
                    sorted(e.seller for e in exemptions if e.list_name == row.list_name)
                ),
            )
        )
    return DncStatus(at=now, lists=lists, problems=tuple(problems), exemptions=exemptions)


def required_rows(rules: RuleSet, now: datetime) -> list[DncListRule]:
    """National and state list rows in force at ``now``, the strictest freshness per list."""
    best: dict[str, DncListRule] = {}
    for row in rules.dnc_lists:
        name = row.list_name
        if not (name == "national" or name.startswith("state:")):
            continue
        if not row.meta.effective_on(now.date()):
            continue
        held = best.get(name)
        if held is None or _stricter(row, held):
            best[name] = row
    return [best[name] for name in sorted(best)]


def _stricter(row: DncListRule, than: DncListRule) -> bool:
    if than.max_age_days is None:
        return row.max_age_days is not None
    return row.max_age_days is not None and row.max_age_days < than.max_age_days


def _problem(
    row: DncListRule, info: ListInfo | None, now: datetime
) -> tuple[str, datetime | None, float | None] | None:
    """Why a required list does not satisfy its row at ``now`` (None when it does)."""
    if info is None:
        return "missing", None, None
    if info.refreshed_at is None:
        return "never refreshed", None, None
    refreshed = datetime.fromisoformat(info.refreshed_at)
    age = now - refreshed
    if row.max_age_days is not None and age > timedelta(days=row.max_age_days):
        return "stale", refreshed, age / timedelta(days=1)
    return None


def _list_status(info: ListInfo, now: datetime) -> ListStatus:
    refreshed = datetime.fromisoformat(info.refreshed_at) if info.refreshed_at else None
    return ListStatus(
        name=info.name,
        numbers=info.count,
        backend=info.backend,
        generation=info.generation,
        refreshed_at=refreshed,
        age_days=(now - refreshed) / timedelta(days=1) if refreshed else None,
        source_file=info.source.get("file"),
    )
