"""REASSIGNED_NUMBER: the number was permanently disconnected after the consent was given.

A reassigned number no longer reaches the person who consented, so their consent no longer
covers it. The Reassigned Numbers Database safe harbor (47 CFR 64.1200(m)) protects a caller
only when the database says the number was *not* disconnected since the date the caller could
be confident of reaching the consenting party; a recorded disconnection after every consent of
this seller therefore blocks any attempt that relies on consent: one a consent rule covers, or
one to a number on a do-not-call list (where consent could be the exemption). Which attempts
the rule covers, its citation and its dates come from the rule data (``reassigned``).
"""

from __future__ import annotations

from datetime import datetime

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate.check import reason
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import ConsentRule, ReassignedRule


class ReassignedCheck:
    """Deny when the number was disconnected after every consent this seller holds."""

    name = "reassigned"

    def __init__(self) -> None:
        """Start with empty memos of the reassignment and consent rows."""
        self._rules: _rows.Applicable[ReassignedRule] = _rows.Applicable("reassigned")
        self._consent: _rows.Applicable[ConsentRule] = _rows.Applicable("consent")

    def allows_until(self, ctx: CheckContext) -> datetime:
        """Until a later disconnection or the local date changes.

        A consent given later can only lift this check's reason, never add one.
        """
        until = _rows.rows_until(ctx)
        disconnected = ctx.facts.reassigned_at
        if disconnected is not None and _rows.utc(ctx.attempt.at) < _rows.utc(disconnected):
            until = min(until, _rows.utc(disconnected))
        return until

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """A reason per rule in scope when a disconnection voids the consents relied on."""
        disconnected = ctx.facts.reassigned_at
        at = _rows.utc(ctx.attempt.at)
        if disconnected is None or _rows.utc(disconnected) > at:
            return []
        rules = self._rules.across(ctx, ctx.attempt.at)
        if not rules:
            return []
        seller = ctx.attempt.seller
        consents = [c for c in ctx.facts.consents if c.seller == seller and _rows.utc(c.at) <= at]
        if any(_rows.utc(c.at) >= _rows.utc(disconnected) for c in consents):
            return []  # a consent given after the disconnection comes from the new subscriber
        if not self._consent.across(ctx, ctx.attempt.at) and not ctx.facts.dnc_hits:
            return []  # the attempt relies on no consent: neither a rule nor a list needs one
        message = (
            f"the number was permanently disconnected at {_rows.utc(disconnected):%Y-%m-%d} "
            f"(UTC), after every consent given to seller {seller}; it may reach someone else"
        )
        return [reason(ReasonCode.REASSIGNED_NUMBER, rule.meta, message) for rule in rules]
