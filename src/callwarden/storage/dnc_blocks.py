"""Reading list files in blocks of whole lines, parsed ahead of their consumer in a thread.

``line_blocks`` hands out blocks of whole lines with zero padding after them (so vectorized
windows never overrun) and bounds the memory a line may take: a line longer than ``MAX_LINE``
becomes a marker line (rejected as too long) and is skipped up to its newline.
``read_ahead`` runs a chunk iterator in a thread a bounded number of chunks ahead, so that
parsing overlaps with what the caller does with each chunk; numpy releases the interpreter
lock while it works, so two cores both do useful work.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from queue import Full, Queue
from typing import IO, Any, TypeVar

import numpy as np
import numpy.typing as npt

from callwarden.storage.dnc_lines import MAX_LINE, PAD

T = TypeVar("T")
_OVERLONG = np.full(MAX_LINE + 1, ord("~"), dtype=np.uint8)


def read_ahead(chunks: Iterator[T], depth: int) -> Iterator[T]:
    """Run a chunk iterator in a thread, at most ``depth`` chunks ahead of the consumer."""
    queue: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.05)
            except Full:
                continue
            return True
        return False

    def work() -> None:
        try:
            for chunk in chunks:
                if not put(("chunk", chunk)):
                    break
            else:
                put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            put(("error", exc))
        finally:
            closer = getattr(chunks, "close", None)
            if closer is not None:
                closer()

    worker = threading.Thread(target=work, name="dnc-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = queue.get()
            if kind == "error":
                raise item
            if kind == "end":
                return
            yield item
    finally:
        stop.set()
        worker.join()


def line_blocks(stream: IO[bytes], block: int) -> Iterator[tuple[npt.NDArray[np.uint8], int, int]]:
    """Blocks of whole lines, each ending with a newline and followed by ``PAD`` zero bytes.

    Yields (buffer, size, bytes of the stream consumed). A line longer than ``MAX_LINE`` is
    replaced by a marker line of ``MAX_LINE + 1`` bytes (rejected as too long) and skipped.
    """
    carry = np.empty(0, dtype=np.uint8)
    consumed = 0
    skipping = False
    while True:
        buf = np.zeros(carry.size + block + PAD + 1, dtype=np.uint8)
        buf[: carry.size] = carry
        got = _read_into(stream, buf[carry.size : carry.size + block])
        consumed = getattr(stream, "consumed", consumed + got)
        size = carry.size + got
        if got == 0:
            if size:
                buf[size] = ord("\n")
                yield buf, size + 1, consumed
            return
        if skipping:
            newline = _first_newline(buf, carry.size, size)
            if newline < 0:
                continue
            skipping = False
            tail = buf[newline:size].copy()
            size = carry.size + tail.size
            buf[carry.size : size] = tail
        last = _last_newline(buf, size)
        if size - last - 1 > MAX_LINE:
            skipping = True
            if last >= 0:
                yield buf, last + 1, consumed
            carry = _OVERLONG.copy()
            continue
        if last >= 0:
            yield buf, last + 1, consumed
        carry = buf[last + 1 : size].copy()


def _read_into(stream: IO[bytes], target: npt.NDArray[np.uint8]) -> int:
    view = memoryview(target.data)
    filled = 0
    while filled < target.size:
        got = stream.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return filled


def _first_newline(buf: npt.NDArray[np.uint8], start: int, end: int) -> int:
    found = np.flatnonzero(buf[start:end] == ord("\n"))
    return int(found[0]) + start if found.size else -1


def _last_newline(buf: npt.NDArray[np.uint8], size: int) -> int:
    """Position of the last newline (the tail first: it is nearly always there)."""
    tail_start = max(0, size - MAX_LINE - 2)
    found = np.flatnonzero(buf[tail_start:size] == ord("\n"))
    if found.size:
        return int(found[-1]) + tail_start
    found = np.flatnonzero(buf[:tail_start] == ord("\n"))
    return int(found[-1]) if found.size else -1
