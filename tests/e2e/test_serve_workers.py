"""``callwarden serve --workers 2``: each worker on its own socket, supervised, stopped cleanly.

Runs the real command on a fresh home (so both workers would migrate a new database at once if
the parent did not first), and looks at the processes and their sockets through ``/proc``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import NUMBERING_CACHE

from callwarden.interfaces.api.workers import balanced

pytestmark = pytest.mark.skipif(not balanced(), reason="SO_REUSEPORT balancing is Linux-only")

START_S = 90.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    NUMBERING_CACHE.mkdir(parents=True, exist_ok=True)
    (home / "cache").parent.mkdir(parents=True, exist_ok=True)
    (home / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLWARDEN_")}
    return env | {"CALLWARDEN_HOME": str(home), "CALLWARDEN_LOG_LEVEL": "info"}


def _serve(home: Path, port: int, log: Path, workers: int = 2) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "callwarden", "serve", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*argv, "--port", str(port), "--workers", str(workers)],
            env=_env(home), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
    except OSError:
        return False
    return ok


def _workers(parent: int) -> set[int]:
    """The parent's worker processes (its children that run the spawned server)."""
    found = set()
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    for pid in map(int, children):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in cmdline:
            found.add(pid)
    return found


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (state 0A in /proc/net/tcp)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    return inodes


def _sockets_of(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def _wait(condition: object, what: str, timeout: float = START_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port = _free_port()
    log = tmp_path / "serve.log"
    process = _serve(tmp_path / "home", port, log)
    workers: set[int] = set()
    try:
        _wait(lambda: len(_listening_inodes(port)) == 2 and _healthy(port), "two workers")
        workers = _workers(process.pid)
        yield process, port, log
    finally:
        workers |= _workers(process.pid) if process.poll() is None else set()
        if process.poll() is None:
            process.kill()
            process.wait(30)
        for pid in workers:  # they stop with the supervisor; never leave one behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_each_worker_listens_on_its_own_socket(
    served: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    process, port, log = served
    workers = _workers(process.pid)
    assert len(workers) == 2, log.read_text()
    listening = _listening_inodes(port)
    owned = {pid: _sockets_of(pid) & listening for pid in workers}
    assert all(len(inodes) == 1 for inodes in owned.values()), owned
    assert len(set().union(*owned.values())) == 2  # not one shared socket
    assert not _sockets_of(process.pid) & listening  # the parent accepts nothing
    text = log.read_text()
    assert "died" not in text  # neither worker lost the race to migrate the new database
    assert "already exists" not in text


def test_a_dead_worker_is_replaced_and_sigterm_stops_all(
    served: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    process, port, log = served
    victim, survivor = sorted(_workers(process.pid))
    os.kill(victim, signal.SIGKILL)
    # Once it is dead, its socket has left the port's group (until then the kernel may still
    # hand it a connection, which its death resets).
    _wait(lambda: _state(victim) in {b"Z", b"X"}, "the killed worker to die", timeout=10)
    # The service goes on answering (a connection the kernel hands the replacement while it
    # starts waits for it, so a loaded machine may take a few seconds).
    _wait(lambda: _healthy(port), "an answer after the kill", timeout=60)
    _wait(
        lambda: (
            len(_workers(process.pid) - {victim, survivor}) == 1
            and len(_listening_inodes(port)) == 2
        ),
        "a replacement worker",
    )
    assert _healthy(port)
    assert f"worker [{victim}] died" in log.read_text()
    workers = _workers(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or b"Z" in _state(pid)


def test_workers_stop_when_the_supervisor_is_killed(
    served: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    process, port, log = served
    workers = _workers(process.pid)
    assert len(workers) == 2
    process.kill()  # no signal handler runs: the kernel tells the workers
    process.wait(30)
    _wait(
        lambda: all(_state(pid) in {b"Z", b"X"} for pid in workers),
        "the orphaned workers to stop",
        timeout=60,
    )
    assert not _listening_inodes(port), log.read_text()


def _state(pid: int) -> bytes:
    """The process's state letter (a zombie waits for init to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except FileNotFoundError:
        return b"X"


def test_an_address_in_use_is_a_clear_startup_failure(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        log = tmp_path / "serve.log"
        process = _serve(tmp_path / "home", port, log)
        assert process.wait(120) == 3  # Uvicorn's STARTUP_FAILURE
    text = log.read_text()
    assert f"cannot listen on 127.0.0.1:{port}" in text
    assert "started worker" not in text


@pytest.mark.parametrize("workers", [1, 2])
def test_every_process_logs_json(tmp_path: Path, workers: int) -> None:
    """The server's own records (Uvicorn's included) leave as JSON, with one worker or more."""
    port = _free_port()
    log = tmp_path / "serve.log"
    process = _serve(tmp_path / "home", port, log, workers=workers)
    try:
        _wait(lambda: _healthy(port), "the server")
    finally:
        process.send_signal(signal.SIGTERM)
        # One worker is Uvicorn's own server, which ends by re-raising the signal it caught.
        assert process.wait(60) in {0, -signal.SIGTERM}
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert any("Application startup complete" in line for line in lines)
    for line in lines:
        assert "event" in json.loads(line), line
