"""6. Scrub end to end: ``callwarden scrub`` of the lead files, against DuckDB doing the job.

callwarden runs every check of the gate on every lead (telemarketing by autodialer, one
seller and campaign, at 15:00 Eastern next Wednesday) and writes Parquet with every
input column plus ``phone_e164``, ``allowed`` and ``reasons``, as its own process.

Peer, as its own process: DuckDB reads the same file, normalizes the phone with
``regexp_replace`` (CSV; the Parquet column is an integer already), anti-joins the registry
held in a DuckDB table and writes Parquet. The table is loaded beforehand (by the import
benchmark, or here when missing); its load time is reported separately there.
Each side runs twice, the two taking turns (once when a run takes over a minute); the best
run counts. The seller
has no consents stored, so every lead on the registry must come out as DNC_NATIONAL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from benchmarks._attempts import dialing_day
from benchmarks._data import Dataset, ensure_dataset
from benchmarks._duck import ensure_registry_db
from benchmarks._harness import (
    REPO,
    Context,
    Measured,
    Row,
    fmt_bytes,
    fmt_rate,
    fmt_s,
    progress,
    run_measured,
    run_worker,
)
from benchmarks._home import callwarden, ensure_home

RUNS = 2
ONE_RUN_ABOVE_S = 60.0
TARGETS = {"csv": 2.0, "parquet": 3.0}


def run(ctx: Context) -> list[Row]:
    """Both input forms, callwarden and DuckDB, best of two runs each (see ``_best``)."""
    data = ensure_dataset(ctx)
    home = ensure_home(ctx)
    db, loaded = ensure_registry_db(ctx, data.path("registry_txt"), data.registry_count)
    load_note = "DuckDB table loaded beforehand (see row 7)"
    if loaded:
        load_note = f"DuckDB table loaded here in {fmt_s(loaded.wall_s)}"
    rows = []
    for kind in ("csv", "parquet"):
        source = data.path("leads_csv" if kind == "csv" else "leads_parquet")
        duck_out = str(ctx.workdir / f"duck-out-{kind}.parquet")
        ours, peer = _best_alternating(
            functools.partial(_callwarden_scrub, ctx, home.env, source, kind),
            functools.partial(
                run_worker, ctx, "_duck", "scrub", db=str(db), leads=str(source), out=duck_out,
                kind=kind,
            ),
        )  # fmt: skip
        check = _verify(ctx.workdir / f"cw-out-{kind}.parquet", data, peer.result["kept"])
        rows.append(_row(kind, data, ours, peer, f"{check}; {load_note}"))
    return rows


def _best_alternating(
    ours: Callable[[], Measured], peer: Callable[[], Measured]
) -> tuple[Measured, Measured]:
    """The best of ``RUNS`` runs of each side, the two sides taking turns.

    Turns, not one side's runs and then the other's: the machine's speed drifts over
    minutes, and a drift then weighs on both sides alike. A side whose run took over a minute
    runs once.
    """
    runs: tuple[list[Measured], list[Measured]] = ([], [])
    for _ in range(RUNS):
        for job, done in ((ours, runs[0]), (peer, runs[1])):
            if not done or done[0].wall_s <= ONE_RUN_ABOVE_S:
                done.append(job())
    best = [min(done, key=lambda m: m.wall_s) for done in runs]
    return best[0], best[1]


def _callwarden_scrub(ctx: Context, env: dict[str, str], source: Path, kind: str) -> Measured:
    at = dialing_day() + timedelta(hours=19)  # 15:00 Eastern, 12:00 Pacific, 09:00 Hawaii
    out = ctx.workdir / f"cw-out-{kind}.parquet"
    out.unlink(missing_ok=True)
    progress(f"scrub: callwarden scrub of {source.name}")
    argv = callwarden(
        "scrub", "--input", str(source), "--output", str(out), "--phone-column", "phone",
        "--at", at.isoformat(), "--purpose", "telemarketing", "--method", "autodialer",
        "--channel", "voice", "--seller", "acme", "--campaign", "spring",
    )  # fmt: skip
    return run_measured(argv, env=env, cwd=REPO)


def _verify(out: Path, data: Dataset, duck_kept: int) -> str:
    """Rows written and national-list denials against the ground truth."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    meta = data.meta
    table = pq.read_table(out, columns=["reasons"])
    flat = pc.list_flatten(table.column("reasons"))
    national = int(pc.sum(pc.equal(flat, "DNC_NATIONAL")).as_py() or 0)
    expected_duck = data.lead_count - meta["leads_on_registry"]
    parts = [
        f"rows {table.num_rows:,}/{data.lead_count:,}",
        f"DNC_NATIONAL {national:,} (truth {meta['leads_on_registry']:,})",
        f"DuckDB kept {duck_kept:,} (expected {expected_duck:,})",
    ]
    return ", ".join(parts)


def _row(kind: str, data: Dataset, ours: Measured, peer: Measured, note: str) -> Row:
    target = TARGETS[kind]
    ratio = peer.wall_s / ours.wall_s
    label = "mixed-notation CSV" if kind == "csv" else "Parquet int64 phone column"
    return Row(
        benchmark=f"6. scrub end to end, {label} (callwarden scrub)",
        figure=f"{fmt_s(ours.wall_s)} ({fmt_rate(data.lead_count / ours.wall_s, 'leads/s')})",
        peer="DuckDB: read, "
        + ("regexp_replace, " if kind == "csv" else "")
        + "ANTI JOIN registry table, write Parquet",
        peer_figure=f"{fmt_s(peer.wall_s)} (in process {fmt_s(peer.result['seconds'])})",
        ratio=ratio,
        target=f"≥ {target:g}× faster than DuckDB",
        passed=ratio >= target,
        peak=f"{fmt_bytes(ours.peak_bytes)} / {fmt_bytes(peer.peak_bytes)}",
        note=f"{data.lead_count:,} leads; wall time of each process, best of {RUNS}, the sides "
        f"taking turns (1 when a run takes over {ONE_RUN_ABOVE_S:.0f} s); {note}",
    )
