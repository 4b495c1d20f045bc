"""The check use case: load the facts an attempt needs, ask the gate, optionally record it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from callwarden.core.decision import Decision
from callwarden.core.gate.context import AbandonStats, Facts, SellerPolicy
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.needs import FactNeeds
from callwarden.core.ports import Clock, DncLookup, UnitOfWork
from callwarden.core.rules.model import AbandonmentRule
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Method, Outcome, PastAttempt

#: How long a campaign's abandonment rate is reused (the rate covers 30 days of calls).
ABANDONMENT_TTL = timedelta(seconds=60)

#: The least history a decision loads; longer frequency windows in the rules extend it.
HISTORY_LOOKBACK = timedelta(days=31)


class CheckService:
    """Decide attempts with stored facts."""

    def __init__(
        self,
        *,
        gate: Gate,
        uow: Callable[[], UnitOfWork],
        dnc: DncLookup,
        clock: Clock,
        litigator_blocks: bool = True,
    ) -> None:
        """Compose the gate with storage ports."""
        self.gate = gate
        self.uow = uow
        self.dnc = dnc
        self.clock = clock
        self.litigator_blocks = litigator_blocks
        self.lookback = history_lookback(gate.rules)
        self._abandonment_cache: dict[tuple[str, str, datetime], tuple[datetime, AbandonStats]] = {}

    def check(self, attempts: Sequence[Attempt], *, record: bool = False) -> list[Decision]:
        """Decide each attempt; with ``record``, store every allowed one as a past attempt.

        Only the facts a decision can depend on are loaded (``Gate.needs``): a manual
        telemarketing call to a number on no list, in a state without frequency caps, costs
        no database query at all.
        """
        decisions: list[Decision] = []
        refreshed = self.dnc.refreshed()
        with contextlib.ExitStack() as stack:
            uow: UnitOfWork | None = None
            for attempt in attempts:
                number = self.gate.national(attempt.phone)
                if number is None:
                    decisions.append(self.gate.decide(attempt, Facts()))
                    continue
                hits = self.dnc.hits(number, attempt.seller)
                needs = self.gate.needs(attempt, number, hits)
                if uow is None and (record or _touches_db(needs, attempt)):
                    uow = stack.enter_context(self.uow())
                facts, policy = self._load(uow, attempt, number, hits, refreshed, needs)
                decision = self.gate.decide(attempt, facts, policy)
                decisions.append(decision)
                if record and decision.allowed and uow is not None:
                    uow.history.add([_as_past(attempt, number)], source="check")
            if record and uow is not None:
                uow.commit()
        return decisions

    def _load(  # noqa: PLR0917 - private, called once with the facts gathered so far
        self,
        uow: UnitOfWork | None,
        attempt: Attempt,
        number: int,
        hits: frozenset[str],
        refreshed: Mapping[str, datetime],
        needs: FactNeeds,
    ) -> tuple[Facts, SellerPolicy]:
        if uow is None:
            return Facts(dnc_hits=hits, list_refreshed=refreshed), SellerPolicy(
                litigator_blocks=self.litigator_blocks
            )
        states = {s for s in [self.gate.plan.lookup(number)[0]] if s}
        if attempt.address and attempt.address.state:
            states.add(attempt.address.state.upper())
        consents = uow.consents.for_number(number, attempt.seller) if needs.consents else ()
        facts = Facts(
            dnc_hits=hits,
            list_refreshed=refreshed,
            consents=consents,
            history=(
                uow.history.recent(number, attempt.seller, attempt.at - self.lookback)
                if needs.history
                else ()
            ),
            abandonment=self._abandonment(uow, attempt, states),
            reassigned_at=uow.reassigned.disconnected_at(number) if consents else None,
            emergencies=uow.emergencies.active(states, attempt.at) if needs.emergencies else (),
        )
        exempt = uow.sellers.exemptions(attempt.seller) if needs.exemptions else {}
        return facts, SellerPolicy(litigator_blocks=self.litigator_blocks, exempt_lists=exempt)

    def _abandonment(
        self, uow: UnitOfWork, attempt: Attempt, states: set[str]
    ) -> AbandonStats | None:
        """The campaign's statistics over the window of the first abandonment rule in scope."""
        if attempt.method is not Method.PREDICTIVE:
            return None
        rows: list[AbandonmentRule] = self.gate.rules.rows("abandonment", states, attempt.at.date())
        a = attempt
        rules = [r for r in rows if r.scope.covers(a.purpose, a.channel, a.method, a.line_type)]
        if not rules:
            return None
        rule = rules[0]
        # The rate is over 30 days of calls: it is computed once per campaign and minute of
        # the attempt, and reused for at most ABANDONMENT_TTL of real time.
        minute = attempt.at.replace(second=0, microsecond=0)
        key = (attempt.campaign, rule.meta.id, minute)
        now = self.clock.now()
        cached = self._abandonment_cache.get(key)
        if cached is not None and now - cached[0] < ABANDONMENT_TTL:
            return cached[1]
        stats = uow.history.abandonment(
            attempt.campaign,
            minute - timedelta(days=rule.window_days),
            minute,
            rule.connect_within_s,
        )
        if len(self._abandonment_cache) >= 4096:  # noqa: PLR2004 - bound the memo
            self._abandonment_cache.clear()
        self._abandonment_cache[key] = (now, stats)
        return stats


def _touches_db(needs: FactNeeds, attempt: Attempt) -> bool:
    """Whether any fact of this attempt lives in the database."""
    return (
        needs.consents
        or needs.history
        or needs.emergencies
        or needs.exemptions
        or attempt.method is Method.PREDICTIVE
    )


def history_lookback(rules: RuleSet) -> timedelta:
    """How far back a decision needs the call history: the longest frequency window, plus a day.

    Calendar-day windows and quiet periods reach back to the start of a local day, so they get
    one extra day; never less than ``HISTORY_LOOKBACK``.
    """
    longest = HISTORY_LOOKBACK
    for cap in rules.frequency_caps:
        for span in (
            timedelta(hours=cap.window_hours or 0),
            timedelta(days=(cap.window_days or 0) + 1),
            timedelta(days=(cap.quiet_days_after_conversation or 0) + 1),
        ):
            longest = max(longest, span)
    return longest


def _as_past(attempt: Attempt, number: int) -> PastAttempt:
    """An allowed check recorded as an attempt whose outcome is not yet known."""
    return PastAttempt(
        phone=number,
        at=attempt.at,
        seller=attempt.seller,
        campaign=attempt.campaign,
        purpose=attempt.purpose,
        channel=attempt.channel,
        method=attempt.method,
        outcome=Outcome.NO_ANSWER,
    )
