"""The pre-contact gate: compose the checks into one Decision.

``decide`` validates the number (INVALID_NUMBER), finds the candidate jurisdictions, runs every
check (all must allow: the strictest wins), and, when only the clock stands in the way, searches
the earliest instant every clock check allows (``next_allowed_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from callwarden.core.decision import (
    CLOCK_CODES,
    Decision,
    JurisdictionCandidate,
    Reason,
    ReasonCode,
)
from callwarden.core.gate import jurisdiction
from callwarden.core.gate.check import (
    Check,
    ClockCheck,
    NotingCheck,
    SteadyCheck,
    first_agreed,
    zone,
)
from callwarden.core.gate.context import CheckContext, Facts, SellerPolicy
from callwarden.core.gate.needs import FactNeeds, NeedsFinder
from callwarden.core.gate.numbering import NumberingPlan, e164, normalize
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt
from callwarden.errors import ConfigurationError, InvalidPhoneNumber

#: Distinct (number place, address) pairs whose candidates are remembered.
_PLACES_MEMO = 8192
_NUMBER_CITATION = "47 CFR 52.15; ATIS-0300051 (NANP numbering plan)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """A valid attempt's context before stored facts are read, and the facts it needs."""

    ctx: CheckContext  # its facts hold only the list hits
    needs: FactNeeds


class Gate:
    """A configured gate: numbering plan, rule set and the checks to run."""

    def __init__(self, *, plan: NumberingPlan, rules: RuleSet, checks: Sequence[Check]) -> None:
        """Refuse an empty check list: an all-of over nothing must not allow."""
        if not checks:
            msg = "the gate needs at least one check; an empty all-of would allow everything"
            raise ConfigurationError(msg)
        self.plan = plan
        self.rules = rules
        self.checks = tuple(checks)
        self._clock_checks = tuple(c for c in checks if isinstance(c, ClockCheck))
        self._noting_checks = tuple(c for c in checks if isinstance(c, NotingCheck))
        self._other_checks = tuple(c for c in checks if not isinstance(c, ClockCheck))
        #: The non-clock checks when every one of them can say how long an allow lasts.
        steady = tuple(c for c in self._other_checks if isinstance(c, SteadyCheck))
        self._steady = steady if len(steady) == len(self._other_checks) else ()
        self._needs = NeedsFinder()
        self._places: dict[object, tuple[JurisdictionCandidate, ...]] = {}

    def national(self, phone: str) -> int | None:
        """The valid 10-digit national number, or None when the phone is invalid."""
        try:
            number = normalize(phone)
        except InvalidPhoneNumber:
            return None
        return number if self.plan.is_valid(number) else None

    def context(
        self, attempt: Attempt, number: int, facts: Facts, policy: SellerPolicy | None = None
    ) -> CheckContext:
        """The context of a valid attempt: its candidate jurisdictions, rules and facts.

        List hits of states that are not candidates are dropped here: another state's
        list says nothing about this attempt, and no check should see it.
        """
        candidates = self._candidates(number, attempt)
        return CheckContext(
            attempt=attempt,
            national=number,
            candidates=candidates,
            rules=self.rules,
            facts=_relevant(facts, candidates),
            policy=policy or SellerPolicy(),
            local_times=tuple(attempt.at.astimezone(zone(c.tz)) for c in candidates),
        )

    def _candidates(self, number: int, attempt: Attempt) -> tuple[JurisdictionCandidate, ...]:
        """The candidate jurisdictions, memoized by the number's place and the address.

        They depend only on the state and zones of the number's area code and exchange and
        on the address, which repeat across attempts.
        """
        address = attempt.address
        key = (self.plan.lookup(number), address)
        found = self._places.get(key)
        if found is None:
            found = jurisdiction.candidates(number, address, self.plan, self.rules)
            if len(self._places) >= _PLACES_MEMO:
                self._places.clear()
            self._places[key] = found
        return found

    def states_of(self, number: int, attempt: Attempt) -> frozenset[str]:
        """The states among a valid attempt's candidate jurisdictions."""
        return frozenset(c.state for c in self._candidates(number, attempt) if c.state)

    def needs(self, attempt: Attempt, number: int, dnc_hits: frozenset[str]) -> FactNeeds:
        """Which stored facts the decision of a valid attempt can depend on."""
        return self.prepare(attempt, number, dnc_hits).needs

    def prepare(self, attempt: Attempt, number: int, dnc_hits: frozenset[str]) -> Prepared:
        """What a valid attempt's decision needs to know, before any stored fact is read.

        ``decide_prepared`` then decides it without finding its jurisdictions again.
        """
        ctx = self.context(attempt, number, Facts(dnc_hits=dnc_hits))
        return Prepared(ctx=ctx, needs=self._needs(ctx))

    def prepare_like(self, prepared: Prepared, attempt: Attempt, number: int) -> Prepared:
        """What ``prepare`` gives for an attempt like ``prepared``'s: only cheaper.

        Like means what the decision memo compares: the same candidate jurisdictions (the
        number's place and the address), list hits, kind and UTC minute. Only the attempt,
        the number and the local times differ; the fact needs are the same. What the checks
        remembered of ``prepared``'s context comes along as ``CheckContext.at`` passes it on.
        """
        return Prepared(ctx=prepared.ctx.like(attempt, number), needs=prepared.needs)

    def decide(
        self, attempt: Attempt, facts: Facts, policy: SellerPolicy | None = None
    ) -> Decision:
        """Decide one attempt from the facts the service loaded for it."""
        number = self.national(attempt.phone)
        if number is None:
            return self._invalid(attempt)
        return self._decide(self.context(attempt, number, facts, policy))

    def decide_prepared(
        self, prepared: Prepared, facts: Facts, policy: SellerPolicy | None = None
    ) -> Decision:
        """Decide a prepared attempt with the facts loaded for it (as ``decide`` would)."""
        base = prepared.ctx
        ctx = replace(
            base,
            facts=_relevant(facts, base.candidates),
            policy=policy or SellerPolicy(),
        )
        return self._decide(ctx)

    def _decide(self, ctx: CheckContext) -> Decision:
        reasons = self._run(ctx)
        next_at = None
        if reasons and all(r.code in CLOCK_CODES for r in reasons):
            next_at = self._next_allowed(ctx)
        return Decision(
            attempt_id=ctx.attempt.id,
            allowed=not reasons,
            reasons=tuple(reasons),
            next_allowed_at=next_at,
            jurisdictions=ctx.candidates,
            rule_set=self.rules.label,
            phone_e164=e164(ctx.national),
            notes=tuple(note for check in self._noting_checks for note in check.notes(ctx)),
        )

    def _run(self, ctx: CheckContext, checks: Sequence[Check] | None = None) -> list[Reason]:
        reasons: list[Reason] = []
        for check in self.checks if checks is None else checks:
            reasons.extend(check(ctx))
        return reasons

    def _next_allowed(self, ctx: CheckContext) -> datetime | None:
        """The first instant every clock check allows (``first_agreed``), if the others do too."""
        asks = [partial(check.earliest, ctx) for check in self._clock_checks]
        current = first_agreed(asks, ctx.attempt.at, rounds=256)
        if current is None:
            return None
        # Every clock check allows ``current``; the others may not (a list goes stale, a
        # consent is revoked meanwhile): asked again unless each says it still allows then.
        if self._still_allowed(ctx, current):
            return current
        later = ctx.at(current)
        return current if not self._run(later, self._other_checks) else None

    def _still_allowed(self, ctx: CheckContext, instant: datetime) -> bool:
        """Whether every non-clock check (which all allow ``ctx``) says it allows ``instant``."""
        steady = self._steady
        return bool(steady) and all(check.allows_until(ctx) > instant for check in steady)

    def _invalid(self, attempt: Attempt) -> Decision:
        reason = Reason(
            code=ReasonCode.INVALID_NUMBER,
            rule="US-NANP-VALID-NUMBER",
            citation=_NUMBER_CITATION,
            message="not a valid, dialable NANP number (length, N11 or 0/1-leading codes, "
            "or an unassigned area code or exchange)",
        )
        return Decision(
            attempt_id=attempt.id,
            allowed=False,
            reasons=(reason,),
            next_allowed_at=None,
            jurisdictions=(),
            rule_set=self.rules.label,
        )


def relevant_hits(
    hits: frozenset[str], candidates: tuple[JurisdictionCandidate, ...]
) -> frozenset[str]:
    """The list hits without those of states that are not candidates."""
    if not any(h.startswith("state:") for h in hits):
        return hits
    states = {c.state for c in candidates if c.state}
    relevant = frozenset(h for h in hits if not h.startswith("state:") or h[6:] in states)
    return hits if relevant == hits else relevant


def _relevant(facts: Facts, candidates: tuple[JurisdictionCandidate, ...]) -> Facts:
    """The facts without list hits of states that are not candidates."""
    hits = relevant_hits(facts.dnc_hits, candidates)
    return facts if hits is facts.dnc_hits else replace(facts, dnc_hits=hits)
