"""Which stored facts a decision can depend on, so the service loads nothing else.

Answered from the rule scopes alone (memoized per rule set, jurisdiction, day and attempt
kind): consents matter when the number is on a list, when a consent rule covers the attempt,
or when a day ban or a calling window can be lifted by consent; call history when a frequency
cap covers it; emergency declarations when a candidate state bans solicitation in emergencies;
the seller's list exemptions when a national or state list covers it. Reassignment data only
qualifies consents, so it is needed exactly when consents are.
"""

from __future__ import annotations

from dataclasses import dataclass

from callwarden.core.gate import _rows
from callwarden.core.gate.check import RuleSetMemo
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import (
    CallingWindowRule,
    ConsentRule,
    DncListRule,
    EmergencyBanRule,
    FrequencyCapRule,
    RestrictedDayRule,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FactNeeds:
    """The facts worth loading for one attempt."""

    consents: bool
    history: bool
    emergencies: bool
    exemptions: bool


class NeedsFinder:
    """Decide from the rules which facts an attempt's decision can depend on."""

    def __init__(self) -> None:
        """Start with empty memos of each family's applicable rows."""
        self._consent: _rows.Applicable[ConsentRule] = _rows.Applicable("consent")
        self._caps: _rows.Applicable[FrequencyCapRule] = _rows.Applicable("frequency_caps")
        self._bans: _rows.Applicable[EmergencyBanRule] = _rows.Applicable("emergency_bans")
        self._days: _rows.Applicable[RestrictedDayRule] = _rows.Applicable("restricted_days")
        self._windows: _rows.Applicable[CallingWindowRule] = _rows.Applicable("calling_windows")
        self._lists: _rows.Applicable[DncListRule] = _rows.Applicable("dnc_lists")
        self._memo: RuleSetMemo[object, FactNeeds] = RuleSetMemo()

    def __call__(self, ctx: CheckContext) -> FactNeeds:
        """The facts a decision in ``ctx`` (with its DNC hits already known) can depend on.

        The answer depends only on the rows in scope (the candidates' states and local dates,
        and the attempt's kind) and on whether the number is on a list: it is computed once
        per such key.
        """
        key = (_rows.places_key(ctx), bool(ctx.facts.dnc_hits))
        memo = self._memo.of(ctx.rules)
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._find(ctx)
        return found

    def _find(self, ctx: CheckContext) -> FactNeeds:
        at = ctx.attempt.at
        consents = (
            bool(ctx.facts.dnc_hits)
            or bool(self._consent.across(ctx, at))
            or any(r.unless_consent for r in self._days.across(ctx, at))
            or any(r.unless_consent for r in self._windows.across(ctx, at))
        )
        return FactNeeds(
            consents=consents,
            history=bool(self._caps.across(ctx, at)),
            emergencies=bool(self._bans.across(ctx, at)),
            exemptions=any(
                r.list_name == "national" or r.list_name.startswith("state:")
                for r in self._lists.across(ctx, at)
            ),
        )
