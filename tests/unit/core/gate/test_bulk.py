"""The vectorized decision core: numbering groups, reason bit sets, signature verdicts."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from callwarden.core.decision import ReasonCode
from callwarden.core.gate import bulk
from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.context import Facts, SellerPolicy
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import CHECK_LINE, NumberingPlan
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Method, Purpose

AT = datetime.fromisoformat("2026-03-03T16:00:00+00:00")  # 10:00 in Dallas, a Tuesday
DALLAS, MIAMI = 2142345678, 3052345678


@pytest.fixture(scope="module")
def groups(plan: NumberingPlan) -> bulk.PrefixGroups:
    return bulk.prefix_groups(plan)


def engine(plan: NumberingPlan, rules: RuleSet, **attempt: object) -> bulk.BulkGate:
    gate = Gate(plan=plan, rules=rules, checks=default_checks())
    template = Attempt(id="t", phone="", at=AT, seller="acme", campaign="spring", **attempt)  # type: ignore[arg-type]
    fresh = dict.fromkeys(("national", "state:TX", "state:FL"), AT)
    shared = bulk.Shared(attempt=template, facts=Facts(list_refreshed=fresh), policy=SellerPolicy())
    return bulk.BulkGate(gate, bulk.prefix_groups(plan), shared)


def test_integers_with_or_without_the_leading_one() -> None:
    values = np.array([2142345678, 12142345678, 22142345678, 999_999_999, -5, 10**11])
    assert bulk.national_from_integers(values).tolist() == [
        2142345678, 2142345678, -1, -1, -1, -1,
    ]  # fmt: skip


def test_locate_agrees_with_the_numbering_plan(
    plan: NumberingPlan, groups: bulk.PrefixGroups
) -> None:
    rng = np.random.default_rng(2)
    numbers = rng.integers(0, 10_000_000_000, 50_000)
    group, needs_line = bulk.locate(numbers, groups)
    for number, g, line in zip(numbers.tolist(), group.tolist(), needs_line.tolist(), strict=True):
        in_range = 2_000_000_000 <= number <= 9_999_999_999
        flag = plan.validity[number // 10_000] if in_range else 0
        assert (g > 0) == (in_range and flag != 0)
        assert line == (in_range and flag == CHECK_LINE)
        if g:
            assert groups.states[g] == plan.lookup(number)[0]


def test_numbers_of_one_group_share_state_and_zones(
    plan: NumberingPlan, groups: bulk.PrefixGroups
) -> None:
    prefixes = np.flatnonzero(groups.group_of == groups.group_of[214_234])
    looked = {plan.lookup(int(p) * 10_000) for p in prefixes[:: max(1, prefixes.size // 50)]}
    assert looked == {plan.lookup(DALLAS)}
    assert groups.states[groups.state_of.size - 1] == groups.state_names[groups.state_of[-1]]


@pytest.mark.parametrize(
    "choices",
    [
        [0, 1, 6, 2**13 + 5, 2**14 - 1],  # a mask of fourteen codes: wider than a word
        [0, 1, 6, 2**13 + 5, 2**8 - 1],  # up to eight codes a row: one word each
        [0, 4, 2**12],  # one code at most
        [2**7 + 2**3],  # every row listed
    ],
)
def test_reason_lists_expand_masks_in_code_order(choices: list[int]) -> None:
    rng = np.random.default_rng(3)
    masks = rng.choice(choices, 1_000).astype(np.uint32)
    offsets, codes = bulk.reason_lists(masks)
    names = [c.value for c in bulk.CODES]
    for row, mask in enumerate(masks.tolist()):
        got = [names[i] for i in codes[offsets[row] : offsets[row + 1]]]
        assert got == [c.value for c in bulk.codes_of(mask)]
    counts = bulk.code_counts(masks)
    assert counts.get(ReasonCode.INVALID_NUMBER, 0) == sum(m & 1 for m in masks.tolist())
    assert bulk.reason_lists(np.zeros(0, np.uint32))[0].tolist() == [0]


def test_mask_of_and_codes_of_round_trip() -> None:
    from callwarden.core.decision import Reason

    reasons = [
        Reason(code=ReasonCode.DNC_STATE, rule="r", citation="c", message="m"),
        Reason(code=ReasonCode.INVALID_NUMBER, rule="r", citation="c", message="m"),
    ]
    assert bulk.codes_of(bulk.mask_of(reasons)) == (ReasonCode.INVALID_NUMBER, ReasonCode.DNC_STATE)


def test_sorted_unique_and_member_match_python_sets() -> None:
    rng = np.random.default_rng(4)
    values = rng.integers(0, 500, 2_000)
    unique = bulk.sorted_unique(values)
    assert unique.tolist() == sorted(set(values.tolist()))
    probe = rng.integers(-10, 510, 300)
    assert bulk.member(probe, unique).tolist() == [p in set(unique.tolist()) for p in probe]
    assert not bulk.member(probe, np.empty(0, np.int64)).any()
    assert bulk.sorted_unique(np.empty(0, np.int64)).size == 0


def test_invalid_rows_carry_only_invalid_number(plan: NumberingPlan, frozen_rules: RuleSet) -> None:
    gate = engine(plan, frozen_rules)
    numbers = np.array([DALLAS, 9112345678, -1], dtype=np.int64)
    group, _ = bulk.locate(numbers, gate.groups)
    verdicts = gate.verdicts(numbers, group, np.zeros(3, np.uint8))
    assert verdicts.masks.tolist()[1:] == [bulk.INVALID_MASK] * 2
    assert verdicts.masks[0] == 0
    assert not verdicts.needs_consents[1:].any()


def test_a_national_hit_needs_the_consents_that_could_exempt_it(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    """A hit is lifted by written consent, so those rows load consents; the others do not."""
    gate = engine(plan, frozen_rules)
    numbers = np.array([DALLAS, DALLAS + 1], dtype=np.int64)
    group, _ = bulk.locate(numbers, gate.groups)
    hits = np.array([bulk.HIT_NATIONAL, 0], dtype=np.uint8)
    v = gate.verdicts(numbers, group, hits)
    assert bulk.codes_of(int(v.masks[0])) == (ReasonCode.DNC_NATIONAL,)
    assert v.needs_consents.tolist() == [True, False]
    assert not v.needs_history.any()  # telemarketing in Texas has no frequency cap here


def test_debt_collection_needs_history_for_the_regulation_f_cap(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = engine(plan, frozen_rules, purpose=Purpose.DEBT_COLLECTION, method=Method.MANUAL)
    numbers = np.array([DALLAS], dtype=np.int64)
    group, _ = bulk.locate(numbers, gate.groups)
    v = gate.verdicts(numbers, group, np.zeros(1, np.uint8))
    assert v.needs_history.tolist() == [True]


def test_verdicts_are_learned_once_per_signature(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    gate = engine(plan, frozen_rules)
    numbers = np.array([DALLAS, DALLAS + 7, MIAMI, MIAMI + 1] * 50, dtype=np.int64)
    group, _ = bulk.locate(numbers, gate.groups)
    gate.verdicts(numbers, group, np.zeros(numbers.size, np.uint8))
    assert gate.evaluated == len(set(group.tolist()))
    gate.verdicts(numbers[::-1], group[::-1], np.zeros(numbers.size, np.uint8))
    assert gate.evaluated == len(set(group.tolist()))


def test_a_row_with_stored_facts_is_decided_with_them(
    plan: NumberingPlan, frozen_rules: RuleSet
) -> None:
    from callwarden.core.types import Consent, ConsentKind

    gate = engine(plan, frozen_rules)
    group = int(bulk.locate(np.array([DALLAS]), gate.groups)[0][0])
    written = Consent(
        phone=DALLAS, seller="acme", kind=ConsentKind.WRITTEN, at=datetime.fromisoformat(
            "2025-01-01T00:00:00+00:00"
        )
    )  # fmt: skip
    hit = bulk.HIT_NATIONAL
    assert gate.decide(DALLAS, group, hit, bulk.RowFacts()) != 0
    assert gate.decide(DALLAS, group, hit, bulk.RowFacts(consents=(written,))) == 0
