"""Numbers in bulk: where each one is in the numbering plan, and which DNC lists hold it.

The array forms of ``Gate.national`` (with ``NumberingPlan.is_valid``) and ``DncStore.hits``,
shared by the scrub and the columnar batch check: a group per number (0 when it is not a valid
number) and a bit set of list hits per valid number (``bulk.HIT_*``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.core.gate import bulk
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.ports import DncLookup

#: Lists every valid number is tested against whoever the seller is, with the bit a hit sets
#: ("internal" without a seller is the contact center's own list for every seller).
SELLER_FREE = (
    ("national", bulk.HIT_NATIONAL),
    ("internal", bulk.HIT_INTERNAL),
    ("litigator", bulk.HIT_LITIGATOR),
)


def locate(
    numbers: npt.NDArray[np.int64], groups: bulk.PrefixGroups, plan: NumberingPlan
) -> npt.NDArray[np.uint16]:
    """The group of each number; 0 when it is not a valid number (as ``Gate.national`` says).

    Prefixes whose validity depends on the line number are checked against the plan's line
    pattern, as ``NumberingPlan.is_valid`` does.
    """
    group, needs_line = bulk.locate(numbers, groups)
    rows = np.flatnonzero(needs_line)
    if rows.size:
        pattern = "^" + plan.line_regex.pattern + "$"
        text = pc.cast(pa.array(numbers[rows]), pa.string())
        ok = pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
        group[rows[~ok]] = 0
    return group


def list_hits(
    dnc: DncLookup,
    numbers: npt.NDArray[np.int64],
    group: npt.NDArray[np.uint16],
    groups: bulk.PrefixGroups,
    *,
    sellers: Sequence[str],
    seller_of: npt.NDArray[np.intp] | None = None,
) -> npt.NDArray[np.uint8]:
    """List-hit bits of the valid rows: national, own state's list, the seller's, litigator.

    ``sellers`` names the sellers and ``seller_of`` gives each row's index into it (None: every
    row is the first seller's). Each list is asked once, about the rows it can hold.
    """
    hits = np.zeros(numbers.shape, dtype=np.uint8)
    rows = np.flatnonzero(group > 0)
    valid = numbers[rows]
    bits = np.zeros(valid.shape, dtype=np.uint8)
    for name, bit in SELLER_FREE:
        bits |= dnc.contains_many(name, valid).view(np.uint8) * np.uint8(bit)
    own = np.zeros(rows.size, dtype=np.intp) if seller_of is None else seller_of[rows]
    for index, part in _partition(own, len(sellers)):
        if sellers[index]:
            found = dnc.contains_many(f"internal:{sellers[index]}", valid[part])
            bits[part[found]] |= np.uint8(bulk.HIT_INTERNAL)
    for index, part in _partition(groups.state_of[group[rows]], len(groups.state_names)):
        state = groups.state_names[index]
        if state is not None:
            found = dnc.contains_many(f"state:{state}", valid[part])
            bits[part[found]] |= np.uint8(bulk.HIT_STATE)
    hits[rows] = bits
    return hits


def _partition(
    labels: npt.NDArray[np.integer], count: int
) -> list[tuple[int, npt.NDArray[np.intp]]]:
    """The rows of each label in ``range(count)`` that has some (a stable radix sort)."""
    if labels.size == 0:
        return []
    if count == 1:
        return [(0, np.arange(labels.size, dtype=np.intp))]
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    return [
        (index, order[int(bounds[index]) : int(bounds[index + 1])])
        for index in range(count)
        if bounds[index] < bounds[index + 1]
    ]
