"""3. A check through the service with SQLite: ``CheckService.check`` of one attempt.

The prepared home holds the imported registry and thousands of consents and past attempts,
so every check loads real facts: DNC hits, consents, recent history, campaign abandonment,
reassignment and emergencies, all from the SQLite file. Each call is timed on its own.
No peer: the figure is held against its target alone.

The database file is read through once before the checks, as a running service finds its
pages in memory: otherwise the p99 measures how fast the disk gives back pages the kernel
evicted (one run on the development machine: p99 5.5 ms, against 0.35-0.8 ms in the others).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._attempts import DIALER_PACE_S, attempt_dicts, dialing_day
from benchmarks._data import ensure_dataset
from benchmarks._harness import (
    Context,
    Row,
    fmt_bytes,
    fmt_us,
    percentiles_us,
    progress,
    run_worker,
    time_each,
)
from benchmarks._home import ensure_home, fact_numbers

TARGET_P99_US = 1_000.0


def run(ctx: Context) -> list[Row]:
    """Time single checks in a fresh process on the prepared home."""
    home = ensure_home(ctx)
    data = ensure_dataset(ctx)
    count = max(1_000, ctx.micro_count // 10)
    attempts = ctx.workdir / "service-attempts.npy"
    np.save(attempts, fact_numbers(data))
    progress(f"check service: up to {count:,} CheckService.check calls on SQLite (30 s at most)")
    measured = run_worker(
        ctx, "check_service", "measure", home=str(home.path), numbers=str(attempts), count=count
    )
    r = measured.result
    return [
        Row(
            benchmark="3. check through the service, SQLite (CheckService.check)",
            figure=f"p50 {fmt_us(r['p50_us'])} / p99 {fmt_us(r['p99_us'])}",
            target="p99 < 1 ms",
            passed=r["p99_us"] < TARGET_P99_US,
            peak=fmt_bytes(measured.peak_bytes),
            note=f"{r['count']:,} checks, one attempt each (the database file read through "
            f"first); {home.consents:,} consents and "
            f"{home.history:,} past attempts stored; {r['allowed_share']:.0%} allowed; "
            f"registry {data.registry_count:,}",
        )
    ]


def measure(home: str, numbers: str, count: int) -> dict[str, Any]:
    """Check ``count`` attempts one at a time through the composed application."""
    os.environ["CALLWARDEN_HOME"] = home
    from callwarden.bootstrap import bootstrap
    from callwarden.interfaces.schemas import AttemptIn

    for name in ("callwarden.db", "callwarden.db-wal"):  # into the page cache, as a service's
        path = Path(home) / name
        if path.exists():
            with path.open("rb", buffering=0) as source:
                while source.read(8 * 2**20):
                    pass
    app = bootstrap()
    checker = app.checker
    app.dnc.warm()  # as `callwarden serve` does at start-up: the lists' pages mapped
    called = np.load(Path(numbers))
    attempts = [
        AttemptIn.model_validate(a).to_core()
        for a in attempt_dicts(called, count, dialing_day(), pace_s=DIALER_PACE_S)
    ]
    for attempt in attempts[:500]:  # warm up: caches, prepared statements, page cache
        checker.check([attempt])
    from callwarden.bootstrap import settle_heap

    settle_heap()  # as `callwarden serve` does after start-up
    samples, decisions = time_each(lambda a: checker.check([a])[0], attempts)
    p50, p99 = percentiles_us(samples)
    allowed = sum(d.allowed for d in decisions) / len(decisions)
    return {"p50_us": p50, "p99_us": p99, "allowed_share": allowed, "count": int(samples.size)}
