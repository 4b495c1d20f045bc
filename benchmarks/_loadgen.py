"""A bounded HTTP/1.1 load generator: keep-alive connections over raw asyncio streams.

Each connection sends one request, reads the whole response, and sends the next (a closed
loop), until the deadline or the request cap shared by the connections of this process; a
response that takes over a minute is counted as a timeout and ends its connection.
Requests are encoded once beforehand, so the client spends its time on the wire, not on
JSON. Only loopback addresses are accepted. Runs in worker processes (``drive``).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: A response slower than this counts as an error (and ends that connection's loop).
REQUEST_TIMEOUT_S = 60.0


def encode_requests(host: str, port: int, path: str, key: str, bodies: list[bytes]) -> list[bytes]:
    """Complete HTTP/1.1 POST requests with a JSON body and the API key."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
        "Content-Type: application/json\r\nConnection: keep-alive\r\n"
    )
    return [f"{head}Content-Length: {len(b)}\r\n\r\n".encode() + b for b in bodies]


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length framing); return its status code."""
    header = await reader.readuntil(b"\r\n\r\n")
    status = int(header[9:12])
    length = 0
    for line in header.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


class _Budget:
    def __init__(self, cap: int, deadline: float) -> None:
        self.left = cap
        self.deadline = deadline

    def take(self) -> bool:
        if self.left <= 0 or time.perf_counter() >= self.deadline:
            return False
        self.left -= 1
        return True


async def _connection(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    offset: int,
    budget: _Budget,
    out: dict[str, Any],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    try:
        while budget.take():
            request = requests[i % len(requests)]
            i += 1
            start = time.perf_counter_ns()
            writer.write(request)
            try:
                status = await asyncio.wait_for(_read_response(reader), REQUEST_TIMEOUT_S)
            except TimeoutError:
                out["errors"]["timeout"] = out["errors"].get("timeout", 0) + 1
                return  # the connection is in an unknown state: stop using it
            out["latency_ns"].append(time.perf_counter_ns() - start)
            if status != 200:
                out["errors"][str(status)] = out["errors"].get(str(status), 0) + 1
    finally:
        writer.close()


async def _drive(
    host: str, port: int, requests: list[bytes], *, connections: int, duration_s: float, cap: int
) -> dict[str, Any]:
    out: dict[str, Any] = {"latency_ns": [], "errors": {}}
    start = time.perf_counter()
    budget = _Budget(cap, start + duration_s)
    tasks = [
        _connection(host, port, requests, offset=k * 7919, budget=budget, out=out)
        for k in range(connections)
    ]
    await asyncio.gather(*tasks)
    out["elapsed_s"] = time.perf_counter() - start
    return out


def drive(
    *,
    host: str,
    port: int,
    path: str,
    key: str,
    bodies_file: str,
    connections: int,
    duration_s: float,
    cap: int,
    start_at: float,
) -> dict[str, Any]:
    """Load the server from this process; return the latencies (µs) and errors.

    ``start_at`` is a ``time.time()`` instant shared by the generator processes, so that
    they begin together after their imports.
    """
    if host not in _LOOPBACK:
        msg = f"the load generator only drives loopback addresses, not {host!r}"
        raise ValueError(msg)
    bodies = [line.encode() for line in Path(bodies_file).read_text("utf-8").splitlines()]
    requests = encode_requests(host, port, path, key, bodies)
    time.sleep(max(0.0, start_at - time.time()))
    out = asyncio.run(
        _drive(host, port, requests, connections=connections, duration_s=duration_s, cap=cap)
    )
    latencies = np.asarray(out["latency_ns"], dtype=np.int64) // 1000
    return {
        "latency_us": latencies.tolist(),
        "errors": out["errors"],
        "elapsed_s": out["elapsed_s"],
    }


def merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Successful requests/s, p50/p99 (ms) of every response, and errors by status."""
    latencies = np.concatenate([np.asarray(r["latency_us"], dtype=np.int64) for r in results])
    elapsed = max(r["elapsed_s"] for r in results)
    errors: dict[str, int] = {}
    for r in results:
        for status, n in r["errors"].items():
            errors[status] = errors.get(status, 0) + n
    p50, p99 = (np.percentile(latencies, [50, 99]) / 1000) if latencies.size else (0.0, 0.0)
    ok = int(latencies.size) - sum(n for status, n in errors.items() if status != "timeout")
    return {
        "requests": int(latencies.size),
        "ok": ok,
        "elapsed_s": elapsed,
        "rps": ok / elapsed if elapsed else 0.0,
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "errors": errors,
    }


def dump_bodies(path: Path, bodies: list[dict[str, Any]]) -> None:
    """One JSON body per line."""
    path.write_text("".join(json.dumps(b, separators=(",", ":")) + "\n" for b in bodies), "utf-8")
