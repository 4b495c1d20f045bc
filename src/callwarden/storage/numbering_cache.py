"""Build the NPA-NXX validity table with Arrow's vectorized regex and cache it on disk.

The table depends only on the installed ``phonenumbers`` version, so it is computed once per
version (about 3 s) and stored as ``numbering-<version>.npz`` under the callwarden home.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.core.gate.numbering import (
    CHECK_LINE,
    PROBE_LINES,
    VALID,
    LocationTables,
    NumberingPlan,
    build_plan,
    line_pattern,
    location_tables,
)


def compute_validity() -> npt.NDArray[np.uint8]:
    """Probe every NPA-NXX with several line numbers against the NANP line pattern."""
    pattern = "^" + line_pattern() + "$"
    npa = np.repeat(np.arange(200, 1000), 800)
    nxx = np.tile(np.arange(200, 1000), 800)
    keys = npa * 1000 + nxx
    prefixes = keys.astype("U6")
    hits = np.zeros(keys.size, dtype=np.int16)
    for line in PROBE_LINES:
        numbers = pa.array(np.char.add(prefixes, line))
        hits += pc.match_substring_regex(numbers, pattern).to_numpy(zero_copy_only=False)
    validity = np.zeros(1_000_000, dtype=np.uint8)
    validity[keys[hits == len(PROBE_LINES)]] = VALID
    validity[keys[(hits > 0) & (hits < len(PROBE_LINES))]] = CHECK_LINE
    return validity


def load_plan(cache_dir: Path | None) -> NumberingPlan:
    """Return the numbering plan, reading or writing its cached tables.

    The cache file (``numbering-<phonenumbers version>.npz``) holds the validity, state and
    zone tables and the values they index; it is rebuilt when missing or unreadable.
    """
    name = f"numbering-{phonenumbers.__version__}.npz"
    path = cache_dir / name if cache_dir is not None else None
    if path is not None and path.exists():
        cached = _read(path)
        if cached is not None:
            return build_plan(*cached)
    validity = compute_validity()
    tables = location_tables()
    if path is not None:
        _write(path, validity, tables)
    return build_plan(validity, tables)


def _read(path: Path) -> tuple[npt.NDArray[np.uint8], LocationTables] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            tables = LocationTables(
                states=tuple(meta["states"]),
                state_index=data["state_index"],
                zone_sets=tuple(tuple(z) for z in meta["zone_sets"]),
                zone_index=data["zone_index"],
            )
            return data["validity"], tables
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache is rebuilt


def _write(path: Path, validity: npt.NDArray[np.uint8], tables: LocationTables) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps({"states": list(tables.states), "zone_sets": list(tables.zone_sets)})
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    with os.fdopen(fd, "wb") as handle:
        np.savez(
            handle,
            validity=validity,
            state_index=tables.state_index,
            zone_index=tables.zone_index,
            meta=np.array(meta),
        )
    Path(tmp).replace(path)
