"""Invariants of the gate: fail-closed candidates, minimal next_allowed_at, determinism."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callwarden.core.decision import CLOCK_CODES
from callwarden.core.gate.check import ClockCheck, SteadyCheck
from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import normalize
from callwarden.core.types import Consent, ConsentKind, Purpose
from rule_rows import Asking
from strategies import ADDRESSES, attempts, clock_facts, facts

UTAH = "8012345678"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw: st.DrawFn, *, clock_only: bool = False, address: bool | None = None):  # type: ignore[no-untyped-def]
    """An attempt and the facts about it."""
    attempt = draw(attempts(address=address, clock_only=clock_only))
    phone = normalize(attempt.phone)
    made = clock_facts if clock_only else facts
    return attempt, draw(made(attempt, phone))


@SETTINGS
@given(case=cases(address=False), address=st.sampled_from(ADDRESSES))
def test_adding_an_address_never_turns_a_denial_into_an_allow(gate: Gate, case, address) -> None:
    """Every candidate must allow: an address state can only add reasons."""
    attempt, known = case
    without = gate.decide(attempt, known)
    with_address = gate.decide(replace(attempt, address=address), known)
    if not without.allowed:
        assert not with_address.allowed
    assert {r.rule for r in without.reasons} <= {r.rule for r in with_address.reasons}


@SETTINGS
@given(case=cases(clock_only=True))
def test_next_allowed_at_is_allowed_and_minimal(gate: Gate, case) -> None:
    """Checking at ``next_allowed_at`` is allowed; a minute earlier is not."""
    attempt, known = case
    decision = gate.decide(attempt, known)
    if decision.next_allowed_at is None:
        return
    assert decision.reasons
    assert all(r.code in CLOCK_CODES for r in decision.reasons)
    later = decision.next_allowed_at
    assert later > attempt.at
    assert gate.decide(replace(attempt, at=later), known).allowed
    assert not gate.decide(replace(attempt, at=later - timedelta(minutes=1)), known).allowed


@st.composite
def lifting_cases(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    """A clock-only attempt with consents given or revoked within days of it.

    Consents of every kind to the seller (or a rival), some given after the attempt, some
    revoked before or after it, sometimes a disconnection: where a row is ``unless_consent``
    (a Utah window and Sunday ban in the test rules), the instants at which a consent starts
    or stops lifting it fall inside the search.
    """
    attempt, known = draw(cases(clock_only=True))
    if draw(st.integers(0, 3)):  # mostly Utah telemarketing, where the rows are
        attempt = replace(attempt, phone=UTAH, purpose=Purpose.TELEMARKETING, address=None)
    phone = normalize(attempt.phone)
    near = st.integers(-24 * 60, 24 * 60).map(lambda m: attempt.at + timedelta(minutes=m))
    consents = []
    for _ in range(draw(st.integers(1, 3))):
        given_at = draw(near)
        revoked = None
        if draw(st.booleans()):
            revoked = given_at + timedelta(minutes=draw(st.integers(1, 24 * 60)))
        consents.append(
            Consent(
                phone=phone,
                seller=draw(st.sampled_from(["acme", "acme", "rival"])),
                kind=draw(st.sampled_from(ConsentKind)),
                at=given_at,
                revoked_at=revoked,
            )
        )
    reassigned = draw(st.one_of(st.none(), near))
    return attempt, replace(known, consents=tuple(consents), reassigned_at=reassigned)


@SETTINGS
@given(case=lifting_cases())
def test_next_allowed_at_is_minimal_where_consents_come_and_go(gate: Gate, case) -> None:
    """A consent that starts or stops lifting a rule after the attempt moves next_allowed_at."""
    attempt, known = case
    decision = gate.decide(attempt, known)
    if decision.next_allowed_at is None:
        return
    assert all(r.code in CLOCK_CODES for r in decision.reasons)
    later = decision.next_allowed_at
    assert gate.decide(replace(attempt, at=later), known).allowed
    assert not gate.decide(replace(attempt, at=later - timedelta(minutes=1)), known).allowed


@SETTINGS
@given(case=cases())
def test_equal_inputs_give_equal_decisions(gate: Gate, case) -> None:
    """A decision is a pure function of the attempt, the facts and the rules."""
    attempt, known = case
    first = gate.decide(attempt, known)
    second = gate.decide(copy.deepcopy(attempt), copy.deepcopy(known))
    assert first == second
    assert first.to_dict() == second.to_dict()


@st.composite
def clustered(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    """Attempts within a day of one another, in any order, each with its own facts.

    Close instants and repeated places and kinds are what the gate's memos (earliest open
    instants, rows in scope, reasons) are reused for.
    """
    base = draw(cases())[0].at
    out = []
    for _ in range(draw(st.integers(2, 12))):
        attempt, known = draw(cases(clock_only=draw(st.booleans())))
        moved = replace(attempt, at=base + timedelta(minutes=draw(st.integers(-720, 720))))
        out.append((moved, known))
    return out


@SETTINGS
@given(sequence=clustered())
def test_a_warm_gate_decides_as_a_fresh_one(gate: Gate, sequence) -> None:
    """Whatever a gate remembers from earlier attempts, its decisions are those of a new gate."""
    for attempt, known in sequence:
        fresh = Gate(plan=gate.plan, rules=gate.rules, checks=default_checks())
        assert gate.decide(attempt, known) == fresh.decide(attempt, known)


STEADY = [c for c in default_checks() if isinstance(c, SteadyCheck)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(),
    index=st.integers(0, len(STEADY) - 1),
    share=st.floats(0, 1, exclude_max=True),
)
def test_a_steady_check_keeps_allowing_until_it_said(
    gate: Gate, case, index: int, share: float
) -> None:
    """A check that allows the attempt allows it before ``allows_until`` (the last instant too)."""
    attempt, known = case
    number = gate.national(attempt.phone)
    if number is None:
        return
    check = STEADY[index]
    ctx = gate.context(attempt, number, known)
    if check(ctx):
        return  # it does not allow the attempt: it promises nothing
    until = check.allows_until(ctx)
    assert until >= attempt.at
    span = min(until - attempt.at, timedelta(days=40))
    if span <= timedelta(0):
        return
    for moved in (attempt.at + span * share, attempt.at + span - timedelta(microseconds=1)):
        assert check(ctx.at(moved)) == [], (check.name, moved, until)


@SETTINGS
@given(case=cases())
def test_next_allowed_at_is_the_same_without_steady_checks(gate: Gate, case) -> None:
    """Trusting ``allows_until`` gives the decisions that asking every check again gives."""
    attempt, known = case
    asking = Gate(
        plan=gate.plan,
        rules=gate.rules,
        checks=[c if isinstance(c, ClockCheck) else Asking(c) for c in default_checks()],
    )
    assert gate.decide(attempt, known) == asking.decide(attempt, known)
