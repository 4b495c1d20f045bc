"""The check use case: load the facts an attempt needs, ask the gate, optionally record it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from callwarden.core.decision import Decision
from callwarden.core.gate.context import Facts, SellerPolicy
from callwarden.core.gate.gate import Gate
from callwarden.core.ports import Clock, DncLookup, UnitOfWork
from callwarden.core.rules.model import AbandonmentRule
from callwarden.core.types import Attempt, Method, Outcome, PastAttempt

#: How much history a decision loads: the longest frequency window plus a margin.
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

    def check(self, attempts: Sequence[Attempt], *, record: bool = False) -> list[Decision]:
        """Decide each attempt; with ``record``, store every allowed one as a past attempt."""
        decisions: list[Decision] = []
        refreshed = self.dnc.refreshed()
        with self.uow() as uow:
            for attempt in attempts:
                number = self.gate.national(attempt.phone)
                if number is None:
                    decisions.append(self.gate.decide(attempt, Facts()))
                    continue
                facts = self._facts(uow, attempt, number, refreshed)
                policy = SellerPolicy(
                    litigator_blocks=self.litigator_blocks,
                    exempt_lists=uow.sellers.exemptions(attempt.seller),
                )
                decision = self.gate.decide(attempt, facts, policy)
                decisions.append(decision)
                if record and decision.allowed:
                    uow.history.add([_as_past(attempt, number)], source="check")
            if record:
                uow.commit()
        return decisions

    def _facts(self, uow: UnitOfWork, attempt: Attempt, number: int, refreshed: object) -> Facts:
        states = {s for s in [self.gate.plan.lookup(number)[0]] if s}
        if attempt.address and attempt.address.state:
            states.add(attempt.address.state.upper())
        abandonment = None
        if attempt.method is Method.PREDICTIVE:
            rules: list[AbandonmentRule] = self.gate.rules.rows(
                "abandonment", [], attempt.at.date()
            )
            if rules:
                rule = rules[0]
                abandonment = uow.history.abandonment(
                    attempt.campaign,
                    attempt.at - timedelta(days=rule.window_days),
                    attempt.at,
                    rule.connect_within_s,
                )
        return Facts(
            dnc_hits=self.dnc.hits(number, attempt.seller),
            list_refreshed=refreshed,  # type: ignore[arg-type]
            consents=uow.consents.for_number(number, attempt.seller),
            history=uow.history.recent(number, attempt.seller, attempt.at - HISTORY_LOOKBACK),
            abandonment=abandonment,
            reassigned_at=uow.reassigned.disconnected_at(number),
            emergencies=uow.emergencies.active(states, attempt.at),
        )


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
