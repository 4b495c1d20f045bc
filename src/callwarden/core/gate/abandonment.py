"""ABANDON_RATE: a predictive-dialer campaign over the abandonment safe harbor is stopped.

A call is abandoned when a person answers and is not connected to a sales representative
within two seconds of the completed greeting. The safe harbor allows at most 3% of the calls
answered by a person, per campaign, per 30-day period (16 CFR 310.4(b)(1)(iv), (b)(4)(i);
47 CFR 64.1200(a)(7)); the limits come from the rule data (``abandonment``). The service
measures the campaign over the rule's window and passes the counts in; a campaign with no
call answered by a person has a rate of 0. Missing statistics deny (fail closed).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate.check import Reasons, reason
from callwarden.core.gate.context import AbandonStats, CheckContext
from callwarden.core.rules.model import AbandonmentRule


class AbandonmentCheck:
    """Deny dialing for a campaign whose abandonment rate is at or over the limit."""

    name = "abandonment"

    def __init__(self) -> None:
        """Start with an empty memo of the abandonment rows."""
        self._rows: _rows.Applicable[AbandonmentRule] = _rows.Applicable("abandonment")
        self._reasons = Reasons()

    def allows_until(self, ctx: CheckContext) -> datetime:
        """Until the local date changes: the campaign's statistics are those passed in."""
        return _rows.rows_until(ctx)

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """One reason per applicable rule whose limit the campaign has reached."""
        rules = self._rows.across(ctx, ctx.attempt.at)
        stats = ctx.facts.abandonment
        campaign = ctx.attempt.campaign
        out: list[Reason] = []
        for rule in rules:
            if stats is None or stats.campaign != campaign:
                key = (rule.meta.id, campaign)
                out.append(self._reasons.get(ctx.rules, key, _none, rule, campaign))
            elif _at_or_over(stats, rule.max_rate):
                message = (
                    f"campaign {campaign!r} abandoned {stats.abandoned} of "
                    f"{stats.answered_live} calls answered by a person ({stats.rate:.2%}) "
                    f"in the last {rule.window_days} days; predictive dialing stops at "
                    f"{rule.max_rate:.0%}"
                )
                out.append(reason(ReasonCode.ABANDON_RATE, rule.meta, message))
        return out


def _none(rule: AbandonmentRule, campaign: str) -> Reason:
    """The reason of a campaign without statistics (the same for every attempt)."""
    message = (
        f"no abandonment statistics were available for campaign {campaign!r}; "
        "predictive dialing is stopped until they are"
    )
    return reason(ReasonCode.ABANDON_RATE, rule.meta, message)


def _at_or_over(stats: AbandonStats, max_rate: float) -> bool:
    """Exact comparison: 30 of 1,000 is 3.0%, never 2.9999...%."""
    if not stats.answered_live:
        return False
    limit = Fraction(repr(max_rate))
    return Fraction(stats.abandoned, stats.answered_live) >= limit
