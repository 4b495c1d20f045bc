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


class Spawner:
    """The harness's end of the pipe to ``_spawner``, the launcher of measured processes."""

    def __init__(self) -> None:
        """Start the launcher (call this while the harness is still small)."""
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._spawner"],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def call(self, **request: Any) -> dict[str, Any]:
        """Send one request and return the reply; a failed request raises BenchError."""
        assert self._proc.stdin is not None and self._proc.stdout is not None  # noqa: S101
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise BenchError("the process launcher exited")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise BenchError(f"launcher: {reply['error']}")
        return reply

    def start(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
              cwd: Path | None = None, stderr: Path | None = None,
              new_session: bool = False) -> int:  # fmt: skip
        """Start a process; return its pid (the launcher is its parent)."""
        reply = self.call(
            op="start", argv=list(argv), env={**os.environ, **(env or {})},
            cwd=str(cwd or REPO), stderr=str(stderr) if stderr else None,
            new_session=new_session,
        )  # fmt: skip
        return int(reply["pid"])

    def close(self) -> None:
        """Stop the launcher (it kills anything still running)."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait()


_SPAWNER: list[Spawner] = []


def spawner() -> Spawner:
    """The run's launcher, started on first use (``__main__`` starts it first thing)."""
    if not _SPAWNER:
        _SPAWNER.append(Spawner())
    return _SPAWNER[0]


def close_spawner() -> None:
    """Stop the launcher at the end of the run."""
    while _SPAWNER:
        _SPAWNER.pop().close()


def _measured(
    reply: Mapping[str, Any], result: dict[str, Any] | None = None, tail: str = ""
) -> Measured:
    return Measured(
        result=result or {}, wall_s=float(reply["wall_s"]),
        peak_bytes=int(reply["maxrss_kib"]) * 1024, returncode=int(reply["returncode"]),
        stderr_tail=tail,
    )  # fmt: skip


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 3600.0,
    check: bool = True,
    capture: bool = True,
) -> Measured:
    """Run a command through the launcher; its wall time and peak RSS (``wait4``).

    With ``capture`` the command's stderr is kept (its tail goes into errors); without, it
    flows through to ours (live progress of workers).
    """
    err_path = Path(tempfile.gettempdir()) / f"cw-bench-{os.getpid()}-stderr.log"
    err_path.unlink(missing_ok=True)
    launcher = spawner()
    pid = launcher.start(argv, env=env, cwd=cwd, stderr=err_path if capture else None)
    reply = launcher.call(op="wait", pid=pid, timeout=timeout_s)
    tail = ""
    if err_path.exists():
        tail = err_path.read_bytes()[-4000:].decode("utf-8", "replace")
        err_path.unlink()
    if reply["timed_out"]:
        raise BenchError(f"{Path(argv[0]).name} timed out after {timeout_s:.0f} s")
    if check and reply["returncode"] != 0:
        last = tail.strip().splitlines()[-3:] if tail.strip() else ["(no output)"]
        raise BenchError(f"{Path(argv[0]).name} exited {reply['returncode']}: {' / '.join(last)}")
    return _measured(reply, tail=tail)


def _worker_argv(module: str, function: str, kwargs: Mapping[str, Any], out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "benchmarks._worker",
        module,
        function,
        json.dumps(dict(kwargs)),
        str(out),
    ]


def _worker_result(module: str, function: str, out: Path, reply: Mapping[str, Any]) -> Measured:
    if not out.exists():
        raise BenchError(f"{module}.{function} exited {reply['returncode']} without a result")
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    if "error" in result:
        raise BenchError(f"{module}.{function}: {result['error']}")
    return _measured(reply, result)


def run_worker(ctx: Context, module: str, function: str, **kwargs: Any) -> Measured:
    """Run ``benchmarks.<module>.<function>(**kwargs)`` in a fresh process and return its dict."""
    return run_workers_together(ctx, module, function, [kwargs])[0]


def run_workers_together(
    ctx: Context, module: str, function: str, kwargs_list: Sequence[Mapping[str, Any]]
) -> list[Measured]:
    """Start one worker per kwargs at once, wait for all, return their results in order."""
    launcher = spawner()
    started = []
    for k, kwargs in enumerate(kwargs_list):
        out = ctx.workdir / f"result-{module}-{function}-{os.getpid()}-{k}.json"
        out.unlink(missing_ok=True)
        started.append((launcher.start(_worker_argv(module, function, kwargs, out)), out))
    replies = [(launcher.call(op="wait", pid=pid, timeout=3600.0), out) for pid, out in started]
    return [_worker_result(module, function, out, reply) for reply, out in replies]


#: The longest a latency loop runs; it stops early (after at least 1,000 calls) past this.
LATENCY_BUDGET_S = 30.0


def time_each(
    call: Callable[[Any], Any],
    items: Sequence[Any],
    budget_s: float = LATENCY_BUDGET_S,
    keep: Callable[[Any], Any] | None = None,
) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Time ``call(item)`` for each item on its own; return nanoseconds and the results.

    With ``keep``, only ``keep(result)`` is kept, after the clock stops: a server does not
    hold on to every answer it gave, and a heap that grows by 100,000 results makes the
    timed calls pay for the memory the harness asks for.
    """
    samples = np.empty(len(items), dtype=np.int64)
    results = []
    clock = time.perf_counter_ns
    stop = clock() + int(budget_s * 1e9)
    done = 0
    for i, item in enumerate(items):
        start = clock()
        result = call(item)
        end = clock()
        results.append(result if keep is None else keep(result))
        del result
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
