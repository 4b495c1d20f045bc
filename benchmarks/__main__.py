"""``python -m benchmarks``: run the benchmarks and print one table against the peers.

Progress goes to stderr; the table (and nothing else) to stdout. A benchmark that raises
gets a row with its error and the run goes on.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import timeit
from datetime import UTC, datetime
from pathlib import Path

from benchmarks._data import sizes
from benchmarks._harness import REPO, Context, Row, close_spawner, failed_row, progress, spawner
from benchmarks._table import render

DEFAULT_SCALE = 0.1
#: name -> table label; run in this order (the import first: it is the slowest to redo).
BENCHMARKS = {
    "dnc_import": "7. DNC import",
    "single_decision": "1. single decision",
    "dnc_membership": "2. DNC membership, one number",
    "check_service": "3. check through the service (SQLite)",
    "bulk_membership": "5. bulk membership",
    "scrub": "6. scrub end to end",
    "http_api": "4. HTTP API",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="callwarden benchmarks against their peers, measured in the same run.",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=DEFAULT_SCALE,
        help="share of the full issue scale (250M registry, 10M leads); default %(default)s",
    )
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only these: {', '.join(sorted(BENCHMARKS))}")  # fmt: skip
    parser.add_argument(
        "--workdir",
        type=Path,
        default=REPO / "benchmarks" / ".data",
        help="where data and homes are kept between runs (default benchmarks/.data)",
    )
    parser.add_argument("--format", choices=("auto", "markdown", "rich"), default="auto")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    return args


def machine() -> str:
    """Cores, memory and Python of this machine."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return (
        f"{os.cpu_count()} cores, {pages / 1024**3:.0f} GiB RAM, {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def load_average() -> str:
    """The one-minute load average: other work on the machine skews every figure."""
    return f"{os.getloadavg()[0]:.1f}"


def cpu_speed() -> str:
    """Microseconds a fixed pure-Python loop takes (the fastest of five timings).

    The development machine is shared: its speed has drifted by more than half within an
    hour. This figure, taken before and after a run, tells how fast the machine was, so that
    runs of different hours can be compared (16.9 µs and 27.5 µs were both seen in one day).
    """
    best = min(timeit.repeat("sum(range(1000))", number=2_000, repeat=5)) / 2_000
    return f"{best * 1e6:.1f} µs"


def run_one(name: str, ctx: Context) -> list[Row]:
    """Run one benchmark module; an exception becomes a row."""
    started = time.perf_counter()
    progress(f"=== {name}")
    try:
        module = importlib.import_module(f"benchmarks.{name}")
        rows: list[Row] = module.run(ctx)
    except Exception as exc:  # noqa: BLE001 - report any failure in the table, keep going
        progress(f"{name} failed: {type(exc).__name__}: {exc}")
        rows = [failed_row(BENCHMARKS[name], exc)]
    progress(f"=== {name} done in {time.perf_counter() - started:.1f} s")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks and print the table."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.pop("CALLWARDEN_DATABASE_URL", None)  # every home uses its own SQLite file
    spawner()  # the launcher of measured processes starts while this process is small
    try:
        return _run(args)
    finally:
        close_spawner()


def _run(args: argparse.Namespace) -> int:
    args.workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(scale=args.scale, workdir=args.workdir.resolve())
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    n, m = sizes(args.scale)
    progress(f"scale {args.scale:g}: registry {n:,} numbers, {m:,} leads; workdir {ctx.workdir}")
    started, load_before, speed_before = time.perf_counter(), load_average(), cpu_speed()
    rows = [row for name in names for row in run_one(name, ctx)]
    rows.sort(key=lambda r: r.benchmark.split(".", 1)[0])
    title = (
        f"callwarden benchmarks, scale {args.scale:g} (registry {n:,}, leads {m:,}), "
        f"{datetime.now(UTC):%Y-%m-%d}, {machine()}, "
        f"load average {load_before} before / {load_average()} after, "
        f"sum(range(1000)) {speed_before} before / {cpu_speed()} after, "
        f"run took {time.perf_counter() - started:.0f} s"
    )
    render(rows, title, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
