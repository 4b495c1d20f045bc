"""File helpers for commands: ``-`` for stdin/stdout, JSON lines with line numbers."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from callwarden.errors import InvalidInput

MAX_LINE_BYTES = 1_000_000


@contextlib.contextmanager
def open_in(path: str) -> Iterator[IO[str]]:
    """Open a text input, ``-`` meaning stdin."""
    if path == "-":
        yield sys.stdin
        return
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"input file not found: {path}", details={"file": path})
    with p.open(encoding="utf-8", errors="strict", newline="") as handle:
        yield handle


@contextlib.contextmanager
def open_out(path: str) -> Iterator[IO[str]]:
    """Open a text output, ``-`` meaning stdout; a file is written beside and renamed."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    with tmp.open("w", encoding="utf-8") as handle:
        yield handle
    tmp.replace(target)


def json_lines(handle: IO[str]) -> Iterator[tuple[int, Any, str | None]]:
    """Yield (line number, parsed object or None, error or None), skipping blank lines."""
    try:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE_BYTES:
                yield number, None, f"line longer than {MAX_LINE_BYTES} bytes"
                continue
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as exc:
                yield number, None, f"not valid JSON: {exc.msg} at column {exc.colno}"
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"input is not UTF-8 text: {exc.reason}") from exc
