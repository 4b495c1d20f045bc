"""The call history use case: store call detail records from the dialer.

The history is what frequency caps (12 CFR 1006.14(b)(2); state caps) and the abandonment
safe harbor (16 CFR 310.4(b)(4); 47 CFR 64.1200(a)(7)) are counted from. Records arrive in
large files, so they are streamed into the database in bulk batches inside one transaction:
an import either stores every good record or, on any failure, none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from callwarden.core.ports import Clock, UnitOfWork
from callwarden.core.types import PastAttempt

#: Records handed to the repository per bulk insert.
CHUNK = 5_000


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryImport:
    """What an import stored, and when it finished."""

    stored: int
    source: str
    finished_at: datetime


class HistoryService:
    """Store call detail records."""

    def __init__(self, *, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        """Compose with a unit-of-work factory and a clock."""
        self.uow = uow
        self.clock = clock

    def record(self, attempts: Iterable[PastAttempt], *, source: str = "import") -> HistoryImport:
        """Store attempts in one transaction, in bulk chunks of ``CHUNK``.

        ``attempts`` may be a generator over a file of millions of lines; it is consumed
        inside the transaction, so an error while reading it stores nothing.
        """
        stored = 0
        records = iter(attempts)
        with self.uow() as uow:
            while chunk := list(islice(records, CHUNK)):
                stored += uow.history.add(chunk, source=source)
            uow.commit()
        return HistoryImport(stored=stored, source=source, finished_at=self.clock.now())
