"""The manifest of the DNC store: which file holds the current version of each list.

``manifest.json`` is only ever replaced whole (written beside, synced, renamed with
``os.replace``, directory synced), so a reader sees the old manifest or the new one. Writers in
several processes take turns through an exclusive lock file (``flock``).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path

from callwarden.core.ports import ListInfo
from callwarden.errors import ConfigurationError

MANIFEST = "manifest.json"
#: 3: a bitmap version may name a ``changes`` file of flipped numbers.
FORMAT = 3
_INFO_FIELDS = frozenset(f.name for f in fields(ListInfo))


def stamp(root: Path) -> tuple[int, int, int]:
    """Identity of the current manifest (inode, mtime, size): changes with every replace."""
    try:
        st = (root / MANIFEST).stat()
    except FileNotFoundError:
        return (0, 0, 0)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_manifest(root: Path) -> dict[str, ListInfo]:
    """The lists the manifest names (none when there is no manifest yet)."""
    path = root / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    if data.get("format", 1) > FORMAT:
        msg = (
            f"{path} was written by a newer callwarden (format {data.get('format')}); "
            "upgrade before reading it"
        )
        raise ConfigurationError(msg)
    lists = data.get("lists", {})
    return {
        name: ListInfo(**{k: v for k, v in info.items() if k in _INFO_FIELDS})
        for name, info in lists.items()
    }


def write_manifest(root: Path, infos: Mapping[str, ListInfo]) -> None:
    """Replace the manifest atomically and durably."""
    payload = {"format": FORMAT, "lists": {n: asdict(i) for n, i in sorted(infos.items())}}
    fd, tmp = tempfile.mkstemp(dir=root, prefix="manifest.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    Path(tmp).replace(root / MANIFEST)
    directory = os.open(root, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class FileLock:
    """An exclusive lock between processes writing the same store."""

    def __init__(self, path: Path) -> None:
        """Lock on ``path`` (created if needed)."""
        self.path = path
        self._fd = -1

    def __enter__(self) -> FileLock:
        """Wait for the lock."""
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        """Release the lock."""
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
