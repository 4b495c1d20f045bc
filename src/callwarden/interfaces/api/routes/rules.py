"""``GET /v1/rules``, ``/v1/rules/{state}``, ``/v1/rules/{state}/decisions``: rules as JSON.

Any role may read (readonly and up). Each row carries its family, id, jurisdiction, effective
dates, citation, confidence and the family's own fields, so a compliance officer can see exactly
which rules the decisions cite; ``decisions`` is what those rules answer for a fixed grid of
attempts in a state (``services.decision_grid``).
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from callwarden.core.rules.ruleset import RuleSet
from callwarden.errors import NotFound
from callwarden.interfaces.api.security import ANY_ROLE, require

router = APIRouter(tags=["rules"], dependencies=[Depends(require(*ANY_ROLE))])

_NOT_FAMILIES = {"time_zones"}


def _jsonable(value: Any) -> Any:
    """Rule values as JSON: dataclasses as objects, enums as values, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = (f for f in dataclasses.fields(value) if f.init)  # not what is derived
        out: Any = {f.name: _jsonable(getattr(value, f.name)) for f in fields}
    elif isinstance(value, enum.Enum):
        out = value.value
    elif isinstance(value, date | time | datetime):
        out = value.isoformat()
    elif isinstance(value, frozenset | set):
        out = sorted((_jsonable(v) for v in value), key=str)
    elif isinstance(value, tuple | list):
        out = [_jsonable(v) for v in value]
    elif isinstance(value, dict):
        out = {str(k): _jsonable(v) for k, v in value.items()}
    else:
        out = value
    return out


def _families(rules: RuleSet) -> list[str]:
    """Names of the rule families (every tuple field of the RuleSet but time zones)."""
    return [
        f.name
        for f in dataclasses.fields(rules)
        if not f.name.startswith("_")
        and f.name not in _NOT_FAMILIES
        and isinstance(getattr(rules, f.name), tuple)
    ]


def _rows(
    rules: RuleSet, family: str | None, jurisdictions: set[str] | None, on: date | None
) -> list[dict[str, Any]]:
    out = []
    for name in _families(rules):
        if family is not None and name != family:
            continue
        for row in getattr(rules, name):
            meta = row.meta
            if jurisdictions is not None and meta.jurisdiction not in jurisdictions:
                continue
            if on is not None and not meta.effective_on(on):
                continue
            body = _jsonable(row)
            out.append({"family": name, **body.pop("meta"), **body})
    return out


def _listing(rules: RuleSet, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rule_set": rules.label,
        "version": rules.version,
        "content_hash": rules.content_hash,
        "count": len(rows),
        "rules": rows,
    }


FamilyQuery = Annotated[
    str | None, Query(description="only this family, e.g. calling_windows", max_length=40)
]
OnQuery = Annotated[date | None, Query(description="only rows in force on this day")]


# ``async def``: the rule set is immutable and in memory; there is no I/O to wait for, so the
# route runs on the event loop without a thread hop.
@router.get("/rules")
async def list_rules(
    request: Request,
    family: FamilyQuery = None,
    jurisdiction: Annotated[
        str | None, Query(description='"US" or "US-TX"', pattern=r"^US(-[A-Za-z]{2})?$")
    ] = None,
    on: OnQuery = None,
) -> dict[str, Any]:
    """Every loaded rule row, optionally of one family, one jurisdiction or in force on a day."""
    rules: RuleSet = request.app.state.cw.rules
    _known_family(rules, family)
    wanted = {jurisdiction.upper()} if jurisdiction else None
    return _listing(rules, _rows(rules, family, wanted, on))


@router.get("/rules/{state}")
async def show_state(
    request: Request,
    state: Annotated[str, Path(description="two-letter state", pattern=r"^[A-Za-z]{2}$")],
    family: FamilyQuery = None,
    on: OnQuery = None,
) -> dict[str, Any]:
    """The rules that apply to a state: federal rows and the state's own, and its time zones."""
    rules: RuleSet = request.app.state.cw.rules
    _known_family(rules, family)
    code = state.upper()
    zones = rules.zones_of(code)
    if zones is None and not _rows(rules, None, {f"US-{code}"}, None):
        raise NotFound(f"no rules or time zones for state {code!r}", details={"state": code})
    listing = _listing(rules, _rows(rules, family, {"US", f"US-{code}"}, on))
    listing["state"] = code
    listing["time_zones"] = _jsonable(zones) if zones else None
    return listing


@router.get("/rules/{state}/decisions")
def decisions(
    request: Request,
    state: Annotated[str, Path(description="two-letter state", pattern=r"^[A-Za-z]{2}$")],
    week_of: Annotated[
        date | None, Query(description="a day of the week to decide (default: today)")
    ] = None,
    phone: Annotated[
        str | None, Query(description="a number of the state (default: one of its own)")
    ] = None,
) -> dict[str, Any]:
    """What the loaded rules answer in a state for a fixed grid of attempts, every list fresh.

    The week's Wednesday (07:30-21:30) and Sunday (10:00, 12:30), the year's Thanksgiving and
    Christmas Day at noon; a live telemarketing call, a prerecorded call to a landline, an
    autodialed text to a wireless number, a debt-collection call; no facts, the seller's
    written consent, on the national and state lists (``callwarden rules decisions``).
    """
    from callwarden.services.decision_grid import grid  # noqa: PLC0415 - this route only

    cw = request.app.state.cw
    day = week_of or cw.clock.now().date()
    found = grid(cw.gate, state.upper(), week_of=day, phone=phone)
    return {"rule_set": cw.rules.label, "week_of": day.isoformat(), **found.to_dict()}


def _known_family(rules: RuleSet, family: str | None) -> None:
    if family is not None and family not in _families(rules):
        raise NotFound("no such rule family", details={"families": _families(rules)})
