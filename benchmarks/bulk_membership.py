"""5. Bulk membership against the national list: ``DncStore.contains_many`` on the leads.

The numbers are every lead's integer phone (10 million at full scale, in file order, so
random with respect to the registry); the store is the prepared home's national list. Best
of three runs after one warm-up run, in a fresh process.

Peers, each in its own process on the same numbers: numpy ``searchsorted`` on the sorted
registry array held in memory (leads as they come, and sorted first with the sort timed),
and DuckDB's SEMI JOIN of a leads table against the registry table.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks._data import ensure_dataset
from benchmarks._duck import ensure_registry_db
from benchmarks._harness import Context, Row, fmt_bytes, fmt_rate, fmt_s, progress, run_worker
from benchmarks._home import ensure_home

TARGET_RATE = 50e6
REPEATS = 3


def run(ctx: Context) -> list[Row]:
    """callwarden against numpy and DuckDB on the same numbers."""
    data = ensure_dataset(ctx)
    home = ensure_home(ctx)
    leads = str(data.path("leads_parquet"))
    registry = str(data.path("registry_npy"))
    progress("bulk membership: DncStore.contains_many")
    ours = run_worker(ctx, "bulk_membership", "measure_store", home=str(home.path), leads=leads)
    progress("bulk membership peer: numpy searchsorted")
    numpy_peer = run_worker(
        ctx, "bulk_membership", "measure_searchsorted", registry=registry, leads=leads
    )
    db, _ = ensure_registry_db(ctx, data.path("registry_txt"), data.registry_count)
    progress("bulk membership peer: DuckDB SEMI JOIN")
    duck = run_worker(ctx, "_duck", "semi_join", db=str(db), leads=leads, repeats=REPEATS)
    r = ours.result
    rate = r["numbers"] / r["seconds"]
    truth = numpy_peer.result["hits"]
    check = "hits match numpy" if r["hits"] == truth else f"HITS DIFFER: {r['hits']:,} vs {truth:,}"
    base = {
        "benchmark": "5. bulk membership (DncStore.contains_many)",
        "figure": f"{fmt_rate(rate, 'numbers/s')} ({fmt_s(r['seconds'])} for {r['numbers']:,})",
        "target": "≥ 50 M numbers/s",
        "passed": rate >= TARGET_RATE,
    }
    peers = [
        (
            "numpy searchsorted, leads as they come",
            numpy_peer,
            "random_s",
            numpy_peer.result["numbers"],
        ),
        (
            "numpy searchsorted, leads sorted first (sort timed)",
            numpy_peer,
            "sorted_s",
            numpy_peer.result["numbers"],
        ),
        (
            "DuckDB SEMI JOIN (leads table × registry table)",
            duck,
            "seconds",
            duck.result["numbers"],
        ),
    ]
    rows = []
    for name, measured, key, count in peers:
        seconds = measured.result[key]
        rows.append(
            Row(
                **base,
                peer=name,
                peer_figure=f"{fmt_rate(count / seconds, 'numbers/s')} ({fmt_s(seconds)})",
                ratio=rate * seconds / count,
                peak=f"{fmt_bytes(ours.peak_bytes)} / {fmt_bytes(measured.peak_bytes)}",
                note=f"{r['hits']:,} hits; {check}; best of {REPEATS} (numpy: of 2); "
                f"backend {r['backend']}",
            )
        )
    return rows


def _numbers(leads: str) -> npt.NDArray[np.int64]:
    import pyarrow.parquet as pq

    column = pq.read_table(leads, columns=["phone"]).column("phone").drop_null()
    return np.ascontiguousarray(column.to_numpy(), dtype=np.int64)


def _best(
    function: Any, numbers: npt.NDArray[np.int64], repeats: int = REPEATS, warm: bool = True
) -> tuple[float, Any]:
    result = function(numbers) if warm else None  # warm-up: page cache, lazy mappings
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(numbers)
        times.append(time.perf_counter() - start)
    return min(times), result


def measure_store(home: str, leads: str) -> dict[str, Any]:
    """``contains_many`` of every lead number on the national list."""
    os.environ["CALLWARDEN_HOME"] = home
    from callwarden.bootstrap import bootstrap

    store = bootstrap().dnc
    numbers = _numbers(leads)
    seconds, found = _best(lambda x: store.contains_many("national", x), numbers)
    return {
        "seconds": seconds,
        "numbers": int(numbers.size),
        "hits": int(np.count_nonzero(found)),
        "backend": store.lists()["national"].backend,
    }


def measure_searchsorted(registry: str, leads: str) -> dict[str, Any]:
    """numpy ``searchsorted`` on the registry in memory, leads unsorted and sorted first."""
    table = np.load(Path(registry))  # read fully into memory

    def member(x: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        pos = np.minimum(np.searchsorted(table, x), table.size - 1)
        return np.asarray(table[pos] == x)

    def member_sorted(x: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        order = np.argsort(x, kind="stable")
        out = np.empty(x.size, dtype=bool)
        out[order] = member(x[order])
        return out

    numbers = _numbers(leads)
    # The table is in memory already: no warm-up; two runs (20 s each at full scale, unsorted).
    random_s, found = _best(member, numbers, repeats=2, warm=False)
    sorted_s, _ = _best(member_sorted, numbers, repeats=2, warm=False)
    return {
        "random_s": random_s,
        "sorted_s": sorted_s,
        "numbers": int(numbers.size),
        "hits": int(np.count_nonzero(found)),
    }
