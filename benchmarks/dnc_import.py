"""7. Import of the national registry from the FTC flat file, and of a daily change file.

``callwarden dnc import --list national FILE`` runs as its own process on a fresh home; its
wall time (start-up included) and peak RSS are the figures. Below full scale the time is also
extrapolated to 250 million numbers, and labelled so: the cost of importing a 1,000-line file
(start-up, creating the list file) plus the rest scaled linearly by the number of lines. The
peak memory is the one measured at the run's scale. The change file (100,000 lines, half
adds and half deletes) is then applied with ``--changes`` to the list just imported.

Before each of the two full imports (ours, then DuckDB's) the file is read through once, so
both read it from the page cache; the first read's time (the disk's speed when the file is
cold) is in the notes, to add where a cold import matters.

Peer: DuckDB ``read_csv`` of the same file into a BIGINT table, checkpointed to disk, in its
own process (the table is kept for the scrub benchmark's DuckDB peer).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks._data import FULL_REGISTRY, ensure_dataset
from benchmarks._duck import registry_db
from benchmarks._harness import (
    REPO,
    Context,
    Measured,
    Row,
    fmt_bytes,
    fmt_s,
    progress,
    run_measured,
    run_worker,
)
from benchmarks._home import callwarden, home_env, new_home

TARGET_FULL_S, TARGET_PEAK, TARGET_CHANGES_S = 30.0, 3 * 1024**3, 2.0
PROBE_LINES = 1_000


def run(ctx: Context) -> list[Row]:
    """Import into a fresh home, apply the change file, and load DuckDB from the same file."""
    data = ensure_dataset(ctx)
    text = data.path("registry_txt")
    probe = _probe_file(ctx, text)
    progress(f"import: fixed costs, {PROBE_LINES:,}-line imports (callwarden and DuckDB)")
    ours_fixed = _import(ctx, "import-probe-home", probe)[0]
    duck_fixed = _duck_load(ctx, probe, ctx.workdir / "duckdb-probe.duckdb")
    progress(f"import: callwarden dnc import of {data.registry_count:,} numbers")
    first_read = _read_through(text)
    full, home = _import(ctx, "import-home", text)
    progress("import: DuckDB read_csv of the same file")
    _read_through(text)
    duck = _duck_load(ctx, text, registry_db(ctx.workdir, data.registry_count))
    progress("import: the 100,000-line change file")
    changes = run_measured(
        callwarden("dnc", "import", "--list", "national", "--changes", str(data.path("changes"))),
        env=home_env(home), cwd=REPO,
    )  # fmt: skip
    scale = Scale(lines=data.registry_count, size=text.stat().st_size)
    return [
        _full_row(full, duck, (ours_fixed.wall_s, duck_fixed.wall_s), scale, first_read),
        Row(
            benchmark="7. DNC change file, 100,000 lines (dnc import --changes)",
            figure=fmt_s(changes.wall_s),
            target="< 2 s",
            passed=changes.wall_s < TARGET_CHANGES_S,
            peak=fmt_bytes(changes.peak_bytes),
            note=f"applied to the {data.registry_count:,}-number list just imported; "
            "process start-up included",
        ),
    ]


@dataclass(frozen=True)
class Scale:
    """The file imported."""

    lines: int
    size: int

    @property
    def factor(self) -> float:
        """How many times the full registry is larger."""
        return FULL_REGISTRY / self.lines


def _probe_file(ctx: Context, text: Path) -> Path:
    """The first lines of the registry file, to measure what an import costs regardless of size."""
    probe = ctx.workdir / f"registry-probe-{PROBE_LINES}.txt"
    with text.open("rb") as source:
        head = b"".join(source.readline() for _ in range(PROBE_LINES))
    probe.write_bytes(head)
    return probe


def _read_through(text: Path) -> float:
    """Read the file once, so that both imports find it in the page cache; the seconds taken.

    Which of the two imports reads the file from disk would otherwise depend on the order they
    run in and on what the kernel evicted meanwhile (the second one used to find it cached).
    The first read's time says how fast this machine's disk gives the file when it is cold.
    """
    started = time.perf_counter()
    with text.open("rb", buffering=0) as source:
        while source.read(8 * 2**20):
            pass
    return time.perf_counter() - started


def _import(ctx: Context, home_name: str, text: Path) -> tuple[Measured, Path]:
    home = new_home(ctx, home_name)
    env = home_env(home)
    run_measured(callwarden("apikey", "list"), env=env, cwd=REPO)  # migrate the new database first
    argv = callwarden("dnc", "import", "--list", "national", str(text))
    return run_measured(argv, env=env, cwd=REPO), home


def _duck_load(ctx: Context, text: Path, db: Path) -> Measured:
    return run_worker(ctx, "_duck", "load_registry", text=str(text), db=str(db))


def extrapolate(wall: float, fixed: float, factor: float) -> float:
    """Fixed cost plus the per-line rest scaled to 250 million lines (never below ``wall``)."""
    return max(wall, fixed + (wall - fixed) * factor)


def _full_row(
    full: Measured, duck: Measured, fixed: tuple[float, float], scale: Scale, first_read: float
) -> Row:
    wall, peak = full.wall_s, full.peak_bytes
    figure = f"{fmt_s(wall)} ({scale.lines / wall / 1e6:.1f} M lines/s)"
    peer_figure = f"{fmt_s(duck.wall_s)} (in process {fmt_s(duck.result['seconds'])})"
    target = "< 30 s and < 3 GB at 250M"
    full_s = extrapolate(wall, fixed[0], scale.factor)
    note = (
        f"{scale.lines:,} lines, {scale.size / 2**20:,.0f} MiB text (10 % as NPA,NXXXXXX); "
        "fresh home, process start-up included; the file is read through before each import "
        f"(both find it in the page cache; the first read took {fmt_s(first_read)}, "
        f"{scale.size / first_read / 1e6:,.0f} MB/s)"
    )
    if scale.factor > 1:
        duck_full = extrapolate(duck.wall_s, fixed[1], scale.factor)
        figure += f"; EXTRAPOLATED to 250M: {fmt_s(full_s)}"
        peer_figure += f"; EXTRAPOLATED {fmt_s(duck_full)}"
        target += " (time judged on the extrapolation, memory as measured)"
        note += (
            f"; extrapolation = fixed cost ({PROBE_LINES:,}-line import: callwarden "
            f"{fmt_s(fixed[0])}, DuckDB {fmt_s(fixed[1])}) + the rest × {scale.factor:g}"
        )
    return Row(
        benchmark="7. DNC import, national registry flat file (dnc import --list national)",
        figure=figure,
        peer="DuckDB read_csv into a table + CHECKPOINT",
        peer_figure=peer_figure,
        ratio=duck.wall_s / wall,
        target=target,
        passed=full_s < TARGET_FULL_S and peak < TARGET_PEAK,
        peak=f"{fmt_bytes(peak)} / {fmt_bytes(duck.peak_bytes)}",
        note=note,
    )
