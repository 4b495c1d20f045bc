"""The call history service on SQLite and PostgreSQL: bulk import in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from callwarden.bootstrap import App
from callwarden.core.types import Channel, Method, Outcome, PastAttempt, Purpose
from callwarden.errors import InvalidInput
from callwarden.services.history import HistoryService
from callwarden.testing import FixedClock

NOW = datetime(2026, 3, 4, tzinfo=UTC)
START = datetime(2026, 3, 2, 15, tzinfo=UTC)


def attempt(i: int, **overrides: object) -> PastAttempt:
    values: dict[str, object] = {
        "phone": 2142340000 + i % 5000,
        "at": START + timedelta(seconds=7 * i),
        "seller": "acme",
        "campaign": "spring",
        "purpose": Purpose.TELEMARKETING,
        "channel": Channel.VOICE,
        "method": Method.PREDICTIVE,
        "outcome": Outcome.CONVERSATION,
        "connect_delay_s": 0.8,
        "ring_s": 9.5,
    }
    values.update(overrides)
    return PastAttempt(**values)  # type: ignore[arg-type]


@pytest.fixture
def service(db_app: App) -> HistoryService:
    return HistoryService(uow=db_app.uow, clock=FixedClock(NOW))


def test_records_are_stored_and_read_back(db_app: App, service: HistoryService) -> None:
    """A stored record is found by the frequency lookups with every field intact."""
    record = attempt(0, outcome=Outcome.ABANDONED, connect_delay_s=None, ring_s=None)
    result = service.record([record], source="import")
    assert (result.stored, result.finished_at) == (1, NOW)
    with db_app.uow() as uow:
        assert uow.history.recent(record.phone, "acme", START) == (record,)


def test_twelve_thousand_records_cross_bulk_batches(db_app: App, service: HistoryService) -> None:
    """A generator of 12,000 records is stored in chunks inside one transaction."""
    assert service.record(attempt(i) for i in range(12_000)).stored == 12_000
    with db_app.uow() as uow:
        stats = uow.history.abandonment("spring", START, NOW, 2.0)
    assert stats.answered_live == 12_000


def test_a_failure_after_the_first_chunk_stores_nothing(
    db_app: App, service: HistoryService
) -> None:
    """Chunks already sent to the database are rolled back with the rest."""

    def records() -> Iterator[PastAttempt]:
        yield from (attempt(i) for i in range(7_500))
        raise InvalidInput("line 7501: the file ends mid-record")

    with pytest.raises(InvalidInput):
        service.record(records())
    with db_app.uow() as uow:
        assert uow.history.abandonment("spring", START, NOW, 2.0).answered_live == 0


def test_hourly_counts_match_the_gate_window_counts(db_app: App, service: HistoryService) -> None:
    """live_calls_by_hour counts exactly what the gate's abandonment stats count."""
    outcomes = [Outcome.CONVERSATION, Outcome.ABANDONED, Outcome.NO_ANSWER, Outcome.BUSY]
    records = [
        attempt(
            i,
            at=START + timedelta(minutes=13 * i),
            outcome=outcomes[i % 4],
            connect_delay_s=[0.5, 2.0, 2.01, 3.5][i % 4 if i % 3 else 0],
            channel=Channel.SMS if i % 11 == 0 else Channel.VOICE,
            campaign="spring" if i % 7 else "summer",
        )
        for i in range(400)
    ]
    service.record(records)
    with db_app.uow() as uow:
        hours = uow.history.live_calls_by_hour(None, START, NOW, 2.0)
        for name in ("spring", "summer"):
            stats = uow.history.abandonment(name, START, NOW, 2.0)
            mine = [h for h in hours if h[0] == name]
            assert sum(h[2] for h in mine) == stats.answered_live
            assert sum(h[3] for h in mine) == stats.abandoned
        only_summer = uow.history.live_calls_by_hour("summer", START, NOW, 2.0)
    assert {h[0] for h in only_summer} == {"summer"}
    assert all(h[1].minute == 0 and h[1].tzinfo is UTC for h in hours)
    first = min(h[1] for h in hours)
    assert first == START
