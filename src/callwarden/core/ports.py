"""Protocols through which services reach storage and the clock.

Implemented by ``storage`` and, in memory, by ``callwarden.testing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from callwarden.core.gate.context import AbandonStats
from callwarden.core.types import Consent, EmergencyDeclaration, PastAttempt


class Clock(Protocol):
    """Where services get the current time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class DncLookup(Protocol):
    """Membership of numbers in the loaded do-not-call lists."""

    def hits(self, national: int, seller: str) -> frozenset[str]:
        """Names of the lists containing the number ("internal" for this seller's own list)."""
        ...

    def contains_many(
        self, list_name: str, numbers: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Vectorized membership of 10-digit numbers in one list (False where absent)."""
        ...

    def refreshed(self) -> Mapping[str, datetime]:
        """When each loaded list was last refreshed (a full or change import)."""
        ...


class ConsentRepository(Protocol):
    """The consent ledger."""

    def for_number(self, phone: int, seller: str) -> tuple[Consent, ...]:
        """Every consent (active or revoked) of a number to a seller."""
        ...

    def add(self, consents: Iterable[Consent]) -> int:
        """Store consents; return how many were stored."""
        ...

    def revoke(self, phone: int, seller: str, at: datetime) -> int:
        """Revoke every active consent of the number to the seller at ``at``."""
        ...


class AttemptHistory(Protocol):
    """Past attempts (call detail records)."""

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """Attempts to the number by the seller at or after ``since``, oldest first."""
        ...

    def add(self, attempts: Sequence[PastAttempt], source: str) -> int:
        """Store attempts; return how many were stored."""
        ...

    def abandonment(
        self, campaign: str, since: datetime, until: datetime, connect_within_s: float
    ) -> AbandonStats:
        """A campaign's calls answered by a person and abandoned in [since, until)."""
        ...


class ReassignedNumbers(Protocol):
    """Numbers permanently disconnected (reassigned-numbers data)."""

    def disconnected_at(self, phone: int) -> datetime | None:
        """When the number was last permanently disconnected, if ever."""
        ...


class Emergencies(Protocol):
    """Declared emergencies."""

    def active(self, states: Iterable[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        """Declarations of these states in force at ``at``."""
        ...


class SellerPolicies(Protocol):
    """Per-seller gate configuration."""

    def exemptions(self, seller: str) -> Mapping[str, str]:
        """List name -> reason, for lists the seller says do not apply to it."""
        ...


class UnitOfWork(Protocol):
    """A transaction with the repositories bound to it."""

    @property
    def consents(self) -> ConsentRepository:
        """The consent ledger."""
        ...

    @property
    def history(self) -> AttemptHistory:
        """The call history."""
        ...

    @property
    def reassigned(self) -> ReassignedNumbers:
        """Reassigned numbers."""
        ...

    @property
    def emergencies(self) -> Emergencies:
        """Declared emergencies."""
        ...

    @property
    def sellers(self) -> SellerPolicies:
        """Seller policies."""
        ...

    def __enter__(self) -> UnitOfWork:
        """Open the transaction."""
        ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Commit."""
        ...
