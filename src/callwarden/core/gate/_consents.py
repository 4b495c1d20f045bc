"""Which of a person's consents a check may rely on at an instant.

A consent counts when it was given to the attempt's seller, had been given and not yet revoked
at the instant, and was not given before the number was permanently disconnected (a reassigned
number does not carry the former subscriber's consent; 47 CFR 64.1200(m)). An established
business relationship lasts only the EBR rule's months after the purchase or inquiry (the
asking rule's state's EBR rule where it has one, else the federal one), and ends when the
number is on the seller's own do-not-call list (47 CFR 64.1200(f)(5); 16 CFR 310.2).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache

from callwarden.core.gate._rows import utc
from callwarden.core.gate.check import RuleSetMemo
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import FEDERAL, EbrRule
from callwarden.core.types import Consent, ConsentKind

EBR_KINDS = frozenset({ConsentKind.EBR_PURCHASE, ConsentKind.EBR_INQUIRY})

LABELS = {
    ConsentKind.WRITTEN: "prior express written consent",
    ConsentKind.EXPRESS: "prior express consent",
    ConsentKind.EBR_PURCHASE: "an established business relationship by purchase",
    ConsentKind.EBR_INQUIRY: "an established business relationship by inquiry",
}


def describe(kinds: Iterable[ConsentKind]) -> str:
    """The kinds in words, in a stable order ("a or b")."""
    return _describe(frozenset(kinds))


@lru_cache(maxsize=64)
def _describe(kinds: frozenset[ConsentKind]) -> str:
    words = [LABELS[k] for k in sorted(kinds, key=_ORDER.__getitem__)]
    return " or ".join(words) if words else "no kind of consent"


_ORDER = {kind: i for i, kind in enumerate(ConsentKind)}


#: Kinds of consent that, once given, count until revoked (an EBR also lapses).
LASTING_KINDS = frozenset({ConsentKind.WRITTEN, ConsentKind.EXPRESS})
#: The consents that lift an ``unless_consent`` row (a calling window, a restricted day).
LIFTING_KINDS = LASTING_KINDS


def lifting_changes(ctx: CheckContext) -> tuple[datetime, ...]:
    """Every instant (UTC, in order) at which a consent may start or stop lifting a row.

    Between two of them, and after the last, whether ``usable(ctx, LIFTING_KINDS, t)`` finds
    a consent is the same for every ``t``: the lifting kinds last until revoked, so what
    changes it is a consent being given or revoked, or the number being disconnected.
    """
    seller = ctx.attempt.seller
    found: set[datetime] = set()
    for c in ctx.facts.consents:
        if c.seller != seller or c.kind not in LIFTING_KINDS:
            continue
        found.add(utc(c.at))
        if c.revoked_at is not None:
            found.add(utc(c.revoked_at))
    if found and ctx.facts.reassigned_at is not None:
        found.add(utc(ctx.facts.reassigned_at))
    return tuple(sorted(found))


def settled_kinds(
    consents: Iterable[Consent], seller: str, by: datetime, reassigned_at: datetime | None
) -> frozenset[ConsentKind] | None:
    """The kinds of the seller's consents, when nothing about them can change after ``by``.

    That is when each was given by ``by``, is of a lasting kind (written or express: an
    established business relationship lapses), has no revocation, and the number was never
    disconnected. Every check then reads them, at ``by`` and at every later instant, as
    consents of these kinds given long ago: two attempts whose settled kinds are equal get the
    same decision. None when a consent is not settled; consents to other sellers are ignored,
    as every check ignores them.
    """
    if reassigned_at is not None:
        return None
    at = utc(by)
    kinds: set[ConsentKind] = set()
    for c in consents:
        if c.seller != seller:
            continue
        if c.kind not in LASTING_KINDS or c.revoked_at is not None or utc(c.at) > at:
            return None
        kinds.add(c.kind)
    return frozenset(kinds)


def given(ctx: CheckContext, instant: datetime) -> list[Consent]:
    """Consents to the attempt's seller given by ``instant`` and not voided by reassignment."""
    at = utc(instant)
    seller = ctx.attempt.seller
    return [
        c
        for c in ctx.facts.consents
        if c.seller == seller and utc(c.at) <= at and not predates_reassignment(ctx, c, at)
    ]


def usable(
    ctx: CheckContext,
    kinds: frozenset[ConsentKind],
    instant: datetime,
    jurisdiction: str = FEDERAL,
) -> list[Consent]:
    """Consents of the given kinds the attempt may rely on at ``instant``.

    ``jurisdiction`` is that of the rule asking: a state rule measures an established
    business relationship by the state's EBR rule where it has one, else by the federal one.
    """
    if not kinds or not ctx.facts.consents:
        return []
    at = utc(instant)
    ebr = ebr_rule(ctx, jurisdiction, at) if kinds & EBR_KINDS else None
    out = []
    for c in given(ctx, at):
        if c.kind not in kinds or not c.active_at(at):
            continue
        if c.kind in EBR_KINDS and not _ebr_lasts(ctx, c, ebr, at):
            continue
        out.append(c)
    return out


def usable_until(ctx: CheckContext) -> datetime:
    """An instant before which no consent the attempt may rely on stops counting.

    A consent stops counting when it is revoked or when the number is disconnected after it
    was given; one given later only adds to what may be relied on. An established business
    relationship also ends after the months of an EBR rule, which depend on the asking
    rule's state: with one, this returns the attempt's own instant (it cannot say).
    """
    # Kept in the context with the instant and facts it is for: a context moved to a later
    # instant (``CheckContext.at``), or given its stored facts (``Gate.decide_prepared``), may
    # start with another context's memo.
    known = ctx.memo.get(_USABLE_UNTIL)
    if isinstance(known, tuple) and known[0] is ctx.attempt.at and known[1] is ctx.facts:
        return known[2]  # type: ignore[no-any-return]
    found = _usable_until(ctx)
    ctx.memo[_USABLE_UNTIL] = (ctx.attempt.at, ctx.facts, found)
    return found


_USABLE_UNTIL = "usable until"


def _usable_until(ctx: CheckContext) -> datetime:
    at = utc(ctx.attempt.at)
    if not ctx.facts.consents:
        return _FOREVER
    until: datetime | None = None
    seller = ctx.attempt.seller
    for c in ctx.facts.consents:
        if c.seller != seller:
            continue
        if c.kind in EBR_KINDS:
            return at
        if c.revoked_at is not None and utc(c.revoked_at) > at:
            revoked = utc(c.revoked_at)
            until = revoked if until is None else min(until, revoked)
    disconnected = ctx.facts.reassigned_at
    if disconnected is not None and utc(disconnected) > at:
        until = utc(disconnected) if until is None else min(until, utc(disconnected))
    return _FOREVER if until is None else until


#: Later than any instant the gate searches.
_FOREVER = datetime.max.replace(tzinfo=UTC)


def ebr_rule(ctx: CheckContext, jurisdiction: str, instant: datetime) -> EbrRule | None:
    """The EBR rule in force for a rule of ``jurisdiction``: the state's own, else federal."""
    day = utc(instant).date()
    memo = _EBR_RULES.of(ctx.rules)
    key = (jurisdiction, day)
    if key in memo:
        return memo[key]
    state = None if jurisdiction == FEDERAL else jurisdiction.removeprefix("US-")
    rows: list[EbrRule] = ctx.rules.rows("ebr", [state], day)
    own = [r for r in rows if r.meta.jurisdiction == jurisdiction]
    federal = [r for r in rows if r.meta.jurisdiction == FEDERAL]
    found = own or federal
    memo[key] = found[0] if found else None
    return memo[key]


#: The EBR rule per (jurisdiction, UTC day), for the last rule set asked about.
_EBR_RULES: RuleSetMemo[tuple[str, date], EbrRule | None] = RuleSetMemo()


def predates_reassignment(ctx: CheckContext, consent: Consent, instant: datetime) -> bool:
    """Whether the number was disconnected, by ``instant``, after the consent was given."""
    disconnected = ctx.facts.reassigned_at
    if disconnected is None or utc(disconnected) > utc(instant):
        return False
    return utc(consent.at) < utc(disconnected)


def ebr_end(consent: Consent, rule: EbrRule) -> datetime:
    """When an established business relationship ends (exclusive) under ``rule``."""
    if consent.kind is ConsentKind.EBR_PURCHASE:
        return add_months(consent.at, rule.purchase_months)
    return add_months(consent.at, rule.inquiry_months)


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` later, on the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _ebr_lasts(ctx: CheckContext, consent: Consent, rule: EbrRule | None, at: datetime) -> bool:
    if rule is None or "internal" in ctx.facts.dnc_hits:
        return False
    return at < utc(ebr_end(consent, rule))
