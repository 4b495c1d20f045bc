"""The harness: table rows, progress, timing helpers and measured subprocesses.

A measurement that needs its own peak memory runs in a fresh Python process
(``python -m benchmarks._worker MODULE FUNCTION``) or as a command line; the parent reaps it
with ``os.wait4`` and reads that child's ``ru_maxrss`` (the peak resident set of the child and
of any process it waited for, so the largest uvicorn worker counts too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
_T0 = time.perf_counter()


def progress(message: str) -> None:
    """One line of progress on stderr, with the seconds since the run started."""
    print(f"[bench {time.perf_counter() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    """One line of the final table.

    ``ratio`` is how many times callwarden beats the peer (peer time / callwarden time, or
    callwarden rate / peer rate); above 1 means callwarden is faster.
    """

    benchmark: str
    figure: str
    peer: str = "-"
    peer_figure: str = "-"
    ratio: float | None = None
    target: str = "-"
    passed: bool | None = None
    peak: str = "-"
    note: str = ""


@dataclass
class Context:
    """What every benchmark gets: the scale, the work folder and shared, lazily built data."""

    scale: float
    workdir: Path
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def micro_count(self) -> int:
        """How many single operations a latency benchmark times (100,000 at scale >= 0.01)."""
        return max(2_000, min(100_000, int(100_000 * self.scale * 100)))


@dataclass(frozen=True)
class Measured:
    """What came back from a measured subprocess."""

    result: dict[str, Any]
    wall_s: float
    peak_bytes: int
    returncode: int
    stderr_tail: str = ""


class BenchError(RuntimeError):
    """A measurement that could not be made; its message goes into the table."""


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 3600.0,
    check: bool = True,
    capture: bool = True,
) -> Measured:
    """Run a command, time it, and read its peak RSS with ``wait4``.

    With ``capture`` the command's stderr is kept (its tail goes into errors); without, it
    flows through to ours (live progress of workers).
    """
    full_env = {**os.environ, **(env or {})}
    err_path = Path(tempfile.gettempdir()) / f"cw-bench-{os.getpid()}-stderr.log"
    with err_path.open("w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            env=full_env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=err if capture else None,
        )
        rusage = reap(proc, start, timeout_s)
        wall = time.perf_counter() - start
        err.seek(0)
        tail = err.read()[-4000:].decode("utf-8", "replace")
    err_path.unlink(missing_ok=True)
    if check and proc.returncode != 0:
        last = tail.strip().splitlines()[-3:] if tail.strip() else ["(no output)"]
        raise BenchError(f"{Path(argv[0]).name} exited {proc.returncode}: {' / '.join(last)}")
    return Measured(
        result={}, wall_s=wall, peak_bytes=rusage * 1024, returncode=proc.returncode,
        stderr_tail=tail,
    )  # fmt: skip


def reap(proc: subprocess.Popen[bytes], start: float, timeout_s: float) -> int:
    """Wait for the child with ``wait4`` and return its ``ru_maxrss`` in KiB.

    The wait blocks (so the wall time is exact); a timer kills the child past ``timeout_s``.
    """
    killer = threading.Timer(max(0.0, start + timeout_s - time.perf_counter()), proc.kill)
    killer.daemon = True
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if time.perf_counter() - start >= timeout_s:
        raise BenchError(f"timed out after {timeout_s:.0f} s")
    return int(usage.ru_maxrss)


def run_worker(ctx: Context, module: str, function: str, **kwargs: Any) -> Measured:
    """Run ``benchmarks.<module>.<function>(**kwargs)`` in a fresh process and return its dict."""
    out = ctx.workdir / f"result-{module}-{function}-{os.getpid()}.json"
    out.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "benchmarks._worker", module, function, json.dumps(kwargs)]
    measured = run_measured([*argv, str(out)], cwd=REPO, check=False, capture=False)
    if not out.exists():
        raise BenchError(f"{module}.{function} exited {measured.returncode} without a result")
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    if "error" in result:
        raise BenchError(f"{module}.{function}: {result['error']}")
    return Measured(
        result=result, wall_s=measured.wall_s, peak_bytes=measured.peak_bytes, returncode=0
    )


def run_workers_together(
    ctx: Context, module: str, function: str, kwargs_list: Sequence[Mapping[str, Any]]
) -> list[Measured]:
    """Start one worker per kwargs at once, wait for all, return their results in order."""
    procs = []
    for k, kwargs in enumerate(kwargs_list):
        out = ctx.workdir / f"result-{module}-{function}-{os.getpid()}-{k}.json"
        out.unlink(missing_ok=True)
        argv = [sys.executable, "-m", "benchmarks._worker", module, function]
        proc = subprocess.Popen([*argv, json.dumps(dict(kwargs)), str(out)], cwd=REPO)
        procs.append((proc, out, time.perf_counter()))
    measured = []
    for proc, out, start in procs:
        peak = reap(proc, start, 3600.0)
        wall = time.perf_counter() - start
        result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
        out.unlink(missing_ok=True)
        if "error" in result or not result:
            raise BenchError(f"{module}.{function}: {result.get('error', 'no result')}")
        measured.append(Measured(result=result, wall_s=wall, peak_bytes=peak * 1024, returncode=0))
    return measured


#: The longest a latency loop runs; it stops early (after at least 1,000 calls) past this.
LATENCY_BUDGET_S = 30.0


def time_each(
    call: Callable[[Any], Any], items: Sequence[Any], budget_s: float = LATENCY_BUDGET_S
) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Time ``call(item)`` for each item on its own; return nanoseconds and the results."""
    samples = np.empty(len(items), dtype=np.int64)
    results = []
    clock = time.perf_counter_ns
    stop = clock() + int(budget_s * 1e9)
    done = 0
    for i, item in enumerate(items):
        start = clock()
        results.append(call(item))
        end = clock()
        samples[i] = end - start
        done = i + 1
        if end > stop and done >= 1_000 and done % 100 == 0:
            break
    return samples[:done], results


# --- figures ---------------------------------------------------------------------------------


def percentiles_us(samples_ns: np.ndarray) -> tuple[float, float]:
    """p50 and p99 of nanosecond samples, in microseconds."""
    p50, p99 = np.percentile(samples_ns, [50, 99])
    return float(p50) / 1000, float(p99) / 1000


def fmt_bytes(n: float | None) -> str:
    """Binary units: 512 MiB, 1.23 GiB."""
    if n is None:
        return "-"
    if n >= 1024**3:
        return f"{n / 1024**3:.2f} GiB"
    return f"{n / 1024**2:.0f} MiB"


def fmt_us(value: float) -> str:
    """Microseconds with sensible precision."""
    if value < 10:
        return f"{value:.2f} µs"
    return f"{value:.1f} µs" if value < 100 else f"{value:,.0f} µs"


def fmt_rate(per_s: float, unit: str = "/s") -> str:
    """A rate: 78.1 M/s, 3,210 /s."""
    if per_s >= 1e6:
        return f"{per_s / 1e6:.1f} M{unit}"
    return f"{per_s:,.0f} {unit}"


def fmt_s(seconds: float) -> str:
    """Seconds: 0.132 s, 12.3 s."""
    if seconds < 1:
        return f"{seconds:.3f} s"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def failed_row(benchmark: str, exc: BaseException, target: str = "-") -> Row:
    """The row of a benchmark that raised: its error, no figures."""
    message = f"{type(exc).__name__}: {exc}".replace("\n", " ").replace("|", "/")
    return Row(benchmark=benchmark, figure="not run", target=target, note=message[:300])
