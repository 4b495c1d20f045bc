"""The launcher of measured processes: a small process, so their peak memory is theirs alone.

On Linux a child's ``ru_maxrss`` starts at the resident size of the process that forked it
(the copy it runs in until ``exec``). The harness itself grows while it prepares data, so it
does not start measured processes itself: it asks this process, started while the harness was
small, over a pipe. One JSON request per line on stdin, one JSON reply per line on stdout:

- ``{"op": "start", "argv", "env", "cwd", "stderr"?, "new_session"?}`` -> ``{"pid"}``
- ``{"op": "wait", "pid", "timeout"}`` -> ``{"returncode", "maxrss_kib", "wall_s", "timed_out"}``
- ``{"op": "run", ...start fields, "timeout"}``: start, then wait
- ``{"op": "poll", "pid"}`` -> ``{"running"}``
- ``{"op": "stop", "pid", "grace"}``: SIGTERM, then SIGKILL to the process group after
  ``grace`` seconds; -> as ``wait``, plus ``{"killed"}``

Only the standard library is imported here, to keep this process small.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

_STARTED: dict[int, tuple[subprocess.Popen[bytes], float, bool]] = {}


def _start(request: dict[str, Any]) -> int:
    stderr = request.get("stderr")
    err = open(stderr, "ab") if stderr else None  # noqa: SIM115, PTH123 - handed to the child
    try:
        proc = subprocess.Popen(
            request["argv"],
            env=request["env"],
            cwd=request.get("cwd"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=bool(request.get("new_session")),
        )
    finally:
        if err is not None:
            err.close()
    _STARTED[proc.pid] = (proc, time.perf_counter(), bool(request.get("new_session")))
    return proc.pid


def _kill(pid: int, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)  # the session started for this child
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait(pid: int, timeout: float) -> dict[str, Any]:
    proc, start, group = _STARTED.pop(pid)
    timer = threading.Timer(max(0.0, start + timeout - time.perf_counter()), _kill, (pid, group))
    timer.daemon = True
    timer.start()
    try:
        _, status, usage = os.wait4(pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "returncode": proc.returncode,
        "maxrss_kib": int(usage.ru_maxrss),
        "wall_s": wall,
        "timed_out": wall >= timeout,
    }


def _exited(pid: int) -> bool:
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _stop(pid: int, grace: float) -> dict[str, Any]:
    group = _STARTED[pid][2]
    os.kill(pid, signal.SIGTERM)
    deadline = time.perf_counter() + grace
    while time.perf_counter() < deadline and not _exited(pid):
        time.sleep(0.05)
    killed = not _exited(pid)
    if killed:
        _kill(pid, group)
    return {**_wait(pid, 3600.0), "killed": killed}


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Carry out one request."""
    op = request["op"]
    if op == "start":
        return {"pid": _start(request)}
    if op == "run":
        return _wait(_start(request), float(request["timeout"]))
    if op == "wait":
        return _wait(int(request["pid"]), float(request["timeout"]))
    if op == "poll":
        return {"running": not _exited(int(request["pid"]))}
    if op == "stop":
        return _stop(int(request["pid"]), float(request["grace"]))
    return {"error": f"unknown op {op!r}"}


def main() -> int:
    """Serve requests until stdin closes; then kill whatever is still running."""
    for line in sys.stdin:
        try:
            reply = handle(json.loads(line))
        except Exception as exc:  # noqa: BLE001 - the harness turns it into a table row
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    for pid, (_, _, group) in list(_STARTED.items()):
        _kill(pid, group)
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
