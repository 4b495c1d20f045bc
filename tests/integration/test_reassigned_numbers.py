"""Reassigned-number data on SQLite and PostgreSQL: the latest disconnection per number wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callwarden.bootstrap import App
from callwarden.services import reassigned
from callwarden.services.reassigned import ReassignedService
from callwarden.testing import FixedClock

JAN = datetime(2026, 1, 31, 12, tzinfo=UTC)


@pytest.fixture
def service(db_app: App) -> ReassignedService:
    return ReassignedService(uow=db_app.uow, clock=FixedClock(JAN + timedelta(days=60)))


def disconnected(db_app: App, phone: int) -> datetime | None:
    with db_app.uow() as uow:
        return uow.reassigned.disconnected_at(phone)


def test_a_later_disconnection_replaces_an_earlier_one(
    db_app: App, service: ReassignedService
) -> None:
    """Reimporting a newer file moves the date later; an older file never moves it back."""
    first = service.record([(2142345678, JAN), (5412345678, JAN)], source="rnd-2026-01.csv")
    assert (first.read, first.changed) == (2, 2)
    later = JAN + timedelta(days=20)
    second = service.record(
        [(2142345678, later), (5412345678, JAN - timedelta(days=300))], source="rnd-2026-02.csv"
    )
    assert (second.read, second.changed) == (2, 1)
    assert disconnected(db_app, 2142345678) == later
    assert disconnected(db_app, 5412345678) == JAN
    assert disconnected(db_app, 2125551234) is None


def test_repeats_within_and_across_chunks_keep_the_latest(
    db_app: App, service: ReassignedService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same number several times in one file, split over chunks, keeps its latest date."""
    monkeypatch.setattr(reassigned, "CHUNK", 3)
    rows = [(2142345678, JAN + timedelta(days=d)) for d in (5, 1, 9, 2, 7, 3, 8)]
    rows += [(2142340000 + i, JAN) for i in range(2_500)]
    result = service.record(rows, source="rnd.csv")
    assert result.read == 2_507
    assert disconnected(db_app, 2142345678) == JAN + timedelta(days=9)
    assert disconnected(db_app, 2142342499) == JAN
