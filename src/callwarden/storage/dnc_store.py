"""The do-not-call store: one file per list under ``<home>/dnc``, swapped in atomically.

Each list is a sorted, unique ``int64`` array of 10-digit numbers saved as ``.npy`` and opened
memory-mapped. A manifest (``manifest.json``) names the current file of every list, its
generation, size and refresh time. Writers build the next file beside the current one, then
replace the manifest with ``os.replace``; readers compare the manifest's generation and reopen.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from callwarden.errors import InvalidInput

LIST_NAME_HELP = "national, state:XX, internal, internal:SELLER or litigator"


def check_list_name(name: str) -> str:
    """Validate a list name."""
    ok = name in {"national", "internal", "litigator"}
    ok = ok or (name.startswith("state:") and len(name) == 8 and name[6:].isalpha())  # noqa: PLR2004
    ok = ok or (name.startswith("internal:") and 9 < len(name) <= 200)  # noqa: PLR2004
    if not ok:
        raise InvalidInput(f"unknown list {name!r}; expected {LIST_NAME_HELP}")
    return name if not name.startswith("state:") else "state:" + name[6:].upper()


@dataclass(frozen=True, slots=True, kw_only=True)
class ListInfo:
    """What the manifest says of one list."""

    name: str
    file: str
    generation: int
    count: int
    refreshed_at: str  # ISO 8601
    source: dict[str, Any]


class DncStore:
    """Lists of numbers with atomic replacement and vectorized membership."""

    def __init__(self, root: Path) -> None:
        """Open (or create) the store under ``root``."""
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._arrays: dict[str, npt.NDArray[np.int64]] = {}
        self._loaded_generation: dict[str, int] = {}
        self._manifest_mtime = -1.0
        self._manifest: dict[str, ListInfo] = {}

    # --- reading -------------------------------------------------------------------------

    def lists(self) -> dict[str, ListInfo]:
        """The current manifest."""
        self._refresh_manifest()
        return dict(self._manifest)

    def refreshed(self) -> Mapping[str, datetime]:
        """When each list was last refreshed."""
        return {n: datetime.fromisoformat(i.refreshed_at) for n, i in self.lists().items()}

    def contains_many(
        self, list_name: str, numbers: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Vectorized membership; an unknown list contains nothing."""
        array = self._array(list_name)
        if array is None or array.size == 0:
            return np.zeros(numbers.shape, dtype=bool)
        pos = np.searchsorted(array, numbers)
        pos[pos >= array.size] = array.size - 1
        return np.asarray(array[pos] == numbers)

    def contains(self, list_name: str, number: int) -> bool:
        """Membership of one number."""
        array = self._array(list_name)
        if array is None or array.size == 0:
            return False
        pos = int(np.searchsorted(array, np.int64(number)))
        return pos < array.size and int(array[pos]) == number

    def hits(self, national: int, seller: str) -> frozenset[str]:
        """The lists that contain the number, as the gate names them."""
        found = set()
        for name in self.lists():
            if name.startswith("internal:"):
                if name != f"internal:{seller}":
                    continue
                if self.contains(name, national):
                    found.add("internal")
            elif self.contains(name, national):
                found.add(name)
        return frozenset(found)

    def numbers(self, list_name: str) -> npt.NDArray[np.int64]:
        """Every number of a list (sorted)."""
        array = self._array(list_name)
        return np.empty(0, dtype=np.int64) if array is None else np.asarray(array)

    # --- writing -------------------------------------------------------------------------

    def replace(
        self,
        list_name: str,
        numbers: npt.NDArray[np.int64],
        refreshed_at: datetime,
        source: Mapping[str, Any],
    ) -> ListInfo:
        """Make ``numbers`` the whole content of the list (a full import)."""
        unique = np.unique(np.asarray(numbers, dtype=np.int64))
        return self._publish(list_name, unique, refreshed_at, source)

    def apply_changes(
        self,
        list_name: str,
        add: npt.NDArray[np.int64],
        remove: npt.NDArray[np.int64],
        refreshed_at: datetime,
        source: Mapping[str, Any],
    ) -> ListInfo:
        """Add and remove numbers (a change file, or single add/remove)."""
        with self._lock:
            current = self.numbers(list_name)
            merged = np.union1d(current, np.asarray(add, dtype=np.int64))
            merged = np.setdiff1d(merged, np.asarray(remove, dtype=np.int64), assume_unique=False)
        return self._publish(list_name, merged, refreshed_at, source)

    def _publish(
        self,
        list_name: str,
        array: npt.NDArray[np.int64],
        refreshed_at: datetime,
        source: Mapping[str, Any],
    ) -> ListInfo:
        with self._lock:
            manifest = self._read_manifest()
            previous = manifest.get(list_name)
            generation = (previous.generation if previous else 0) + 1
            safe = list_name.replace(":", "_")
            file_name = f"{safe}.{generation}.npy"
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, array)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(self.root / file_name)
            info = ListInfo(
                name=list_name,
                file=file_name,
                generation=generation,
                count=int(array.size),
                refreshed_at=refreshed_at.isoformat(),
                source=dict(source),
            )
            manifest[list_name] = info
            self._write_manifest(manifest)
            if previous and previous.file != file_name:
                # Readers that opened the old file keep their mapping; unlink is safe on POSIX.
                (self.root / previous.file).unlink(missing_ok=True)
            return info

    # --- internals -----------------------------------------------------------------------

    def _manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def _read_manifest(self) -> dict[str, ListInfo]:
        path = self._manifest_path()
        if not path.exists():
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: ListInfo(**info) for name, info in data.get("lists", {}).items()}

    def _write_manifest(self, manifest: Mapping[str, ListInfo]) -> None:
        payload = {"lists": {n: asdict(i) for n, i in sorted(manifest.items())}}
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".json.tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(self._manifest_path())

    def _refresh_manifest(self) -> None:
        path = self._manifest_path()
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            self._manifest = {}
            return
        if mtime != self._manifest_mtime:
            self._manifest = self._read_manifest()
            self._manifest_mtime = mtime

    def _array(self, list_name: str) -> npt.NDArray[np.int64] | None:
        self._refresh_manifest()
        info = self._manifest.get(list_name)
        if info is None:
            return None
        if self._loaded_generation.get(list_name) != info.generation:
            try:
                array = np.load(self.root / info.file, mmap_mode="r")
            except FileNotFoundError:
                # The manifest moved on between our read and open: read it again.
                self._manifest_mtime = -1.0
                self._refresh_manifest()
                info = self._manifest[list_name]
                array = np.load(self.root / info.file, mmap_mode="r")
            self._arrays[list_name] = array
            self._loaded_generation[list_name] = info.generation
        return self._arrays[list_name]
