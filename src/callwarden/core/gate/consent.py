"""NO_CONSENT and CONSENT_REVOKED: the consent an attempt needs, given to this seller.

Which attempts need which kind of consent comes from the rule data (``consent``), by purpose
× dialing method × channel × line type: autodialed or prerecorded calls and texts to wireless
numbers need prior express consent, or prior express written consent for telemarketing (47
U.S.C. 227(b)(1)(A)(iii); 47 CFR 64.1200(a)(1)(iii), (a)(2)); prerecorded telemarketing to a
residential line needs written consent (47 CFR 64.1200(a)(3)); state laws add their own rows.
An unknown line type is covered by every row (the strictest reading); the emergency purpose
is outside every row's scope. Consent is per seller; a revoked consent stops counting at its
``revoked_at`` (47 CFR 64.1200(a)(10)); a consent given before the number was reassigned does
not count (47 CFR 64.1200(m)).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate._consents import describe, given, usable, usable_until
from callwarden.core.gate.check import Reasons, reason
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import ConsentRule
from callwarden.core.types import Channel, Consent, LineType, Method, Purpose


class ConsentCheck:
    """Deny an attempt that needs a kind of consent the seller does not hold now."""

    name = "consent"

    def __init__(self) -> None:
        """Start with an empty memo of the consent rows."""
        self._rows: _rows.Applicable[ConsentRule] = _rows.Applicable("consent")
        self._reasons = Reasons()

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """One reason per applicable consent rule that no usable consent satisfies."""
        out: list[Reason] = []
        at = ctx.attempt.at
        rules = self._rows.across(ctx, at)
        for rule in rules:
            if usable(ctx, rule.accepted, at, rule.meta.jurisdiction):
                continue
            matching = [c for c in given(ctx, at) if c.kind in rule.accepted]
            if matching and all(_revoked(c, ctx) for c in matching):
                last = max(_rows.utc(c.revoked_at) for c in matching if c.revoked_at)
                message = (
                    f"the {describe(rule.accepted)} given to seller {ctx.attempt.seller} "
                    f"was revoked at {last:%Y-%m-%d %H:%M:%S} UTC"
                )
                out.append(reason(ReasonCode.CONSENT_REVOKED, rule.meta, message))
                continue
            out.append(self._none_in_force(ctx, rule))
        return out

    def allows_until(self, ctx: CheckContext) -> datetime:
        """Until a consent relied on stops counting or the local date changes."""
        return min(_rows.rows_until(ctx), usable_until(ctx))

    def _none_in_force(self, ctx: CheckContext, rule: ConsentRule) -> Reason:
        """The NO_CONSENT reason of a rule, the same for every attempt of a seller and kind."""
        a = ctx.attempt
        key = (rule.meta.id, a.seller, a.purpose, a.method, a.channel, a.line_type)
        return self._reasons.get(ctx.rules, key, _no_consent, ctx, rule)


def _no_consent(ctx: CheckContext, rule: ConsentRule) -> Reason:
    message = (
        f"this {_what(ctx)} needs {describe(rule.accepted)} to seller "
        f"{ctx.attempt.seller}, and none is in force"
    )
    return reason(ReasonCode.NO_CONSENT, rule.meta, message)


def _revoked(consent: Consent, ctx: CheckContext) -> bool:
    revoked = consent.revoked_at
    return revoked is not None and _rows.utc(revoked) <= _rows.utc(ctx.attempt.at)


def _what(ctx: CheckContext) -> str:
    a = ctx.attempt
    return _attempt_words(a.purpose, a.method, a.channel, a.line_type)


@lru_cache(maxsize=256)
def _attempt_words(purpose: Purpose, method: Method, channel: Channel, line_type: LineType) -> str:
    line = "" if line_type is LineType.UNKNOWN else f" to a {line_type.value} line"
    kind = "text" if channel is Channel.SMS else "call"
    return f"{purpose.value} {method.value} {kind}{line}"
