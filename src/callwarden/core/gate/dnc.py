"""DNC_NATIONAL, DNC_STATE, DNC_INTERNAL, LITIGATOR and DNC_DATA_STALE: do-not-call lists.

Which lists apply, to which purposes, how fresh they must be and which consents exempt a
number come from the rule data (``dnc_lists``): the National Do Not Call Registry (16 CFR
310.4(b)(1)(iii)(B), (b)(3)(iv); 47 CFR 64.1200(c)(2)), the state lists of the candidate
states, the seller's own list (47 CFR 64.1200(d)), and the seller's known-litigator list.

- A number on the national or a state list is blocked unless a consent of a kind the row
  exempts is usable at the attempt (prior express written consent; an established business
  relationship within the months of the EBR rule of the list's jurisdiction, 47 CFR
  64.1200(f)(5)), or the seller's configuration says the list does not apply to it (the
  decision then carries that reason as a note).
- The seller's own list blocks every purpose its row covers; no consent lifts it.
- The litigator list blocks unless the seller's policy turns that off.
- National and state lists in scope must have been imported, and refreshed within the row's
  ``max_age_days`` before the attempt (31 days for the national registry): fail closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate._consents import describe, usable, usable_until
from callwarden.core.gate.check import Reasons, reason
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import DncListRule

INTERNAL, LITIGATOR, NATIONAL = "internal", "litigator", "national"


class DncCheck:
    """Deny numbers on an applicable do-not-call list, and attempts scrubbed with stale lists."""

    name = "dnc"

    def __init__(self) -> None:
        """Start with an empty memo of the list rows."""
        self._rows: _rows.Applicable[DncListRule] = _rows.Applicable("dnc_lists")
        self._reasons = Reasons()

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """Reasons for each list the number is on (unexempted) and each stale or missing list."""
        rows = self._rows.across(ctx, ctx.attempt.at)
        out: list[Reason] = []
        if ctx.facts.dnc_hits:
            seller = ctx.attempt.seller
            for row in rows:
                if _blocks(ctx, row):
                    key = (row.meta.id, seller)
                    out.append(self._reasons.get(ctx.rules, key, _hit, row, seller))
        at = _rows.utc(ctx.attempt.at)
        for row in rows:
            out.extend(_stale(ctx, row, at))
        return out

    def allows_until(self, ctx: CheckContext) -> datetime:
        """Until a list in scope goes stale, a consent stops counting or the local date changes."""
        until = min(_rows.rows_until(ctx), usable_until(ctx))
        at = _rows.utc(ctx.attempt.at)
        refreshed_at = ctx.facts.list_refreshed
        exempt = ctx.policy.exempt_lists
        for row in self._rows.across(ctx, ctx.attempt.at):
            name = row.list_name
            if row.max_age_days is None or name in exempt:
                continue
            refreshed = refreshed_at.get(name)
            if refreshed is None or not _exemptible(name):
                continue
            stale = _rows.utc(refreshed) + _fresh_for(row.max_age_days)
            if at < stale < until:
                until = stale
        return until

    def notes(self, ctx: CheckContext) -> list[str]:
        """The seller's reasons for each list in scope that it says does not apply to it."""
        if not ctx.policy.exempt_lists:
            return []
        rows = self._rows.across(ctx, ctx.attempt.at)
        names = dict.fromkeys(r.list_name for r in rows if _exemptible(r.list_name))
        exempt = ctx.policy.exempt_lists
        return [
            f"{_label(name)} not applied for seller {ctx.attempt.seller}: {exempt[name]}"
            for name in names
            if name in exempt
        ]


@lru_cache(maxsize=64)
def _fresh_for(max_age_days: int) -> timedelta:
    """How long after its refresh a list goes stale.

    Fresh while its age is at most ``max_age_days``, stale one microsecond later.
    """
    return timedelta(days=max_age_days, microseconds=1)


def _exemptible(list_name: str) -> bool:
    """Lists a seller may declare inapplicable: the national and state lists."""
    return list_name == NATIONAL or list_name.startswith("state:")


def _blocks(ctx: CheckContext, row: DncListRule) -> bool:
    """Whether the number is on the row's list and the list blocks it (no exemption)."""
    name = row.list_name
    if name not in ctx.facts.dnc_hits:
        return False
    if name == INTERNAL:
        return True
    if name == LITIGATOR:
        return ctx.policy.litigator_blocks
    if name in ctx.policy.exempt_lists:
        return False
    return not usable(ctx, row.exemptions, ctx.attempt.at, row.meta.jurisdiction)


def _hit(row: DncListRule, seller: str) -> Reason:
    """The reason of a list that blocks the number: it names only the row and the seller."""
    name = row.list_name
    if name == INTERNAL:
        message = f"the number is on seller {seller}'s own do-not-call list"
        return reason(ReasonCode.DNC_INTERNAL, row.meta, message)
    if name == LITIGATOR:
        return reason(ReasonCode.LITIGATOR, row.meta, "the number is on the litigator list")
    code = ReasonCode.DNC_NATIONAL if name == NATIONAL else ReasonCode.DNC_STATE
    if not row.exemptions:
        message = f"the number is on the {_label(name)}, which no consent exempts"
    else:
        message = (
            f"the number is on the {_label(name)} and no {describe(row.exemptions)} "
            f"with seller {seller} exempts it"
        )
    return reason(code, row.meta, message)


def _stale(ctx: CheckContext, row: DncListRule, at: datetime) -> list[Reason]:
    name = row.list_name
    if not _exemptible(name) or name in ctx.policy.exempt_lists:
        return []
    refreshed = ctx.facts.list_refreshed.get(name)
    if refreshed is None:
        message = f"the {_label(name)} has never been imported, so the number cannot be scrubbed"
        return [reason(ReasonCode.DNC_DATA_STALE, row.meta, message)]
    if row.max_age_days is None:
        return []
    age = at - _rows.utc(refreshed)
    if age <= timedelta(days=row.max_age_days):
        return []
    message = (
        f"the {_label(name)} was last refreshed {refreshed:%Y-%m-%d %H:%M %Z}, {age.days} days "
        f"before the attempt; at most {row.max_age_days} days are allowed"
    )
    return [reason(ReasonCode.DNC_DATA_STALE, row.meta, message)]


def _label(list_name: str) -> str:
    if list_name == NATIONAL:
        return "national do-not-call registry"
    if list_name.startswith("state:"):
        return f"{list_name.removeprefix('state:')} state do-not-call list"
    return f"{list_name} list"
