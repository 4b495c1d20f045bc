"""REASSIGNED_NUMBER: the number was permanently disconnected after the consent was given.

A reassigned number no longer reaches the person who consented, so their consent no longer
covers it. The Reassigned Numbers Database safe harbor (47 CFR 64.1200(m)) protects a caller
only when the database says the number was *not* disconnected since the date the caller could
be confident of reaching the consenting party; a recorded disconnection after every consent of
this seller therefore blocks any attempt that relies on consent: one a consent rule covers, or
one to a number on a do-not-call list (where consent could be the exemption).
"""

from __future__ import annotations

from datetime import date

from callwarden.core.decision import Confidence, Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate.check import reason
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import FEDERAL, ConsentRule, RuleMeta

#: The rule this check applies. Kept here until the rule data carries a row for it.
REASSIGNED_RULE = RuleMeta(
    id="US-FED-TCPA-REASSIGNED",
    jurisdiction=FEDERAL,
    effective_from=date(2021, 11, 1),  # the Reassigned Numbers Database opened to callers
    citation="47 CFR 64.1200(m)",
    confidence=Confidence.MEDIUM,  # the rule text was read through the FCC order's summaries
    source_url="https://www.ecfr.gov/current/title-47/chapter-I/subchapter-B/part-64/subpart-L/section-64.1200",
    note="Second Report and Order, FCC 18-177, 84 FR 11226 (2019)",
)


class ReassignedCheck:
    """Deny when the number was disconnected after every consent this seller holds."""

    name = "reassigned"

    def __init__(self) -> None:
        """Start with an empty memo of the consent rows."""
        self._rows: _rows.Applicable[ConsentRule] = _rows.Applicable("consent")

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """A reason when a disconnection voids the consents an attempt would rely on."""
        disconnected = ctx.facts.reassigned_at
        at = _rows.utc(ctx.attempt.at)
        if disconnected is None or _rows.utc(disconnected) > at:
            return []
        if not REASSIGNED_RULE.effective_on(at.date()):
            return []
        seller = ctx.attempt.seller
        consents = [c for c in ctx.facts.consents if c.seller == seller and _rows.utc(c.at) <= at]
        if any(_rows.utc(c.at) >= _rows.utc(disconnected) for c in consents):
            return []  # a consent given after the disconnection comes from the new subscriber
        rules = self._rows.across(ctx, ctx.attempt.at)
        if not rules and not ctx.facts.dnc_hits:
            return []  # the attempt relies on no consent: neither a rule nor a list needs one
        message = (
            f"the number was permanently disconnected at {_rows.utc(disconnected):%Y-%m-%d} "
            f"(UTC), after every consent given to seller {seller}; it may reach someone else"
        )
        return [reason(ReasonCode.REASSIGNED_NUMBER, REASSIGNED_RULE, message)]
