"""``scrub`` decides every lead exactly as ``CheckService.check`` decides the same attempt.

The leads mix valid numbers of many states and time zones (split-zone area codes, numbers
without a state, prefixes valid only for some line numbers), invalid ones in many notations,
numbers on every kind of list, with consents (active, revoked, future, to another seller),
call history, reassignments and declared emergencies, at instants on both sides of calling
window edges, a Sunday and holidays. No fact of the single check is left out of the bulk form.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import CHECK_LINE, VALID, NumberingPlan
from callwarden.core.types import (
    Attempt,
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    LineType,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)
from callwarden.errors import InvalidInput
from callwarden.services.check import CheckService
from callwarden.services.scrub import ScrubOptions, ScrubService, output_schema
from callwarden.testing import FixedClock, MemoryDnc, MemoryUnitOfWork

TESTDATA = Path(__file__).resolve().parents[2] / "rules" / "testdata"
SELLER, CAMPAIGN = "acme", "spring"
STATES = ("TX", "FL", "RI", "PA", "UT", "LA", "CA", "NY", "AZ", "IN", "KY", "ND")
NOTATIONS = ("({a}) {b}-{c}", "+1 {a}.{b}.{c}", "1-{a}-{b}-{c}", "{a}{b}{c}", " {a} {b} {c} ")
INVALID = (
    "911-234-5678",
    "555-0100",
    "",
    "   ",
    "+44 20 7946 0958",
    "+ 1 214 234 5678",
    "214-234-56789",
    "1 (800) FLOWERS",
    "9" * 60,
    "(214) 234-5678 ext. 12",
    "011 214 234 5678",
    "121-234-5678",
)
#: Instants around calling-window edges (TX opens 09:00, federal 08:00-21:00, FL closes
#: 20:00, RI 09:00-18:00 weekdays), a Sunday in Texas before and after noon, and holidays.
INSTANTS = (
    "2026-03-03T13:59:30+00:00",
    "2026-03-03T15:00:00+00:00",
    "2026-03-04T00:59:00+00:00",
    "2026-03-04T01:00:00+00:00",
    "2026-03-08T17:59:00+00:00",
    "2026-03-08T18:00:00+00:00",
    "2026-07-04T16:00:00+00:00",
    "2026-12-25T19:30:00+00:00",
)
ATTEMPTS = (
    (Purpose.TELEMARKETING, Method.MANUAL, Channel.VOICE, LineType.UNKNOWN),
    (Purpose.TELEMARKETING, Method.AUTODIALER, Channel.SMS, LineType.WIRELESS),
    (Purpose.TELEMARKETING, Method.PREDICTIVE, Channel.VOICE, LineType.LANDLINE),
    (Purpose.TELEMARKETING, Method.PRERECORDED, Channel.VOICE, LineType.UNKNOWN),
    (Purpose.DEBT_COLLECTION, Method.AUTODIALER, Channel.VOICE, LineType.WIRELESS),
    (Purpose.INFORMATIONAL, Method.PRERECORDED, Channel.SMS, LineType.UNKNOWN),
    (Purpose.EMERGENCY, Method.AUTODIALER, Channel.VOICE, LineType.WIRELESS),
)


@dataclass
class World:
    """Leads and the stored facts about them, relative to one instant."""

    phones: list[str]
    numbers: list[int]
    uow: MemoryUnitOfWork
    dnc: MemoryDnc
    foreign: set[int]  # leads whose number is on the list of a state it is not in


def leads(plan: NumberingPlan, rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """About 300 leads: numbers of many states and zone sets, in many notations, and bad ones."""
    pools = [_prefixes(plan, plan.state_index == plan.states.index(s)) for s in STATES]
    pools.append(_prefixes(plan, plan.state_index == 0))  # valid, but no state
    multi = [i for i, zones in enumerate(plan.zone_sets) if len(zones) > 1]
    pools.append(_prefixes(plan, np.isin(plan.zone_index, multi)))
    numbers = [
        int(rng.choice(pool)) * 10_000 + int(rng.integers(10_000))
        for pool in pools
        for _ in range(20)
    ]
    tricky = np.flatnonzero(plan.validity == CHECK_LINE)
    numbers += [int(p) * 10_000 + int(rng.integers(10_000)) for p in tricky for _ in range(4)]
    numbers += numbers[:6]  # the same lead twice
    phones = [_written(n, rng) for n in numbers] + list(INVALID)
    return phones, numbers


def _prefixes(plan: NumberingPlan, where: np.ndarray) -> np.ndarray:
    found = np.flatnonzero((plan.validity == VALID) & where)
    assert found.size, "the numbering plan lost a region the test relies on"
    return found


def _written(number: int, rng: np.random.Generator) -> str:
    text = f"{number:010d}"
    notation = NOTATIONS[int(rng.integers(len(NOTATIONS)))]
    return notation.format(a=text[:3], b=text[3:6], c=text[6:])


def world(plan: NumberingPlan, at: datetime, seed: int) -> World:
    rng = np.random.default_rng(seed)
    phones, numbers = leads(plan, rng)
    pick = lambda share: [n for n in numbers if rng.random() < share]  # noqa: E731
    dnc = MemoryDnc(
        lists={
            "national": set(pick(0.35)),
            "state:TX": set(pick(0.2)),
            "state:FL": set(pick(0.2)),
            "state:CA": set(pick(0.2)),  # holds numbers of other states too
            f"internal:{SELLER}": set(pick(0.05)),
            "internal:other-seller": set(pick(0.3)),
            "litigator": set(pick(0.04)),
        },
    )
    dnc.refreshed_at = {name: at - timedelta(days=3) for name in dnc.lists}
    dnc.refreshed_at["state:TX"] = at - timedelta(days=120)  # stale
    del dnc.refreshed_at["state:CA"]  # never imported
    uow = MemoryUnitOfWork()
    uow.consents.add(_consents(pick(0.3), at, rng))
    uow.history.add(_history(pick(0.2), at, rng), source="test")
    uow.reassigned.rows.update(
        {n: at - timedelta(days=int(rng.integers(-30, 900))) for n in pick(0.1)}
    )
    uow.emergencies.rows.extend(
        [
            EmergencyDeclaration(
                state="LA", starts_at=at - timedelta(days=2), ends_at=at + timedelta(days=5),
                citation="La. R.S. 45:844.31",
            ),
            EmergencyDeclaration(
                state="FL", starts_at=at - timedelta(days=2), ends_at=at + timedelta(days=5),
                citation="Fla. Stat. 252.36", zips=frozenset({"33101"}),
            ),
        ]
    )  # fmt: skip
    uow.sellers.rows[SELLER] = {"state:FL": "registered under Fla. Stat. 501.059(4) exemption"}
    foreign = {
        i
        for i, n in enumerate(numbers)
        for name, members in dnc.lists.items()
        if name.startswith("state:") and n in members and name[6:] != plan.lookup(n)[0]
    }
    return World(phones=phones, numbers=numbers, uow=uow, dnc=dnc, foreign=foreign)


def _consents(numbers: list[int], at: datetime, rng: np.random.Generator) -> Iterator[Consent]:
    kinds = list(ConsentKind)
    for n in numbers:
        for _ in range(int(rng.integers(1, 3))):
            given = at - timedelta(days=int(rng.integers(-2, 700)), hours=int(rng.integers(24)))
            revoked = None
            if rng.random() < 0.3:
                revoked = given + timedelta(days=int(rng.integers(0, 400)))
            seller = SELLER if rng.random() < 0.85 else "other-seller"
            kind = kinds[int(rng.integers(len(kinds)))]
            yield Consent(phone=n, seller=seller, kind=kind, at=given, revoked_at=revoked)


def _history(numbers: list[int], at: datetime, rng: np.random.Generator) -> list[PastAttempt]:
    out = []
    for n in numbers:
        for _ in range(int(rng.integers(1, 10))):
            out.append(
                PastAttempt(
                    phone=n,
                    at=at - timedelta(minutes=int(rng.integers(1, 60 * 24 * 9))),
                    seller=SELLER,
                    campaign=CAMPAIGN if rng.random() < 0.8 else "autumn",
                    purpose=[Purpose.TELEMARKETING, Purpose.DEBT_COLLECTION][int(rng.integers(2))],
                    channel=[Channel.VOICE, Channel.SMS][int(rng.integers(2))],
                    method=Method.AUTODIALER,
                    outcome=list(Outcome)[int(rng.integers(len(Outcome)))],
                )
            )
    return out


def agree(expected: tuple[bool, set[str]], got: tuple[bool, set[str]], *, foreign: bool) -> bool:
    """Whether scrub's answer is the single check's, exactly.

    ``foreign`` marks leads on another state's list: the gate ignores such hits in both
    commands, so they must agree there too.
    """
    return expected == got


@pytest.mark.parametrize("instant", INSTANTS)
def test_scrub_decides_as_the_single_check(gate: Gate, plan: NumberingPlan, instant: str) -> None:
    """Same ``allowed`` and the same set of codes as CheckService.check, lead by lead.

    Each instant is tried with three of the attempt kinds, so every kind meets several instants.
    """
    at = datetime.fromisoformat(instant)
    w = world(plan, at, seed=INSTANTS.index(instant))
    ports = {"gate": gate, "uow": lambda: w.uow, "dnc": w.dnc, "clock": FixedClock(at)}
    checker, scrubber = CheckService(**ports), ScrubService(**ports)
    k = INSTANTS.index(instant)
    for purpose, method, channel, line_type in [
        ATTEMPTS[(k + j) % len(ATTEMPTS)] for j in range(3)
    ]:
        options = ScrubOptions(
            purpose=purpose, method=method, channel=channel, seller=SELLER,
            campaign=CAMPAIGN, line_type=line_type,
        )  # fmt: skip
        job = scrubber.start(options, "phone")
        table = pa.table({"phone": w.phones, "row": range(len(w.phones))})
        scrubbed = pa.Table.from_batches([job.scrub(b) for b in table.to_batches(max_chunksize=97)])
        attempts = [
            Attempt(
                id=str(i), phone=p, at=at, purpose=purpose, method=method, channel=channel,
                seller=SELLER, campaign=CAMPAIGN, line_type=line_type,
            )
            for i, p in enumerate(w.phones)
        ]  # fmt: skip
        expected = [(d.allowed, set(d.codes)) for d in checker.check(attempts)]
        got = list(
            zip(
                scrubbed.column("allowed").to_pylist(),
                map(set, scrubbed.column("reasons").to_pylist()),
                strict=True,
            )
        )
        wrong = [
            (w.phones[i], e, g)
            for i, (e, g) in enumerate(zip(expected, got, strict=True))
            if not agree(e, g, foreign=i in w.foreign)
        ]
        assert not wrong, f"{purpose} {method} {channel} {line_type}: {wrong[:5]}"
        assert scrubbed.column("row").to_pylist() == list(range(len(w.phones)))
        assert {c for _, codes in got for c in codes} >= {"INVALID_NUMBER"}


def test_scrub_exercises_every_code_the_facts_can_give(gate: Gate, plan: NumberingPlan) -> None:
    """The equivalence above is not vacuous: the world produces most reason codes."""
    at = datetime.fromisoformat("2026-03-03T15:00:00+00:00")
    seen: set[str] = set()
    for seed in range(2):
        w = world(plan, at, seed)
        scrubber = ScrubService(gate=gate, uow=lambda w=w: w.uow, dnc=w.dnc, clock=FixedClock(at))
        for purpose, method, channel, line_type in ATTEMPTS:
            options = ScrubOptions(
                purpose=purpose, method=method, channel=channel, seller=SELLER,
                campaign=CAMPAIGN, line_type=line_type,
            )  # fmt: skip
            out = scrubber.start(options, "phone").scrub(pa.record_batch({"phone": w.phones}))
            seen |= {c for codes in out.column("reasons").to_pylist() for c in codes}
    assert seen >= {
        "INVALID_NUMBER", "DNC_NATIONAL", "DNC_STATE", "DNC_INTERNAL", "LITIGATOR",
        "DNC_DATA_STALE", "NO_CONSENT", "CONSENT_REVOKED", "REASSIGNED_NUMBER",
        "FREQUENCY_CAP", "EMERGENCY_DECLARATION", "ABANDON_RATE",
    }  # fmt: skip


def test_rows_without_stored_facts_share_their_signature_verdict(
    gate: Gate, plan: NumberingPlan
) -> None:
    """With nothing stored, no row is decided one by one and checks run once per signature."""
    at = datetime.fromisoformat("2026-03-03T15:00:00+00:00")
    w = world(plan, at, seed=11)
    empty = MemoryUnitOfWork()
    scrubber = ScrubService(gate=gate, uow=lambda: empty, dnc=w.dnc, clock=FixedClock(at))
    job = scrubber.start(ScrubOptions(seller=SELLER, campaign=CAMPAIGN), "phone")
    batch = pa.record_batch({"phone": w.phones * 20})
    job.scrub(batch)
    first = job.engine.evaluated
    job.scrub(batch)
    assert job.tally.one_by_one == 0
    assert job.engine.evaluated == first  # the second batch reuses every verdict
    assert first < len(set(w.numbers))


def test_the_instant_defaults_to_the_clock_and_must_be_aware(gate: Gate) -> None:
    at = datetime.fromisoformat("2026-03-03T15:00:00+00:00")
    scrubber = ScrubService(gate=gate, uow=MemoryUnitOfWork, dnc=MemoryDnc(), clock=FixedClock(at))
    assert scrubber.start(ScrubOptions(), "phone").at == at
    with pytest.raises(InvalidInput, match="UTC offset"):
        scrubber.start(ScrubOptions(at=datetime(2026, 3, 3, 15)), "phone")


def test_output_keeps_every_column_and_replaces_earlier_scrub_columns(gate: Gate) -> None:
    """A file scrubbed before gets its phone_e164, allowed and reasons recomputed."""
    at = datetime.fromisoformat("2026-03-03T15:00:00+00:00")
    scrubber = ScrubService(gate=gate, uow=MemoryUnitOfWork, dnc=MemoryDnc(), clock=FixedClock(at))
    batch = pa.record_batch(
        {
            "Phone": ["(214) 234-5678", None, "n/a"],
            "allowed": [False, True, True],
            "zip": ["75201", "02134", None],
        }
    )
    out = scrubber.start(ScrubOptions(), "Phone").scrub(batch)
    assert out.schema == output_schema(batch.schema)
    assert out.schema.names == ["Phone", "zip", "phone_e164", "allowed", "reasons"]
    assert out.column("phone_e164").to_pylist() == ["+12142345678", None, None]
    assert out.column("zip").to_pylist() == ["75201", "02134", None]
    assert out.column("reasons").to_pylist()[1:] == [["INVALID_NUMBER"], ["INVALID_NUMBER"]]
