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
        pattern = "^" + plan.line_pattern + "$"
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
    held = dnc.names()
    rows = np.flatnonzero(group > 0)
    valid = numbers[rows]
    bits = np.zeros(valid.shape, dtype=np.uint8)
    for name, bit in SELLER_FREE:
        if name in held:
            bits |= dnc.contains_many(name, valid).view(np.uint8) * np.uint8(bit)
    own = [i for i, seller in enumerate(sellers) if seller and f"internal:{seller}" in held]
    if own:
        of = np.zeros(rows.size, dtype=np.intp) if seller_of is None else seller_of[rows]
        for index, part in _partition(of, len(sellers), only=own):
            found = dnc.contains_many(f"internal:{sellers[index]}", valid[part])
            bits[part[found]] |= np.uint8(bulk.HIT_INTERNAL)
    listed = [i for i, state in enumerate(groups.state_names) if state and f"state:{state}" in held]
    if listed:
        state_of = groups.state_of[group[rows]]
        for index, part in _partition(state_of, len(groups.state_names), only=listed):
            found = dnc.contains_many(f"state:{groups.state_names[index]}", valid[part])
            bits[part[found]] |= np.uint8(bulk.HIT_STATE)
    hits[rows] = bits
    return hits


def _partition(
    labels: npt.NDArray[np.integer], count: int, only: Sequence[int]
) -> list[tuple[int, npt.NDArray[np.intp]]]:
    """The rows of each label in ``only`` (labels are in ``range(count)``) that has some.

    Rows of other labels are dropped before sorting (a stable radix sort over small integers).
    """
    if labels.size == 0:
        return []
    wanted = np.zeros(count, dtype=bool)
    wanted[list(only)] = True
    keep = wanted[labels]
    if keep.all():
        rows = np.arange(labels.size, dtype=np.intp)
        if len(only) == 1:
            return [(only[0], rows)]
    else:
        rows = np.flatnonzero(keep)
    kept = labels[rows]
    order = np.argsort(kept, kind="stable")
    bounds = np.searchsorted(kept[order], np.arange(count + 1))
    return [
        (index, rows[order[int(bounds[index]) : int(bounds[index + 1])]])
        for index in only
        if bounds[index] < bounds[index + 1]
    ]
