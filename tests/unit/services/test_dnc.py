"""The DNC service's pure parts: change records in file order, numbers typed by people."""

from __future__ import annotations

import numpy as np
import pytest

from callwarden.errors import InvalidInput
from callwarden.services.dnc import net_changes, parse_numbers


def test_the_last_record_of_a_number_wins() -> None:
    """Records apply in file order: add-then-delete deletes, delete-then-add adds."""
    numbers = np.array([2145550100, 9725550100, 2145550100, 3125550100, 9725550100, 3125550100])
    adds = np.array([True, False, False, True, True, True])
    add, remove = net_changes(numbers, adds)
    assert add.tolist() == [3125550100, 9725550100]
    assert remove.tolist() == [2145550100]


def test_no_records_change_nothing() -> None:
    """An empty change set is two empty arrays."""
    add, remove = net_changes(np.empty(0, np.int64), np.empty(0, bool))
    assert add.size == remove.size == 0


def test_net_changes_matches_applying_records_one_by_one() -> None:
    """Against a plain loop over 5,000 random records on 50 numbers."""
    rng = np.random.default_rng(11)
    numbers = 2145550000 + rng.integers(0, 50, 5000)
    adds = rng.random(5000) < 0.5
    state: dict[int, bool] = {}
    for number, flag in zip(numbers.tolist(), adds.tolist(), strict=True):
        state[number] = flag
    add, remove = net_changes(numbers, adds)
    assert add.tolist() == sorted(n for n, on in state.items() if on)
    assert remove.tolist() == sorted(n for n, on in state.items() if not on)


def test_parse_numbers_accepts_common_notations() -> None:
    """People type numbers in many ways; all mean the same 10 digits."""
    got = parse_numbers(["(214) 555-0100", "+1 214.555.0101", "1-214-555-0102", "2145550103"])
    assert got.tolist() == [2145550100, 2145550101, 2145550102, 2145550103]


def test_parse_numbers_names_every_bad_one_and_keeps_none() -> None:
    """Invalid entries are listed by position with a reason; no number is masked out silently."""
    with pytest.raises(InvalidInput) as caught:
        parse_numbers(["2145550100", "555-0100", "(114) 555-0100", "214-155-0100", "+44 20 7946"])
    invalid = caught.value.details["invalid"]
    assert [b["index"] for b in invalid] == [1, 2, 3, 4]
    assert invalid[1]["reason"] == "area code starts with 0 or 1"
    assert invalid[2]["reason"] == "exchange starts with 0 or 1"
    with pytest.raises(InvalidInput, match="no numbers"):
        parse_numbers([])
