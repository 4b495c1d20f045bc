"""What a check needs to decide: the attempt, where the party is, the rules and the facts.

Facts are loaded by the service layer (DNC membership, consents, history, campaign statistics)
and passed in, so every check is a pure function of its context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from callwarden.core.decision import JurisdictionCandidate
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Consent, EmergencyDeclaration, PastAttempt


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonStats:
    """A campaign's predictive-dialer outcomes over the measurement window."""

    campaign: str
    answered_live: int
    abandoned: int

    @property
    def rate(self) -> float:
        """Abandoned calls over calls answered by a person (0 when none was answered)."""
        return self.abandoned / self.answered_live if self.answered_live else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """Stored facts about one number and seller, as of the attempt."""

    dnc_hits: frozenset[str] = frozenset()  # "national", "state:TX", "internal", "litigator"
    list_refreshed: Mapping[str, datetime] = field(default_factory=dict)  # absent: never loaded
    consents: tuple[Consent, ...] = ()  # this number and this seller
    history: tuple[PastAttempt, ...] = ()  # this number and this seller, newest last
    abandonment: AbandonStats | None = None  # the attempt's campaign
    reassigned_at: datetime | None = None  # permanently disconnected at
    emergencies: tuple[EmergencyDeclaration, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SellerPolicy:
    """A seller's configuration: which lists do not apply to it (and why), litigator policy."""

    litigator_blocks: bool = True
    exempt_lists: Mapping[str, str] = field(default_factory=dict)  # list name -> reason


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckContext:
    """Everything a check may look at."""

    attempt: Attempt
    national: int  # the 10-digit number, already validated
    candidates: tuple[JurisdictionCandidate, ...]
    rules: RuleSet
    facts: Facts
    policy: SellerPolicy
    local_times: tuple[datetime, ...] = ()  # the attempt's instant in each candidate's zone
    #: What checks computed about this context (rows in scope, ...), shared among them.
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def locals_at(self, instant: datetime) -> tuple[datetime, ...]:
        """``instant`` in each candidate's zone (precomputed for the attempt's own instant)."""
        if instant is self.attempt.at and self.local_times:
            return self.local_times
        return tuple(instant.astimezone(_zone(c.tz)) for c in self.candidates)

    @property
    def states(self) -> frozenset[str]:
        """The US states among the candidate jurisdictions."""
        return frozenset(c.state for c in self.candidates if c.state)

    def at(self, instant: datetime) -> CheckContext:
        """The same context with the attempt moved to another instant.

        What the checks memoized depends on the candidates' local dates and the attempt's
        scope; when every local date is unchanged, the moved context starts with it. An entry
        that depends on the instant or on the stored facts must carry what it is for.
        """
        return self.like(self.attempt.at_instant(instant), self.national)

    def like(self, attempt: Attempt, national: int) -> CheckContext:
        """The same context for another attempt and number with the same candidates and kind.

        What the checks memoized comes along when every local date is unchanged (see ``at``).
        """
        local_times = tuple(attempt.at.astimezone(_zone(c.tz)) for c in self.candidates)
        moved = CheckContext(
            attempt=attempt,
            national=national,
            candidates=self.candidates,
            rules=self.rules,
            facts=self.facts,
            policy=self.policy,
            local_times=local_times,
        )
        own = self.local_times
        if (
            self.memo
            and own
            and all(a.date() == b.date() for a, b in zip(own, local_times, strict=True))
        ):
            moved.memo.update(self.memo)
        return moved


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
