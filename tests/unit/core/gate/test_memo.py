"""Reused decisions are the decisions the gate gives afresh, attempt by attempt.

Attempts are drawn around the instants where reuse could go wrong: calling windows opening
and closing, local midnight, a list going stale (its refresh time plus whole days, at any
second), an emergency starting or ending within a minute, a clock-only denial's
``next_allowed_at``, and every second of a few minutes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from callwarden.core.gate._consents import add_months
from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.context import AbandonStats, Facts, SellerPolicy
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.memo import DecisionMemo
from callwarden.core.types import (
    Address,
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

PHONES = ["2142345678", "2142345999", "3052345678", "5042345678", "2122345678", "9072345678"]
#: 13:00 UTC on a Tuesday: 08:00 in Dallas (the window opens), 09:00 in New York.
BASE = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


@pytest.fixture
def gate(plan, frozen_rules) -> Gate:  # type: ignore[no-untyped-def]
    return Gate(plan=plan, rules=frozen_rules, checks=default_checks())


def _lists(gate: Gate, refreshed_at: datetime) -> dict[str, datetime]:
    from callwarden.core.rules.model import DncListRule

    names = {r.list_name for r in gate.rules.all_rows() if isinstance(r, DncListRule)}
    return dict.fromkeys(sorted(names | {"national"}), refreshed_at)


def _attempts(seed: int, count: int) -> list[Attempt]:
    rng = np.random.default_rng(seed)
    offsets = [
        0, 1, 59, 60, 61, 3599, 3600, 3601,  # a window opening in Dallas and New York
        -60, -1, 8 * 3600 - 1, 8 * 3600, 11 * 3600 - 1, 11 * 3600 + 30,  # closing, midnight
    ]  # fmt: skip
    out = []
    for i in range(count):
        second = offsets[i % len(offsets)] if i % 3 else int(rng.integers(-6 * 3600, 14 * 3600))
        micro = int(rng.integers(0, 1_000_000)) if i % 5 == 0 else 0
        at = BASE + timedelta(seconds=second, microseconds=micro)
        if i % 7 == 0:
            at = at.astimezone(datetime.fromisoformat("2026-03-03T00:00:00-05:00").tzinfo)
        out.append(
            Attempt(
                id=f"a{i}",
                phone=PHONES[int(rng.integers(0, len(PHONES)))],
                at=at,
                seller=("acme", "globex")[int(rng.integers(0, 2))],
                campaign=("spring", "fall")[int(rng.integers(0, 2))],
                purpose=list(Purpose)[int(rng.integers(0, len(Purpose)))],
                channel=(Channel.VOICE, Channel.SMS)[int(rng.integers(0, 2))],
                method=list(Method)[int(rng.integers(0, len(Method)))],
                line_type=list(LineType)[int(rng.integers(0, len(LineType)))],
                address=Address(state="TX", zip="75201") if i % 11 == 0 else None,
            )
        )
    return out


def _facts(gate: Gate, attempt: Attempt, i: int, refreshed: dict[str, datetime]) -> Facts:
    hits = [frozenset(), frozenset({"national"}), frozenset({"state:TX"}), frozenset({"internal"})]
    emergencies: tuple[EmergencyDeclaration, ...] = ()
    if i % 4 == 0:
        start = BASE + timedelta(seconds=30)  # starts half-way through a minute
        declaration = EmergencyDeclaration(
            state="LA", starts_at=start, ends_at=start + timedelta(hours=3), citation="EO 1"
        )
        if declaration.starts_at <= attempt.at < declaration.ends_at:
            emergencies = (declaration,)
    consents: tuple[Consent, ...] = ()
    if i % 9 == 0:
        number = gate.national(attempt.phone)
        assert number is not None
        consents = (
            Consent(
                phone=number, seller=attempt.seller, kind=ConsentKind.WRITTEN,
                at=BASE - timedelta(days=40),
            ),
        )  # fmt: skip
    stats = None
    if attempt.method is Method.PREDICTIVE:
        stats = AbandonStats(campaign=attempt.campaign, answered_live=1000, abandoned=10 * (i % 5))
    return Facts(
        dnc_hits=hits[i % len(hits)],
        list_refreshed=refreshed,
        consents=consents,
        abandonment=stats,
        emergencies=emergencies,
    )


@pytest.mark.parametrize(
    "refresh_offset",
    [
        timedelta(days=-31, seconds=30),  # the national list goes stale 30 s into 13:00
        timedelta(days=-31, seconds=3600),  # ... exactly at 14:00:00
        timedelta(days=-3, seconds=17),  # fresh lists; whole days pass at :17 seconds
        timedelta(days=-40),  # long stale
    ],
    ids=["stale-mid-minute", "stale-on-the-minute", "fresh", "stale"],
)
def test_reused_decisions_equal_fresh_ones(gate: Gate, refresh_offset: timedelta) -> None:
    memo = DecisionMemo(gate)
    refreshed = _lists(gate, BASE + refresh_offset)
    policies = [SellerPolicy(), SellerPolicy(exempt_lists={"state:TX": "charity (test)"})]
    attempts = _attempts(7, 1500)
    for i, attempt in enumerate(attempts):
        number = gate.national(attempt.phone)
        assert number is not None
        facts = _facts(gate, attempt, i, refreshed)
        policy = policies[i % 2]
        prepared = gate.prepare(attempt, number, facts.dnc_hits)
        got = memo.decide(prepared, facts, policy)
        fresh = gate.decide(attempt, facts, policy)
        assert got == fresh, attempt
    assert len(memo._decisions) < len(attempts)


def test_same_minute_same_kind_is_reused_with_its_own_id_and_number(gate: Gate) -> None:
    memo = DecisionMemo(gate)
    refreshed = _lists(gate, BASE - timedelta(days=2, seconds=5))
    first = Attempt(id="x1", phone="2142345678", at=BASE + timedelta(seconds=5), seller="acme")
    second = replace(first, id="x2", phone="(214) 234-5999", at=BASE + timedelta(seconds=59))
    decisions = []
    for attempt in (first, second):
        number = gate.national(attempt.phone)
        assert number is not None
        facts = Facts(dnc_hits=frozenset({"national"}), list_refreshed=refreshed)
        decisions.append(memo.decide(gate.prepare(attempt, number, facts.dnc_hits), facts))
    assert len(memo._decisions) == 1
    assert [d.attempt_id for d in decisions] == ["x1", "x2"]
    assert [d.phone_e164 for d in decisions] == ["+12142345678", "+12142345999"]
    assert decisions[0].reasons == decisions[1].reasons
    assert decisions[1] == gate.decide(second, facts)


@pytest.mark.parametrize("second", [0, 29, 30, 31, 59])
def test_a_minute_in_which_a_list_goes_stale_is_decided_afresh(gate: Gate, second: int) -> None:
    """The national list goes stale at 13:00:30.000001: every second of 13:00 on its own."""
    memo = DecisionMemo(gate)
    refreshed = _lists(gate, BASE - timedelta(days=31) + timedelta(seconds=30))
    kind = {"seller": "acme", "campaign": "spring", "phone": "2122345678"}
    order = [second, *(s for s in range(60) if s != second)]  # the first seeds the memo
    for s in order:
        for micro in (0, 1, 999_999):
            attempt = Attempt(
                id=f"s{s}.{micro}", at=BASE + timedelta(seconds=s, microseconds=micro), **kind
            )
            facts = Facts(list_refreshed=refreshed)
            number = gate.national(attempt.phone)
            assert number is not None
            got = memo.decide(gate.prepare(attempt, number, facts.dnc_hits), facts)
            assert got == gate.decide(attempt, facts), (s, micro)


@pytest.mark.parametrize("second", [0, 29, 31, 59])
def test_a_minute_in_which_an_emergency_starts_is_decided_afresh(gate: Gate, second: int) -> None:
    """Declared from 13:00:30 in Louisiana: attempts before it are allowed, after it not."""
    memo = DecisionMemo(gate)
    refreshed = _lists(gate, BASE - timedelta(days=2, seconds=17))  # not on 13:00's minute
    declaration = EmergencyDeclaration(
        state="LA", starts_at=BASE + timedelta(seconds=30), ends_at=BASE + timedelta(days=1),
        citation="EO 2",
    )  # fmt: skip
    order = [second, *(s for s in range(120) if s != second)]  # 13:00 and 13:01
    codes = set()
    for s in order:
        attempt = Attempt(
            id=f"e{s}", at=BASE + timedelta(seconds=s), seller="acme", campaign="spring",
            phone="5042345678",
        )  # fmt: skip
        facts = Facts(list_refreshed=refreshed, emergencies=(declaration,))  # passed as given
        number = gate.national(attempt.phone)
        assert number is not None
        got = memo.decide(gate.prepare(attempt, number, facts.dnc_hits), facts)
        assert got == gate.decide(attempt, facts), s
        codes.add(got.codes)
    assert len(codes) == 2  # both sides of the start were seen
    assert len(memo._decisions) == 1


def _consents(number: int, attempt: Attempt, variant: int) -> tuple[Consent, ...]:
    """Consents that settle (lasting, given before the minute, never revoked) or do not."""
    seller, at = attempt.seller, attempt.at
    minute = at.replace(second=0, microsecond=0)

    def given(kind: ConsentKind, when: datetime, **more: object) -> Consent:
        return Consent(phone=number, seller=seller, kind=kind, at=when, **more)  # type: ignore[arg-type]

    long_ago = BASE - timedelta(days=40 + variant)  # a different instant for every variant
    return [
        (),
        (given(ConsentKind.WRITTEN, long_ago),),
        (given(ConsentKind.EXPRESS, long_ago), given(ConsentKind.WRITTEN, long_ago)),
        (given(ConsentKind.EXPRESS, minute),),  # at the minute's first instant: settled
        (given(ConsentKind.WRITTEN, minute + timedelta(microseconds=1)),),  # within it
        (given(ConsentKind.WRITTEN, at + timedelta(hours=2)),),  # given later
        # an established business relationship that ends 30 s into the minute
        (given(ConsentKind.EBR_PURCHASE, add_months(minute + timedelta(seconds=30), -18)),),
        (given(ConsentKind.EBR_INQUIRY, BASE - timedelta(days=20)),),
        (given(ConsentKind.WRITTEN, long_ago, revoked_at=at + timedelta(minutes=30)),),
        (given(ConsentKind.WRITTEN, long_ago, revoked_at=at - timedelta(days=1)),),
        (replace(given(ConsentKind.WRITTEN, long_ago), seller="someone-else"),),
    ][variant % 11]


def _history(number: int, attempt: Attempt, variant: int) -> tuple[PastAttempt, ...]:
    """Call histories that reach a cap (or a quiet period) and histories that never can."""
    at = attempt.at

    def call(hours: float, purpose: Purpose, outcome: Outcome, **more: object) -> PastAttempt:
        fields: dict[str, object] = {
            "phone": number, "at": at - timedelta(hours=hours), "seller": attempt.seller,
            "campaign": attempt.campaign, "purpose": purpose, "channel": Channel.VOICE,
            "method": Method.MANUAL, "outcome": outcome, **more,
        }  # fmt: skip
        return PastAttempt(**fields)  # type: ignore[arg-type]

    tm, dc = Purpose.TELEMARKETING, Purpose.DEBT_COLLECTION
    return [
        (),
        (call(3, tm, Outcome.NO_ANSWER),),  # reaches Maine's 1 in 8 hours
        (call(30, tm, Outcome.BUSY), call(5, tm, Outcome.NO_ANSWER)),
        tuple(call(h, tm, Outcome.NO_ANSWER) for h in (1, 2, 20)),  # 3 in 24 hours
        tuple(call(h, tm, Outcome.FAILED) for h in (1, 2, 3, 4)),  # failed calls never count
        (call(50, dc, Outcome.CONVERSATION),),  # Regulation F's quiet days
        tuple(call(24 * d, dc, Outcome.NO_ANSWER) for d in range(1, 8)),  # 7 in 7 days
        (call(2, dc, Outcome.ANSWERED_MACHINE), call(-1, tm, Outcome.NO_ANSWER)),  # one later
        (call(1, Purpose.INFORMATIONAL, Outcome.CONVERSATION, channel=Channel.SMS),),
    ][variant % 9]


def test_decisions_reused_over_stored_facts_equal_fresh_ones(gate: Gate) -> None:
    """Settled consents and histories no cap can count to its limit share decisions.

    Every other kind of stored fact (a consent given within the minute or later, one that
    lapses or is revoked, a disconnection, a history that reaches a cap or starts a quiet
    period) is decided afresh; either way the answer is the gate's own. Attempts crowd into
    a few kinds and minutes, so that many with different facts meet under one key.
    """
    memo = DecisionMemo(gate)
    refreshed = _lists(gate, BASE - timedelta(days=3, seconds=17))
    phones = ["2142345678", "3052345678", "2072345678", "4102345678"]  # TX, FL, ME, MD
    kinds = [
        (Purpose.TELEMARKETING, Method.AUTODIALER, Channel.VOICE),
        (Purpose.TELEMARKETING, Method.MANUAL, Channel.VOICE),
        (Purpose.DEBT_COLLECTION, Method.MANUAL, Channel.VOICE),
        (Purpose.INFORMATIONAL, Method.PRERECORDED, Channel.SMS),
    ]
    minutes = [BASE + timedelta(hours=5), BASE + timedelta(hours=9, minutes=59)]  # day, edge
    rng = np.random.default_rng(23)
    hits = [frozenset(), frozenset({"national"})]
    shared = 0
    count = 3000
    for i in range(count):
        purpose, method, channel = kinds[int(rng.integers(0, len(kinds)))]
        at = minutes[int(rng.integers(0, 2))] + timedelta(seconds=int(rng.integers(0, 60)))
        attempt = Attempt(
            id=f"f{i}", phone=phones[int(rng.integers(0, len(phones)))], at=at, seller="acme",
            campaign="spring", purpose=purpose, method=method, channel=channel,
            line_type=LineType.WIRELESS,
        )  # fmt: skip
        number = gate.national(attempt.phone)
        assert number is not None
        consents = _consents(number, attempt, int(rng.integers(0, 11)))
        disconnected = None
        if consents and i % 13 == 0:
            disconnected = BASE - timedelta(days=int(rng.integers(-2, 60)))
        facts = Facts(
            dnc_hits=hits[int(rng.integers(0, 2))],
            list_refreshed=refreshed,
            consents=consents,
            history=_history(number, attempt, int(rng.integers(0, 9))),
            reassigned_at=disconnected,
        )
        got, reused = memo.decide_keyed(gate.prepare(attempt, number, facts.dnc_hits), facts)
        assert got == gate.decide(attempt, facts), (attempt, facts)
        shared += reused and bool(facts.consents or facts.history)
    assert shared > count // 4  # most holders of settled facts shared a key
