"""The check's driver-level reads give the repositories' answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callwarden.bootstrap import App
from callwarden.core.types import (
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)
from callwarden.storage.db.fact_reads import SqlFactReads

NOW = datetime(2026, 3, 3, 15, 0, 0, 250_000, tzinfo=UTC)
PHONE, OTHER = 2142345678, 3052345678


@pytest.fixture
def stored(db_app: App) -> App:
    with db_app.uow() as uow:
        uow.consents.add(
            [
                Consent(
                    phone=PHONE, seller="acme", kind=ConsentKind.WRITTEN,
                    at=NOW - timedelta(days=40), revoked_at=NOW - timedelta(seconds=1),
                    scope="solar quotes", evidence={"form_url": "https://x.example/f", "ip": "1"},
                ),
                Consent(
                    phone=PHONE, seller="acme", kind=ConsentKind.EBR_PURCHASE,
                    at=NOW - timedelta(days=400),
                ),
                Consent(phone=PHONE, seller="globex", kind=ConsentKind.EXPRESS, at=NOW),
            ]
        )  # fmt: skip
        uow.history.add(
            [
                PastAttempt(
                    phone=PHONE, at=NOW - timedelta(hours=h, microseconds=h), seller="acme",
                    campaign="spring", purpose=Purpose.TELEMARKETING, channel=Channel.SMS,
                    method=Method.AUTODIALER, outcome=Outcome.CONVERSATION,
                    connect_delay_s=1.5 if h % 2 else None, ring_s=12.0,
                )
                for h in (1, 30, 800)
            ],
            source="test",
        )  # fmt: skip
        uow.reassigned.record({PHONE: NOW - timedelta(days=3)}, source="test")
        for state, zips, start in (
            ("FL", {"33101", "33102"}, -1),
            ("FL", set(), 2),
            ("TX", set(), -5),
        ):
            uow.emergencies.add(
                EmergencyDeclaration(
                    state=state, starts_at=NOW + timedelta(days=start),
                    ends_at=NOW + timedelta(days=start + 4), citation=f"EO {state} {start}",
                    zips=frozenset(zips),
                )
            )  # fmt: skip
        uow.sellers.set_exemption("acme", "state:TX", "a charity (test)")
        uow.commit()
    return db_app


def test_driver_reads_match_the_repositories(stored: App) -> None:
    since = NOW - timedelta(hours=30)  # the 30-hour attempt is exactly on the boundary
    with stored.uow() as uow, SqlFactReads(stored.engine)() as reads:
        for phone in (PHONE, OTHER):
            for seller in ("acme", "globex", "nobody"):
                assert reads.consents(phone, seller) == uow.consents.for_number(phone, seller)
                assert reads.recent(phone, seller, since) == uow.history.recent(
                    phone, seller, since
                )
            assert reads.disconnected_at(phone) == uow.reassigned.disconnected_at(phone)
        assert (
            reads.exemptions("acme")
            == uow.sellers.exemptions("acme")
            == {"state:TX": "a charity (test)"}
        )
        assert reads.exemptions("globex") == {}
        for at in (NOW, NOW + timedelta(days=2, microseconds=1), NOW + timedelta(days=9)):
            ours = reads.emergencies(["FL", "TX", "CA"], at)
            theirs = uow.emergencies.active(["FL", "TX", "CA"], at)
            assert sorted(ours, key=repr) == sorted(theirs, key=repr)
    with SqlFactReads(stored.engine)() as reads:
        assert len(reads.consents(PHONE, "acme")) == 2
        assert reads.consents(PHONE, "acme")[1].evidence == {
            "form_url": "https://x.example/f",
            "ip": "1",
        }
        # 30 hours and 30 µs ago is just before ``since``; 800 hours ago is long before it
        assert [p.at for p in reads.recent(PHONE, "acme", since)] == [
            NOW - timedelta(hours=1, microseconds=1)
        ]
        assert [p.at for p in reads.recent(PHONE, "acme", since - timedelta(microseconds=30))] == [
            NOW - timedelta(hours=30, microseconds=30),
            NOW - timedelta(hours=1, microseconds=1),
        ]


def test_a_naive_instant_is_refused(stored: App) -> None:
    with SqlFactReads(stored.engine)() as reads, pytest.raises(ValueError, match="naive"):
        reads.recent(PHONE, "acme", datetime(2026, 3, 1, 12, 0))


def test_reads_on_a_sqlite_file_reuse_their_connections_and_see_later_writes(
    stored: App,
) -> None:
    """Kept connections start a new snapshot per read; a failed read's connection is closed."""
    source = SqlFactReads(stored.engine)
    with source() as first:
        assert len(first.consents(PHONE, "acme")) == 2
        held = first._connection
    with source() as second:
        reused = second._connection is held
    with stored.uow() as uow:  # written while the connection sits idle
        uow.consents.add([Consent(phone=OTHER, seller="acme", kind=ConsentKind.WRITTEN, at=NOW)])
        uow.commit()
    with source() as third:
        assert [c.phone for c in third.consents(OTHER, "acme")] == [OTHER]
    if stored.engine.dialect.name != "sqlite":
        assert not reused  # PostgreSQL keeps using the engine's pool
        return
    assert reused
    with pytest.raises(ValueError, match="naive"), source() as failing:
        broken = failing._connection
        failing.recent(PHONE, "acme", datetime(2026, 3, 1, 12, 0))
    with source() as after:
        assert after._connection is not broken
    source.close()
    assert source._idle == []
