"""The check's driver-level reads give the repositories' answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
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
from callwarden.storage.db import fact_reads
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


@pytest.mark.parametrize("json_each", [True, False], ids=["one-parameter", "in-lists"])
def test_bulk_reads_match_the_repositories(
    stored: App, json_each: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's reads: many numbers per query, the same answers as the repositories' reads.

    ``in-lists`` is SQLite without ``json_each`` (before 3.38): chunks of ``IN`` parameters,
    made small here so that the numbers take several chunks.
    """
    if not json_each:
        if stored.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL always takes the numbers as one array")
        monkeypatch.setattr(fact_reads, "SQLITE_HAS_JSON", False)
        monkeypatch.setattr(fact_reads, "_IN_CHUNK", 3)
    with stored.uow() as uow:  # more numbers, so that the reads span several chunks
        uow.consents.add(
            [
                Consent(phone=OTHER + k, seller="acme", kind=ConsentKind.EXPRESS, at=NOW)
                for k in range(1, 8)
            ]
        )
        uow.reassigned.record({OTHER + 2: NOW, OTHER + 5: NOW - timedelta(days=1)}, source="t")
        uow.commit()
    asked = np.array([OTHER + k for k in range(9)] + [PHONE, PHONE, 9999999999], dtype=np.int64)
    since = NOW - timedelta(hours=30)
    with stored.uow() as uow, SqlFactReads(stored.engine)() as reads:
        for seller in ("acme", "globex", "nobody"):
            ours = reads.consents_for_numbers(asked, seller)
            assert ours == uow.consents.consents_for_numbers(asked, seller)
            assert ours == {
                n: c for n in set(asked.tolist()) if (c := uow.consents.for_number(n, seller))
            }
            recent = reads.recent_for_numbers(asked, seller, since)
            assert recent == uow.history.recent_for_numbers(asked, seller, since)
        assert len(reads.consents_for_numbers(asked, "acme")) == 8  # 7 + PHONE
        assert [p.at for p in reads.recent_for_numbers(asked, "acme", since)[PHONE]] == [
            NOW - timedelta(hours=1, microseconds=1)
        ]
        assert reads.disconnected_for_numbers(asked) == uow.reassigned.disconnected_for_numbers(
            asked
        )
        assert set(reads.disconnected_for_numbers(asked)) == {PHONE, OTHER + 2, OTHER + 5}
        assert reads.declarations() == uow.emergencies.all()
        assert len(reads.declarations()) == 3
        empty = np.empty(0, dtype=np.int64)
        assert reads.consents_for_numbers(empty, "acme") == {}
        assert reads.disconnected_for_numbers(empty) == {}


def test_evidence_json_python_takes_and_orjson_refuses_is_read(stored: App) -> None:
    """Evidence stored as JSON that only Python's reader takes (NaN) is still read."""
    if stored.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's JSON type refuses NaN when it is written")
    with stored.uow() as uow:
        uow.consents.add(
            [
                Consent(
                    phone=OTHER, seller="acme", kind=ConsentKind.WRITTEN, at=NOW,
                    evidence={"score": float("nan"), "ip": "1"},
                )
            ]
        )  # fmt: skip
        uow.commit()
    with SqlFactReads(stored.engine)() as reads:
        (consent,) = reads.consents(OTHER, "acme")
        (bulk,) = reads.consents_for_numbers(np.array([OTHER], dtype=np.int64), "acme")[OTHER]
    assert consent == bulk
    assert consent.evidence["ip"] == "1"
    assert math.isnan(consent.evidence["score"])


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
