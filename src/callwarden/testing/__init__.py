"""Public test helpers: a fixed clock and in-memory implementations of the core ports.

Services run on these in unit tests; the SQL and file-backed implementations are tested
against the same behaviour in the integration tests.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from callwarden.core.gate.context import AbandonStats
from callwarden.core.types import (
    Channel,
    Consent,
    EmergencyDeclaration,
    Outcome,
    PastAttempt,
)


@dataclass
class FixedClock:
    """A clock that says what it is told."""

    instant: datetime

    def now(self) -> datetime:
        """The fixed instant."""
        return self.instant

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.instant += delta


@dataclass
class MemoryDnc:
    """DNC lists in memory: list name -> set of numbers, plus refresh times."""

    lists: dict[str, set[int]] = field(default_factory=dict)
    refreshed_at: dict[str, datetime] = field(default_factory=dict)

    def hits(
        self, national: int, seller: str, states: Collection[str] | None = None
    ) -> frozenset[str]:
        """Lists containing the number (the seller's own internal list as "internal")."""
        found = set()
        for name, numbers in self.lists.items():
            if national not in numbers:
                continue
            if states is not None and name.startswith("state:") and name[6:] not in states:
                continue
            if name.startswith("internal:"):
                if name == f"internal:{seller}":
                    found.add("internal")
            else:
                found.add(name)
        return frozenset(found)

    def contains_many(
        self, list_name: str, numbers: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Vectorized membership."""
        members = self.lists.get(list_name, set())
        return np.fromiter((int(n) in members for n in numbers), dtype=bool, count=len(numbers))

    def refreshed(self) -> Mapping[str, datetime]:
        """Refresh times."""
        return dict(self.refreshed_at)

    def names(self) -> frozenset[str]:
        """The lists held (an empty one counts: it holds a version)."""
        return frozenset(self.lists)


@dataclass
class MemoryConsents:
    """The consent ledger in memory."""

    rows: list[Consent] = field(default_factory=list)

    def any_for_seller(self, seller: str) -> bool:
        """Whether the seller holds any consent."""
        return any(c.seller == seller for c in self.rows)

    def for_number(self, phone: int, seller: str) -> tuple[Consent, ...]:
        """Consents of a number to a seller."""
        return tuple(c for c in self.rows if c.phone == phone and c.seller == seller)

    def consents_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str
    ) -> dict[int, tuple[Consent, ...]]:
        """Consents of many numbers to a seller, oldest first; numbers without any left out."""
        wanted = {int(p) for p in phones}
        found: dict[int, list[Consent]] = {}
        for c in sorted(self.rows, key=lambda c: c.at):
            if c.phone in wanted and c.seller == seller:
                found.setdefault(c.phone, []).append(c)
        return {phone: tuple(items) for phone, items in found.items()}

    def add(self, consents: Iterable[Consent]) -> int:
        """Store consents."""
        new = list(consents)
        self.rows.extend(new)
        return len(new)

    def revoke(self, phone: int, seller: str, at: datetime) -> int:
        """Revoke active consents."""
        count = 0
        for i, c in enumerate(self.rows):
            if c.phone == phone and c.seller == seller and c.revoked_at is None:
                self.rows[i] = replace(c, revoked_at=at)
                count += 1
        return count


@dataclass
class MemoryHistory:
    """Call history in memory."""

    rows: list[PastAttempt] = field(default_factory=list)

    def any_for_seller(self, seller: str, since: datetime) -> bool:
        """Whether the seller made any attempt since ``since``."""
        return any(a.seller == seller and a.at >= since for a in self.rows)

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """Attempts since ``since``, oldest first."""
        found = [a for a in self.rows if a.phone == phone and a.seller == seller and a.at >= since]
        return tuple(sorted(found, key=lambda a: a.at))

    def recent_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str, since: datetime
    ) -> dict[int, tuple[PastAttempt, ...]]:
        """``recent`` for many numbers; numbers without attempts left out."""
        wanted = {int(p) for p in phones}
        found: dict[int, list[PastAttempt]] = {}
        for a in sorted(self.rows, key=lambda a: a.at):
            if a.phone in wanted and a.seller == seller and a.at >= since:
                found.setdefault(a.phone, []).append(a)
        return {phone: tuple(items) for phone, items in found.items()}

    def add(self, attempts: Sequence[PastAttempt], source: str) -> int:
        """Store attempts."""
        self.rows.extend(attempts)
        return len(attempts)

    def abandonment(
        self, campaign: str, since: datetime, until: datetime, connect_within_s: float
    ) -> AbandonStats:
        """Live-answered and abandoned voice calls of a campaign."""
        live = [
            a
            for a in self.rows
            if a.campaign == campaign
            and since <= a.at < until
            and a.channel is Channel.VOICE
            and a.outcome in (Outcome.CONVERSATION, Outcome.ABANDONED)
        ]
        lost = [
            a
            for a in live
            if a.outcome is Outcome.ABANDONED
            or (a.connect_delay_s is not None and a.connect_delay_s > connect_within_s)
        ]
        return AbandonStats(campaign=campaign, answered_live=len(live), abandoned=len(lost))


@dataclass
class MemoryReassigned:
    """Reassigned numbers in memory."""

    rows: dict[int, datetime] = field(default_factory=dict)

    def disconnected_at(self, phone: int) -> datetime | None:
        """When the number was disconnected."""
        return self.rows.get(phone)

    def disconnected_for_numbers(self, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
        """Disconnections of many numbers; numbers never disconnected left out."""
        return {int(p): self.rows[int(p)] for p in phones if int(p) in self.rows}


@dataclass
class MemoryEmergencies:
    """Declared emergencies in memory."""

    rows: list[EmergencyDeclaration] = field(default_factory=list)

    def active(self, states: Iterable[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        """Declarations in force."""
        wanted = set(states)
        return tuple(e for e in self.rows if e.state in wanted and e.starts_at <= at < e.ends_at)

    def all(self) -> tuple[EmergencyDeclaration, ...]:
        """Every declaration, newest first."""
        return tuple(sorted(self.rows, key=lambda e: e.starts_at, reverse=True))

    def add(self, declaration: EmergencyDeclaration) -> None:
        """Record a declaration."""
        self.rows.append(declaration)


@dataclass
class MemorySellers:
    """Seller list exemptions in memory."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def exemptions(self, seller: str) -> Mapping[str, str]:
        """List name -> reason."""
        return dict(self.rows.get(seller, {}))


@dataclass
class MemoryUnitOfWork:
    """A unit of work over the in-memory repositories (commits are counted)."""

    consents: MemoryConsents = field(default_factory=MemoryConsents)
    history: MemoryHistory = field(default_factory=MemoryHistory)
    reassigned: MemoryReassigned = field(default_factory=MemoryReassigned)
    emergencies: MemoryEmergencies = field(default_factory=MemoryEmergencies)
    sellers: MemorySellers = field(default_factory=MemorySellers)
    commits: int = 0

    def __enter__(self) -> MemoryUnitOfWork:
        """Start (nothing to open)."""
        return self

    def __exit__(self, *args: object) -> None:
        """End (memory has no rollback)."""

    def commit(self) -> None:
        """Count the commit."""
        self.commits += 1


__all__ = [
    "FixedClock",
    "MemoryConsents",
    "MemoryDnc",
    "MemoryEmergencies",
    "MemoryHistory",
    "MemoryReassigned",
    "MemorySellers",
    "MemoryUnitOfWork",
]
