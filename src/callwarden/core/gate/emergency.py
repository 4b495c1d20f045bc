"""EMERGENCY_DECLARATION: no solicitation into an area under a declared state of emergency.

Some states ban telephone solicitation while an emergency is declared (for example La. R.S.
45:844.31); which states, and for which attempts, comes from the rule data
(``emergency_bans``). The declarations themselves (state, optional ZIP codes, from, until,
citation) are facts recorded by a compliance officer. A candidate placed by the number has no
known ZIP code, so a declaration limited to some ZIP codes covers it (fail closed); an address
candidate is judged by the address' ZIP code.
"""

from __future__ import annotations

from datetime import datetime

from callwarden.core.decision import JurisdictionCandidate, Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate.check import reason
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import EmergencyBanRule
from callwarden.core.types import EmergencyDeclaration


class EmergencyCheck:
    """Deny attempts into a candidate state whose declared emergency bans them."""

    name = "emergency"

    def __init__(self) -> None:
        """Start with an empty memo of the emergency-ban rows."""
        self._rows: _rows.Applicable[EmergencyBanRule] = _rows.Applicable("emergency_bans")

    def allows_until(self, ctx: CheckContext) -> datetime:
        """Until a declared emergency starts or ends, or the local date changes."""
        until = _rows.rows_until(ctx)
        at = _rows.utc(ctx.attempt.at)
        for e in ctx.facts.emergencies:
            for edge in (_rows.utc(e.starts_at), _rows.utc(e.ends_at)):
                if at < edge < until:
                    until = edge
        return until

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """One reason per (rule, declaration) that covers a candidate at the attempt."""
        if not ctx.facts.emergencies:
            return []
        at = ctx.attempt.at
        out: dict[tuple[str, EmergencyDeclaration], Reason] = {}
        for cand, local in zip(ctx.candidates, ctx.locals_at(at), strict=True):
            if cand.state is None:
                continue
            day = local.date()
            rows = self._rows.at(ctx, cand.state, day)
            for declaration in _covering(ctx, cand):
                for rule in rows:
                    if rule.meta.state not in (None, cand.state):
                        continue
                    key = (rule.meta.id, declaration)
                    out.setdefault(key, _reason(rule, declaration))
        return list(out.values())


def _covering(ctx: CheckContext, cand: JurisdictionCandidate) -> list[EmergencyDeclaration]:
    address = ctx.attempt.address
    zip_code = address.zip if cand.source == "address" and address is not None else None
    return [
        e for e in ctx.facts.emergencies if e.covers(cand.state or "", zip_code, ctx.attempt.at)
    ]


def _reason(rule: EmergencyBanRule, declaration: EmergencyDeclaration) -> Reason:
    where = declaration.state
    if declaration.zips:
        where += " (ZIP " + ", ".join(sorted(declaration.zips)) + ")"
    message = (
        f"{where} is under a declared emergency from {declaration.starts_at:%Y-%m-%d} until "
        f"{declaration.ends_at:%Y-%m-%d} ({declaration.citation}), during which "
        "telephone solicitation is banned"
    )
    return reason(ReasonCode.EMERGENCY_DECLARATION, rule.meta, message)
