"""The DuckDB peer: the registry in a DuckDB table, and DuckDB doing callwarden's jobs.

DuckDB runs with ``threads=2`` (every core of the reference machine) and a 14 GB memory
limit. Each function runs in its own worker process, so its peak memory is DuckDB's alone.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import (
    Context,
    Measured,
    percentiles_us,
    progress,
    run_worker,
    time_each,
)

SETTINGS = "SET threads = 2; SET memory_limit = '14GB'; SET preserve_insertion_order = false;"
# One column per line, whatever it holds: "2145550100" or "214,5550100".
_READ_REGISTRY = (
    "read_csv(?, columns = {'line': 'VARCHAR'}, delim = '|', header = false, "
    "quote = '', escape = '', auto_detect = false)"
)
_NORMALIZE = "TRY_CAST(CASE WHEN length(d) = 11 AND d[1] = '1' THEN d[2:] ELSE d END AS BIGINT)"


def registry_db(workdir: Path, n: int) -> Path:
    """Where the registry table of this size is kept between runs."""
    return workdir / f"duckdb-registry-{n}.duckdb"


def ensure_registry_db(ctx: Context, registry_txt: Path, n: int) -> tuple[Path, Measured | None]:
    """The DuckDB file holding the registry; load it (in a worker) when it is missing."""
    path = registry_db(ctx.workdir, n)
    if path.exists():
        return path, None
    progress(f"DuckDB: loading the registry into {path.name}")
    measured = run_worker(ctx, "_duck", "load_registry", text=str(registry_txt), db=str(path))
    return path, measured


def load_registry(text: str, db: str) -> dict[str, Any]:
    """``read_csv`` the flat registry file into a BIGINT table and checkpoint it."""
    import duckdb

    target = Path(db)
    tmp = target.with_suffix(".loading")
    tmp.unlink(missing_ok=True)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)
    start = time.perf_counter()
    con = duckdb.connect(str(tmp))
    con.execute(SETTINGS)
    load = f"CREATE TABLE registry AS SELECT CAST(replace(line, ',', '') AS BIGINT) AS n FROM {_READ_REGISTRY}"  # noqa: E501, S608 - constant fragments
    con.execute(load, [text])
    con.execute("CHECKPOINT")
    rows = con.execute("SELECT count(*) FROM registry").fetchone()
    con.close()
    seconds = time.perf_counter() - start
    tmp.replace(target)
    return {"seconds": seconds, "rows": int(rows[0]) if rows else 0}


def scrub(db: str, leads: str, out: str, kind: str) -> dict[str, Any]:
    """Read the leads, normalize (CSV), anti-join the registry, write Parquet."""
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    con.execute(SETTINGS)
    if kind == "csv":
        source = (
            "(SELECT *, regexp_replace(phone, '[^0-9]', '', 'g') AS d "
            "FROM read_csv(?, columns = {'lead_id': 'BIGINT', 'phone': 'VARCHAR'}, header = true))"
        )
        select = f"SELECT l.lead_id, l.phone, {_NORMALIZE} AS number FROM {source} l"  # noqa: S608 - constant fragments
        query = f"SELECT * FROM ({select}) s ANTI JOIN registry r ON s.number = r.n"  # noqa: S608
    else:
        query = "SELECT l.* FROM read_parquet(?) l ANTI JOIN registry r ON l.phone = r.n"
    con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)", [leads])  # path from the harness
    kept = con.execute("SELECT count(*) FROM read_parquet(?)", [out]).fetchone()
    con.close()
    return {"seconds": time.perf_counter() - start, "kept": int(kept[0]) if kept else 0}


def semi_join(db: str, leads: str, repeats: int) -> dict[str, Any]:
    """Membership of the lead numbers (a DuckDB table in memory) by SEMI JOIN; best of runs."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    con.execute(SETTINGS)
    con.execute(
        "CREATE TEMP TABLE leads AS SELECT phone FROM read_parquet(?) WHERE phone IS NOT NULL",
        [leads],
    )
    count = con.execute("SELECT count(*) FROM leads").fetchone()
    times, hits = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        found = con.execute(
            "SELECT l.phone FROM leads l SEMI JOIN registry r ON l.phone = r.n"
        ).fetchnumpy()["phone"]
        times.append(time.perf_counter() - start)
        hits = int(np.asarray(found).size)
    con.close()
    return {"seconds": min(times), "numbers": int(count[0]) if count else 0, "hits": hits}


def point_queries(db: str, numbers: list[int]) -> dict[str, Any]:
    """One parameterized ``SELECT`` per number; per-query p50/p99."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    con.execute(SETTINGS)
    sql = "SELECT count(*) FROM registry WHERE n = ?"
    for value in numbers[:200]:
        con.execute(sql, [value]).fetchone()
    samples, _ = time_each(lambda v: con.execute(sql, [v]).fetchone(), numbers)
    con.close()
    p50, p99 = percentiles_us(samples)
    return {"p50_us": p50, "p99_us": p99, "count": int(samples.size)}
