"""``ColumnarCheck`` decides every attempt of a batch exactly as ``CheckService.check`` does.

The batches mix everything a dialer sends in one request: numbers of many states and zones, in
many notations and invalid ones, on every kind of list, holding consents, history and
reassignments or none; every attempt kind; three sellers and two campaigns; instants spread
over a few minutes around calling-window edges, written with several UTC offsets (one not a
whole number of minutes); and some attempts with an address. Each answer is compared whole
(the JSON of the decision), so ids, phones, reasons, ``next_allowed_at`` and jurisdictions
all count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from tests.unit.services.test_scrub import (
    ATTEMPTS,
    CAMPAIGN,
    INSTANTS,
    SELLER,
    World,
    world,
)

from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.types import Address, Attempt, EmergencyDeclaration
from callwarden.services.check import CheckService
from callwarden.services.check_columns import AttemptColumns, BatchDecisions, ColumnarCheck
from callwarden.testing import FixedClock

OFFSETS = (
    UTC,
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-4, seconds=30)),  # not a whole number of minutes
)


def services(gate: Gate, w: World, at: datetime) -> tuple[CheckService, ColumnarCheck]:
    """A check service for reference, and a columnar check over a service of its own."""
    ports = {"gate": gate, "uow": lambda: w.uow, "dnc": w.dnc, "clock": FixedClock(at)}
    return CheckService(**ports), ColumnarCheck(CheckService(**ports))


def batch(w: World, at: datetime, seed: int, size: int = 900) -> list[Attempt]:
    """A dialer's mixed batch around ``at`` (within three minutes either side)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(size):
        purpose, method, channel, line_type = ATTEMPTS[int(rng.integers(len(ATTEMPTS)))]
        instant = at + timedelta(seconds=int(rng.integers(-180, 180)), microseconds=i)
        offset = OFFSETS[int(rng.integers(len(OFFSETS)))] if rng.random() < 0.3 else UTC
        address = None
        if rng.random() < 0.05:
            address = Address(state=("TX", "FL", "CA")[int(rng.integers(3))], zip=None)
        out.append(
            Attempt(
                id=f"a{i}",
                phone=w.phones[int(rng.integers(len(w.phones)))],
                at=instant.astimezone(offset),
                purpose=purpose,
                method=method,
                channel=channel,
                line_type=line_type,
                seller=(SELLER, SELLER, "other-seller", "")[int(rng.integers(4))],
                campaign=(CAMPAIGN, "autumn")[int(rng.integers(2))],
                address=address,
            )
        )
    return out


def as_json(decisions: list[object] | BatchDecisions) -> list[dict[str, object]]:
    return [d.to_dict() for d in decisions]  # type: ignore[attr-defined]


@pytest.mark.parametrize("instant", INSTANTS)
def test_a_batch_is_decided_as_the_single_check_decides_it(
    gate: Gate, plan: NumberingPlan, instant: str
) -> None:
    """Whole decisions, attempt by attempt; a second batch reuses the prepared groups."""
    at = datetime.fromisoformat(instant)
    k = INSTANTS.index(instant)
    w = world(plan, at, seed=k)
    checker, columnar = services(gate, w, at)
    attempts = batch(w, at, seed=k)
    expected = as_json(checker.check(attempts))
    got = columnar.check(AttemptColumns.of(attempts))
    assert as_json(got) == expected
    # The same attempts under other ids, and in another order: the groups are remembered.
    again = [replace(a, id=f"b{i}") for i, a in enumerate(reversed(attempts))]
    assert as_json(columnar.check(AttemptColumns.of(again))) == as_json(checker.check(again))
    assert len(got.distinct) <= len(attempts)


def _drop_exemption(w: World, at: datetime) -> None:
    w.uow.sellers.rows[SELLER] = {}
    w.uow.sellers.rows["other-seller"] = {"state:FL": "registered under Fla. Stat. 501.059(4)"}


def _end_emergencies(w: World, at: datetime) -> None:
    w.uow.emergencies.rows.clear()


def _national_list_stale(w: World, at: datetime) -> None:
    w.dnc.refreshed_at["national"] = at - timedelta(days=40)


@pytest.mark.parametrize("change", [_drop_exemption, _end_emergencies, _national_list_stale])
def test_a_later_batch_sees_what_changed_in_the_facts_every_attempt_shares(
    gate: Gate, plan: NumberingPlan, change: Callable[[World, datetime], None]
) -> None:
    """Group decisions are remembered across batches, never past a change of their facts.

    Between two batches of the same attempts, one shared fact changes: a seller's list
    exemptions, the emergencies in force, or a list's refresh time.
    """
    at = datetime.fromisoformat(INSTANTS[1])
    w = world(plan, at, seed=6)
    _, columnar = services(gate, w, at)
    attempts = batch(w, at, seed=6, size=1_500)
    first = columnar.check(AttemptColumns.of(attempts))
    change(w, at)
    checker, _ = services(gate, w, at)  # a reference that has remembered nothing
    again = [replace(a, id=f"b{i}") for i, a in enumerate(attempts)]
    got = columnar.check(AttemptColumns.of(again))
    assert as_json(got) == as_json(checker.check(again))
    changed = sum(a.codes != b.codes for a, b in zip(first, got, strict=True))
    assert changed >= 10  # not vacuous: the change reaches decisions of remembered groups


def test_remembered_decisions_stay_right_when_the_memory_is_full(
    gate: Gate, plan: NumberingPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for three entries, the tables clear again and again, within batches too."""
    monkeypatch.setattr(ColumnarCheck, "LIMIT", 3)
    at = datetime.fromisoformat(INSTANTS[1])
    w = world(plan, at, seed=7)
    _, columnar = services(gate, w, at)
    attempts = batch(w, at, seed=7, size=600)
    for k, change in enumerate([_drop_exemption, _end_emergencies, _national_list_stale, None]):
        again = [replace(a, id=f"{k}-{i}") for i, a in enumerate(attempts)]
        checker, _ = services(gate, w, at)
        assert as_json(columnar.check(AttemptColumns.of(again))) == as_json(checker.check(again))
        if change is not None:
            change(w, at)
    # A number that stood for one value never comes to stand for another: a batch in
    # progress may still hold it when the table is cleared.
    given = [columnar._intern(("value", k)) for k in range(10)]
    assert len(set(given)) == len(given)


def test_the_batch_covers_what_the_equivalence_relies_on(gate: Gate, plan: NumberingPlan) -> None:
    """Not vacuous: rows decide alone for every reason, and most reason codes occur."""
    at = datetime.fromisoformat(INSTANTS[1])
    w = world(plan, at, seed=1)
    _, columnar = services(gate, w, at)
    attempts = batch(w, at, seed=1, size=2_000)
    got = columnar.check(AttemptColumns.of(attempts))
    codes = {c for d in got for c in d.codes}
    assert codes >= {
        "INVALID_NUMBER", "DNC_NATIONAL", "DNC_STATE", "DNC_INTERNAL", "LITIGATOR",
        "DNC_DATA_STALE", "NO_CONSENT", "CONSENT_REVOKED", "FREQUENCY_CAP",
        "EMERGENCY_DECLARATION", "OUTSIDE_CALLING_HOURS",
    }  # fmt: skip
    shared = np.bincount(np.asarray(got.which))
    assert (shared > 1).sum() > 10  # groups hold many attempts
    assert (shared == 1).sum() > 50  # and many decide alone (facts, addresses, offsets)


@pytest.mark.parametrize(
    ("instant", "rule"),
    [(INSTANTS[1], "T-UT-CONSENT-WINDOW"), (INSTANTS[6], "T-CA-HOLIDAY-HOURS")],
)
def test_the_equivalence_covers_holiday_hours_and_windows_a_consent_lifts(
    gate: Gate, plan: NumberingPlan, instant: str, rule: str
) -> None:
    """Not vacuous for the rows whose answer turns on a holiday or on the number's consents."""
    at = datetime.fromisoformat(instant)
    k = INSTANTS.index(instant)
    w = world(plan, at, seed=k)
    _, columnar = services(gate, w, at)
    got = columnar.check(AttemptColumns.of(batch(w, at, seed=k)))
    assert sum(rule in {r.rule for r in d.reasons} for d in got) > 20


def _two_sides(at: datetime) -> list[Attempt]:
    """Two manual telemarketing calls to one Louisiana number, 40 seconds apart."""
    first = Attempt(id="before", phone="(504) 234-5678", at=at, seller=SELLER)
    return [first, replace(first, id="after", at=at + timedelta(seconds=40))]


def _quiet_world(plan: NumberingPlan, at: datetime, seed: int) -> World:
    """A world whose lists were refreshed at an hour and a half minute before ``at``.

    (``world`` refreshes them at ``at`` minus whole days: no minute of theirs is shared.)
    """
    w = world(plan, at, seed)
    for name in w.dnc.refreshed_at:
        w.dnc.refreshed_at[name] -= timedelta(hours=1, seconds=30)
    w.uow.emergencies.rows.clear()
    w.dnc.lists["national"].discard(5042345678)
    return w


def test_an_emergency_that_starts_within_the_minute_splits_it(
    gate: Gate, plan: NumberingPlan
) -> None:
    """Attempts of one group before and after the start get different decisions."""
    at = datetime.fromisoformat("2026-03-03T16:00:10+00:00")
    w = _quiet_world(plan, at, seed=3)
    w.uow.emergencies.rows[:] = [
        EmergencyDeclaration(
            state="LA", starts_at=at + timedelta(seconds=20), ends_at=at + timedelta(days=3),
            citation="La. R.S. 45:844.31",
        )
    ]  # fmt: skip
    checker, columnar = services(gate, w, at)
    attempts = _two_sides(at)
    got = columnar.check(AttemptColumns.of(attempts))
    assert as_json(got) == as_json(checker.check(attempts))
    assert [d.codes for d in got] == [(), ("EMERGENCY_DECLARATION",)]
    # An hour later, the same two attempts share one decision.
    later = [replace(a, at=a.at + timedelta(hours=1)) for a in attempts]
    assert columnar.check(AttemptColumns.of(later)).which == [0, 0]


def test_a_list_going_stale_within_the_minute_splits_it(gate: Gate, plan: NumberingPlan) -> None:
    """The national list is fresh for the first attempt and 31 days old for the second."""
    at = datetime.fromisoformat("2026-03-03T16:00:10+00:00")
    w = _quiet_world(plan, at, seed=4)
    w.dnc.refreshed_at["national"] = at + timedelta(seconds=20) - timedelta(days=31)
    checker, columnar = services(gate, w, at)
    attempts = _two_sides(at)
    got = columnar.check(AttemptColumns.of(attempts))
    assert as_json(got) == as_json(checker.check(attempts))
    assert [d.codes for d in got] == [(), ("DNC_DATA_STALE",)]
    later = [replace(a, at=a.at + timedelta(hours=1)) for a in attempts]
    assert columnar.check(AttemptColumns.of(later)).which == [0, 0]


def test_decisions_read_as_a_sequence(gate: Gate, plan: NumberingPlan) -> None:
    at = datetime.fromisoformat(INSTANTS[1])
    w = world(plan, at, seed=5)
    _, columnar = services(gate, w, at)
    attempts = batch(w, at, seed=5, size=50)
    got = columnar.check(AttemptColumns.of(attempts))
    assert len(got) == 50
    assert [d.attempt_id for d in got] == [a.id for a in attempts]
    assert as_json(got[10:13]) == as_json([got[10], got[11], got[12]])
    assert got[-1].attempt_id == "a49"


def test_columns_must_be_of_one_length() -> None:
    at = datetime.fromisoformat(INSTANTS[0])
    columns = AttemptColumns.of([Attempt(id="a", phone="2142345678", at=at)])
    with pytest.raises(ValueError, match="one value per attempt"):
        replace(columns, ids=["a", "b"])
