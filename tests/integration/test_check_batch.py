"""A batch of attempts is decided exactly as each attempt alone, on SQLite and PostgreSQL.

The check service reads the stored facts of a batch together (a few queries per seller);
these tests hold it to the decisions of one attempt at a time, with every kind of stored fact
in play: consents (some revoked), call history under Florida's cap, reassigned numbers,
a declared emergency, and a seller's list exemption.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from callwarden.bootstrap import App
from callwarden.core.types import (
    Attempt,
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)
from callwarden.services.check import BULK_FROM

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Miami and 09:00 in Dallas
MIAMI = [3052345000 + i for i in range(0, 600, 3)]
DALLAS = [2142345000 + i for i in range(0, 600, 3)]
NEW_ORLEANS = [5042345000 + i for i in range(0, 60, 3)]
SELLERS = ("acme", "globex", "initech")


@pytest.fixture
def stored(db_app: App) -> App:
    """Lists, consents, history, reassignments, an emergency and an exemption."""
    fresh = NOW - timedelta(days=2)
    numbers = MIAMI + DALLAS + NEW_ORLEANS
    db_app.dnc.replace("national", np.array(numbers[::4]), fresh, {"file": "national.txt"})
    for state, located in (("FL", MIAMI), ("TX", DALLAS), ("LA", NEW_ORLEANS)):
        db_app.dnc.replace(f"state:{state}", np.array(located[1::5]), fresh, {"file": state})
    db_app.dnc_service.exempt("initech", "state:TX", "a registered charity (test)")
    with db_app.uow() as uow:
        uow.consents.add(
            Consent(
                phone=p,
                seller=SELLERS[i % 3],
                kind=list(ConsentKind)[i % 4],
                at=NOW - timedelta(days=30 + i % 400),
                revoked_at=NOW - timedelta(hours=i % 48) if i % 7 == 0 else None,
            )
            for i, p in enumerate(numbers)
            if i % 2
        )
        uow.history.add(
            [
                PastAttempt(
                    phone=p, at=NOW - timedelta(hours=h), seller=SELLERS[i % 3],
                    campaign="spring", purpose=Purpose.TELEMARKETING, channel=Channel.VOICE,
                    method=Method.MANUAL,
                    outcome=Outcome.CONVERSATION if h == 5 else Outcome.NO_ANSWER,
                )
                for i, p in enumerate(numbers)
                for h in range(1, 2 + i % 4)
            ],
            source="test",
        )  # fmt: skip
        uow.reassigned.record(
            {p: NOW - timedelta(days=10 + i % 30) for i, p in enumerate(numbers[1::4])},
            source="test",
        )
        uow.emergencies.add(
            EmergencyDeclaration(
                state="LA",
                starts_at=NOW - timedelta(days=1),
                ends_at=NOW + timedelta(days=5),
                citation="Proclamation 26-01 (test)",
            )
        )
        uow.commit()
    return db_app


def attempts(count: int, seed: int = 5) -> list[Attempt]:
    """Varied attempts over the stored numbers: every purpose, method, channel and seller."""
    rng = np.random.default_rng(seed)
    numbers = MIAMI + DALLAS + NEW_ORLEANS
    purposes, methods = list(Purpose), list(Method)
    pick = rng.integers(0, 1 << 30, size=(count, 4)).tolist()
    return [
        Attempt(
            id=f"a{i}",
            phone=f"+1{numbers[n % len(numbers)]}",
            at=NOW + timedelta(minutes=i),
            seller=SELLERS[i % 3],
            campaign="spring",
            purpose=purposes[p % len(purposes)] if p % 3 else Purpose.TELEMARKETING,
            method=methods[m % len(methods)],
            channel=Channel.SMS if c % 9 == 0 else Channel.VOICE,
        )
        for i, (n, p, m, c) in enumerate(pick)
    ]


def test_a_batch_decides_as_single_attempts(stored: App) -> None:
    bad = Attempt(id="bad", phone="555-0100", at=NOW, seller="acme", campaign="spring")
    batch = [*attempts(300), bad]
    assert len(batch) // len(SELLERS) > BULK_FROM  # the bulk reads are exercised
    together = stored.checker.check(batch)
    alone = [stored.checker.check([a])[0] for a in batch]
    assert together == alone
    codes = {code for d in together for code in d.codes}
    assert {"DNC_NATIONAL", "DNC_STATE", "NO_CONSENT", "FREQUENCY_CAP"} <= codes
    assert {"EMERGENCY_DECLARATION", "REASSIGNED_NUMBER", "INVALID_NUMBER"} <= codes
    assert any(d.allowed for d in together)
    assert any(d.notes for d in together)  # the exemption is cited


def test_attempts_recorded_in_a_batch_count_for_the_later_ones(stored: App) -> None:
    """Florida: 3 sales calls per 24 hours (Fla. Stat. 501.616(6)(b)), within one batch too."""
    clear = next(p for p in MIAMI[2::5] if p not in MIAMI[::4])  # on no list, no history
    with stored.uow() as uow:
        assert uow.history.recent(clear, "acme", NOW - timedelta(days=2)) == ()
    calls = [
        Attempt(
            id=f"c{i}", phone=str(clear), at=NOW + timedelta(minutes=10 * i), seller="acme",
            campaign="spring", purpose=Purpose.TELEMARKETING, method=Method.MANUAL,
        )
        for i in range(5)
    ]  # fmt: skip
    others = attempts(2 * BULK_FROM * len(SELLERS))  # enough numbers for the bulk reads
    decisions = stored.checker.check([*calls, *others], record=True)
    assert [d.allowed for d in decisions[:5]] == [True, True, True, False, False]
    assert decisions[3].codes == ("FREQUENCY_CAP",)
    assert decisions[3].next_allowed_at == NOW + timedelta(hours=24)
    with stored.uow() as uow:
        recorded = uow.history.recent(clear, "acme", NOW - timedelta(days=2))
    assert [p.at for p in recorded] == [c.at for c in calls[:3]]
