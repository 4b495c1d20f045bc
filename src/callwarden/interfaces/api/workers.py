"""Several Uvicorn worker processes, each accepting on its own listening socket.

Uvicorn's own supervisor binds one socket in the parent and hands it to every worker. Each
worker's event loop then accepts every connection waiting when it wakes (asyncio accepts up to
the backlog per wake-up), so the few keep-alive connections a dialer opens at once tend to land
on one worker while the others stay idle: measured with two workers and four connections
sending 10,000-attempt batches, two workers served fewer attempts per second than one.

On Linux each worker here binds its own socket to the same address with ``SO_REUSEPORT``, and
the kernel spreads new connections over the workers' sockets by a hash of the connection's
addresses, so no worker can take another's share. The parent only supervises: it checks first
that the address can be bound (a clear error, not one per worker), restarts a worker that dies
after it started serving, stops everything when a worker cannot start (a broken database URL
or a port in use would fail the same way on every restart), and on SIGINT or SIGTERM asks every
worker to finish its requests and stop. A worker stops the same way when the parent dies
without a word (killed, out of memory). Elsewhere (no ``SO_REUSEPORT`` load balancing) the
server runs under Uvicorn's supervisor as before.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.context import SpawnProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

logger = logging.getLogger("uvicorn.error")

#: How often the parent looks at its workers.
POLL_S = 0.5
#: How long a worker gets to finish its requests after SIGTERM before it is killed.
STOP_GRACE_S = 30.0


def balanced() -> bool:
    """Whether the kernel balances connections over sockets sharing a port (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listener(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` that other workers' sockets may share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def run(config: uvicorn.Config, workers: int) -> int:
    """Serve ``config``'s app with ``workers`` processes until SIGINT or SIGTERM.

    Returns the exit status: 0 after a signal, ``STARTUP_FAILURE`` (3) when the address
    cannot be bound or a worker fails to start.
    """
    try:
        listener(config.host, config.port, 1).close()  # the address can be bound at all
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, exc)
        return STARTUP_FAILURE
    supervisor = _Supervisor(config, workers)
    return supervisor.run()


class _Supervisor:
    """The parent: starts the workers, restarts the ones that die, stops them on a signal."""

    def __init__(self, config: uvicorn.Config, workers: int) -> None:
        self.config = config
        self.count = workers
        self.stop = threading.Event()
        self.processes: list[SpawnProcess] = []
        self._spawn = multiprocessing.get_context("spawn")

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        logger.info(
            "serving on http://%s:%d with %d workers, each on its own SO_REUSEPORT socket",
            self.config.host, self.config.port, self.count,
        )  # fmt: skip
        status = 0
        self.processes = [self._start() for _ in range(self.count)]
        while not self.stop.wait(POLL_S):
            for i, process in enumerate(self.processes):
                if process.is_alive():
                    continue
                process.join()
                if process.exitcode == STARTUP_FAILURE:
                    logger.error("worker [%s] failed to start; stopping", process.pid)
                    status = STARTUP_FAILURE
                    self.stop.set()
                    break
                logger.warning(
                    "worker [%s] died (exit code %s); starting another",
                    process.pid, process.exitcode,
                )  # fmt: skip
                self.processes[i] = self._start()
        self._stop_all()
        return status

    def _start(self) -> SpawnProcess:
        process = self._spawn.Process(
            target=serve_worker, args=(self.config, os.getpid()), daemon=False
        )
        process.start()
        logger.info("started worker [%s]", process.pid)
        return process

    def _on_signal(self, signum: int, _frame: Any) -> None:
        logger.info("received %s; stopping the workers", signal.Signals(signum).name)
        self.stop.set()

    def _stop_all(self) -> None:
        """SIGTERM to every worker (Uvicorn's graceful shutdown), SIGKILL after the grace."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.warning("worker [%s] did not stop in time; killed", process.pid)
                process.kill()
                process.join()


def serve_worker(config: uvicorn.Config, parent: int | None = None) -> None:
    """A worker process: its own listening socket, one Uvicorn server on it.

    With ``parent`` (the supervisor's pid) the worker stops, as on SIGTERM, when the
    supervisor dies, however it dies: a worker left behind would keep its socket in the port's
    group and answer beside the next server's workers.
    """
    config.configure_logging()
    if parent is not None:
        _stop_with(parent)
    try:
        sock = listener(config.host, config.port, config.backlog)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, exc)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl+C reaches the whole process group; the parent stops us
        pass
    finally:
        sock.close()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


#: prctl(2) option: the signal this process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1


def _stop_with(parent: int) -> None:
    """Have the kernel send SIGTERM when ``parent`` dies; stop now if it already has.

    Linux only (``prctl``), as these workers are; elsewhere the check that the parent still
    lives is all there is.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = getattr(libc, "prctl", None)
    if prctl is None:
        logger.warning("cannot ask to stop with the supervisor: no prctl on this system")
    elif prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        logger.warning("cannot ask to stop with the supervisor: %s", os.strerror(errno))
    if os.getppid() != parent:  # it died before the request above took effect
        logger.error("the supervisor [%s] is gone; stopping", parent)
        sys.exit(STARTUP_FAILURE)


__all__ = ["balanced", "listener", "run", "serve_worker"]
