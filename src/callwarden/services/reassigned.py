"""The reassigned-numbers use case: store permanent disconnections.

A number permanently disconnected after a consent was obtained may now belong to someone else,
and the consent does not carry over (47 CFR 64.1200(a)(2) and (m); the FCC's Reassigned Numbers
Database, 47 CFR 64.1200(l), reports the date of a number's most recent permanent
disconnection). Only the latest disconnection per number matters, so older ones never replace a
newer one already stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from callwarden.core.ports import Clock, UnitOfWork

#: Disconnections handed to the repository per bulk step.
CHUNK = 5_000


@dataclass(frozen=True, slots=True, kw_only=True)
class ReassignedImport:
    """What an import read and changed."""

    read: int
    changed: int  # numbers added, or whose disconnection moved later
    finished_at: datetime


class ReassignedService:
    """Store reassigned-number data."""

    def __init__(self, *, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        """Compose with a unit-of-work factory and a clock."""
        self.uow = uow
        self.clock = clock

    def record(
        self, disconnections: Iterable[tuple[int, datetime]], *, source: str
    ) -> ReassignedImport:
        """Store (number, disconnected at) pairs in one transaction, latest per number."""
        read = changed = 0
        rows = iter(disconnections)
        with self.uow() as uow:
            while chunk := list(islice(rows, CHUNK)):
                read += len(chunk)
                latest: dict[int, datetime] = {}
                for phone, at in chunk:
                    if phone not in latest or at > latest[phone]:
                        latest[phone] = at
                changed += uow.reassigned.record(latest, source=source)
            uow.commit()
        return ReassignedImport(read=read, changed=changed, finished_at=self.clock.now())
