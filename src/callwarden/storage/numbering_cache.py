"""Build the NPA-NXX validity table with Arrow's vectorized regex and cache it on disk.

The table depends only on the installed ``phonenumbers`` version, so it is computed once per
version (about 5 s) and stored as ``numbering-<version>.npy`` under the callwarden home.
"""

from __future__ import annotations

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
    NumberingPlan,
    build_plan,
    line_pattern,
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
    """Return the numbering plan, reading or writing the cached validity table."""
    name = f"numbering-{phonenumbers.__version__}.npy"
    path = cache_dir / name if cache_dir is not None else None
    if path is not None and path.exists():
        validity = np.load(path)
    else:
        validity = compute_validity()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, validity)
            Path(tmp).replace(path)
    return build_plan(validity)
