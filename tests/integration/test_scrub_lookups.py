"""The bulk lookups ``scrub`` uses, on SQLite and PostgreSQL, agree with the one-number lookups.

Both strategies are exercised: few stored rows (the table's numbers are read and intersected)
and few asked numbers (chunked ``IN`` queries).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from callwarden.bootstrap import App
from callwarden.core.types import (
    Channel,
    Consent,
    ConsentKind,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)
from callwarden.storage.db import repositories

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
STORED = [2142345000 + i for i in range(0, 3_000, 7)]


@pytest.fixture
def stored(db_app: App) -> App:
    with db_app.uow() as uow:
        uow.consents.add(
            Consent(
                phone=p,
                seller="acme" if i % 5 else "other",
                kind=list(ConsentKind)[i % 4],
                at=NOW - timedelta(days=i % 40),
                revoked_at=NOW if i % 3 == 0 else None,
            )
            for i, p in enumerate(STORED)
        )
        uow.history.add(
            [
                PastAttempt(
                    phone=p, at=NOW - timedelta(days=i % 20), seller="acme", campaign="spring",
                    purpose=Purpose.TELEMARKETING, channel=Channel.VOICE, method=Method.MANUAL,
                    outcome=Outcome.NO_ANSWER,
                )
                for i, p in enumerate(STORED)
            ],
            source="test",
        )  # fmt: skip
        uow.reassigned.record({p: NOW - timedelta(days=3) for p in STORED[::4]}, source="test")
        uow.commit()
    return db_app


@pytest.mark.parametrize(
    ("asked", "chunk", "json"),
    [(3_000, None, True), (40, None, True), (400, 16, True), (400, 16, False)],
    ids=["many-asked", "few-asked", "many-chunks", "in-lists"],
)
def test_bulk_lookups_agree_with_single_lookups(
    stored: App, asked: int, chunk: int | None, json: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numbers are bound as one array (SQLite: JSON, PostgreSQL: an array) per chunk.

    ``in-lists``: an SQLite without ``json_each`` is asked with ``IN`` lists instead.
    """
    if chunk is not None:
        monkeypatch.setattr(repositories, "_LIST_CHUNK", chunk)
        monkeypatch.setattr(repositories, "_IN_CHUNK", chunk)
    monkeypatch.setattr(repositories, "SQLITE_HAS_JSON", json)
    phones = np.arange(2142345000, 2142345000 + asked, dtype=np.int64)
    phones = np.concatenate([phones, phones[:10]])  # duplicates are fine
    since = NOW - timedelta(days=10)
    asked_set = set(phones.tolist())
    with stored.uow() as uow:
        consents = uow.consents.consents_for_numbers(phones, "acme")
        history = uow.history.recent_for_numbers(phones, "acme", since)
        reassigned = uow.reassigned.disconnected_for_numbers(phones)
        for p in [*STORED[::9], *range(2142345001, 2142345040, 3)]:
            if p in asked_set:
                assert consents.get(p, ()) == uow.consents.for_number(p, "acme")
                assert history.get(p, ()) == uow.history.recent(p, "acme", since)
                assert reassigned.get(p) == uow.reassigned.disconnected_at(p)
    kept = [(i, p) for i, p in enumerate(STORED) if p in asked_set]
    assert set(consents) == {p for i, p in kept if i % 5}
    assert set(history) == {p for i, p in kept if i % 20 <= 10}
    assert set(reassigned) == {p for i, p in kept if i % 4 == 0}
    assert consents
    assert reassigned


def test_nothing_stored_and_nothing_asked(db_app: App) -> None:
    with db_app.uow() as uow:
        assert uow.consents.consents_for_numbers(np.array([2142345678]), "acme") == {}
        assert uow.history.recent_for_numbers(np.array([], np.int64), "acme", NOW) == {}
        assert uow.reassigned.disconnected_for_numbers(np.array([2142345678])) == {}


def test_whether_a_seller_has_any_facts(stored: App) -> None:
    """A scrub asks once whether its seller holds consents or recent calls at all."""
    with stored.uow() as uow:
        assert uow.consents.any_for_seller("acme") and uow.consents.any_for_seller("other")
        assert not uow.consents.any_for_seller("nobody")
        assert uow.history.any_for_seller("acme", NOW - timedelta(days=19))
        assert uow.history.any_for_seller("acme", NOW)  # the newest call is at NOW
        assert not uow.history.any_for_seller("acme", NOW + timedelta(microseconds=1))
        assert not uow.history.any_for_seller("other", NOW - timedelta(days=30))
