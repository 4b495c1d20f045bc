"""The do-not-call store: one file per list version under ``<home>/dnc``, swapped in atomically.

A list above ``bitmap_threshold`` numbers, or a smaller but dense one (``DncStore.dense``), is
kept as a memory-mapped bitmap over the 10-digit space, any other as a sorted ``int64`` array
(``dnc_bitmap``; the rules and the figures behind them are in ``docs/architecture.md``).
``manifest.json`` names the current file of every list with its generation, size, refresh time
and source file.

Changes never leave a reader with half a list: a writer builds the next version in a new file
beside the current one (a bitmap is first copied, holes and all), syncs it, then replaces the
manifest with ``os.replace``. Readers look at the manifest at most every ``recheck_s`` seconds
(at once after their own writes), open the files of changed generations and keep using the
version they opened for the whole of one call. Writers in several processes take turns
through a lock file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from callwarden.core.ports import LIST_NAME_HELP, ListInfo, check_list_name
from callwarden.storage.dnc_bitmap import (
    MAX_FLIPS,
    BitmapView,
    BitmapWriter,
    ChangedBitmapView,
    Int64s,
    ListView,
    SortedView,
    bitmap_removed,
    difference,
    merge_unique,
    sorted_unique,
)
from callwarden.storage.dnc_manifest import FileLock, read_manifest, stamp, write_manifest

__all__ = ["BITMAP_THRESHOLD", "LIST_NAME_HELP", "DncStore", "ListInfo", "check_list_name"]

#: Lists with more numbers than this are kept as bitmaps (measured: docs/architecture.md).
BITMAP_THRESHOLD = 2_000_000
#: A smaller list of at least ``DENSE_FROM`` numbers is a bitmap too when it is dense: when its
#: bitmap's data pages take at most ``DENSE_RATIO`` times the bytes of its sorted array (a
#: state list, held within its state's area codes). Below ``DENSE_FROM`` numbers an array
#: fits the cache and a bitmap's 1.25 GB of address space buys nothing.
DENSE_RATIO = 4.0
DENSE_FROM = 65_536
_PAGE_BITS = 15  # one 4 KiB page of a bitmap holds 2^15 numbers
_PAGE_BYTES = 1 << (_PAGE_BITS - 3)
_VERSION_FILE = re.compile(r".+\.\d+\.(?:npy|bits|changes\.npy)$")


#: Lists asked about every number whatever the seller (the seller's own list is
#: ``internal:SELLER``, reported as ``internal``).
_SELLER_FREE = ("national", "internal", "litigator")


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What one reader sees: the manifest and the opened versions, replaced as a whole."""

    stamp: tuple[int, int, int] = (0, 0, 0)
    infos: Mapping[str, ListInfo] = field(default_factory=dict)
    views: Mapping[str, ListView] = field(default_factory=dict)
    #: When each list was refreshed, parsed once per snapshot (every check asks).
    refreshed: Mapping[str, datetime] = field(init=False)

    def __post_init__(self) -> None:
        """Parse the lists' refresh times."""
        refreshed = MappingProxyType(
            {
                name: datetime.fromisoformat(info.refreshed_at)
                for name, info in self.infos.items()
                if info.refreshed_at
            }
        )
        object.__setattr__(self, "refreshed", refreshed)


@dataclass(frozen=True, slots=True)
class _Built:
    """A version file written beside the current one, not yet published."""

    tmp: Path
    backend: str
    count: int
    changed: tuple[int, int] | None = None  # (added, removed) when the build knows them
    #: A new flips file over the published bitmap ``base`` (then ``tmp`` is that flips file).
    base: str | None = None


class DncStore:
    """DNC lists with atomic replacement and vectorized membership."""

    def __init__(
        self,
        root: Path,
        *,
        bitmap_threshold: int = BITMAP_THRESHOLD,
        dense_ratio: float = DENSE_RATIO,
        recheck_s: float = 1.0,
    ) -> None:
        """Open (or create) the store under ``root``.

        ``dense_ratio`` 0 keeps every list up to ``bitmap_threshold`` numbers an array.
        """
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.bitmap_threshold = bitmap_threshold
        self.dense_ratio = dense_ratio
        self.recheck_s = recheck_s
        self._warm = False
        self._snap = _Snapshot()
        self._next_check = 0.0
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()

    # --- reading -------------------------------------------------------------------------

    def lists(self) -> dict[str, ListInfo]:
        """The current version of every list."""
        return dict(self._snapshot().infos)

    def refreshed(self) -> Mapping[str, datetime]:
        """When each list was last refreshed from an imported file."""
        return self._snapshot().refreshed

    def names(self) -> frozenset[str]:
        """The names of the lists that hold a version."""
        return frozenset(self._snapshot().views)

    def warm(self) -> int:
        """Map every list's data into this process now, and later versions' as they open.

        For a long-running server: its lookups then never wait for a page to be faulted in
        (``ListView.populate``). Versions published later are mapped on a background thread
        when this store first sees them, so no request waits for it. Returns the bytes mapped.
        """
        self._warm = True
        return sum(view.populate() for view in self._snapshot().views.values())

    def contains_many(
        self, list_name: str, numbers: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Vectorized membership; an unknown list contains nothing."""
        view = self._snapshot().views.get(list_name)
        if view is None:
            return np.zeros(np.shape(numbers), dtype=bool)
        return view.contains_many(numbers)

    def contains(self, list_name: str, number: int) -> bool:
        """Membership of one number."""
        view = self._snapshot().views.get(list_name)
        return view is not None and view.contains(number)

    def hits(
        self, national: int, seller: str, states: Collection[str] | None = None
    ) -> frozenset[str]:
        """The lists that contain the number, as the gate names them.

        With ``states``, state lists of other states are not asked (each is a lookup).
        """
        views = self._snapshot().views
        own = f"internal:{seller}"
        if states is None:
            state_lists = [name for name in views if name.startswith("state:")]
        else:
            state_lists = [f"state:{state}" for state in states]
        found = []
        for name in (*_SELLER_FREE, own, *state_lists):
            view = views.get(name)
            if view is not None and view.contains(national):
                found.append("internal" if name == own else name)
        return frozenset(found)

    def numbers(self, list_name: str) -> npt.NDArray[np.int64]:
        """Every number of a list, ascending."""
        parts = list(self.number_chunks(list_name))
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def number_chunks(self, list_name: str) -> Iterator[npt.NDArray[np.int64]]:
        """Every number of a list, ascending, in chunks (of one version throughout)."""
        view = self._snapshot().views.get(list_name)
        return iter(()) if view is None else view.chunks()

    # --- writing -------------------------------------------------------------------------

    def replace(
        self,
        list_name: str,
        numbers: npt.NDArray[np.int64] | Iterable[npt.NDArray[np.int64]],
        refreshed_at: datetime,
        source: Mapping[str, Any],
    ) -> ListInfo:
        """Make ``numbers`` (one array, or chunks streamed from a file) the whole list.

        The new version is built outside the writers' lock; a failure while building (the
        chunks may raise) leaves the current version as it was.
        """
        name = check_list_name(list_name)
        chunks = [numbers] if isinstance(numbers, np.ndarray) else numbers
        built = self._build_full(name, chunks)
        return self._publish(name, lambda _info, _view: built, refreshed_at, source)

    def apply_changes(
        self,
        list_name: str,
        add: npt.NDArray[np.int64],
        remove: npt.NDArray[np.int64],
        refreshed_at: datetime | None,
        source: Mapping[str, Any] | None = None,
    ) -> ListInfo:
        """Add, then remove numbers (a number in both ends up removed).

        ``refreshed_at`` and ``source`` None keep the list's own (a manual change does not
        refresh a list from its authority).
        """
        name = check_list_name(list_name)
        removals = sorted_unique(remove)
        additions = difference(sorted_unique(add), removals)

        def build(info: ListInfo | None, view: ListView | None) -> _Built:
            return self._build_changed(name, info, view, additions, removals)

        return self._publish(name, build, refreshed_at, source)

    # --- building versions ---------------------------------------------------------------

    def _tmp(self, name: str, suffix: str) -> Path:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=_stem(name) + ".", suffix=suffix)
        os.close(fd)
        return Path(tmp)

    def _build_full(self, name: str, chunks: Iterable[npt.NDArray[np.int64]]) -> _Built:
        pending: list[Int64s] = []
        size = 0
        writer: BitmapWriter | None = None
        count = 0
        try:
            for chunk in chunks:
                part = sorted_unique(chunk)
                if writer is not None:
                    count += writer.add(part)
                    continue
                pending.append(part)
                size += part.size
                if size > self.bitmap_threshold:
                    merged = merge_unique(pending)
                    pending, size = [merged], merged.size
                    if size > self.bitmap_threshold:
                        writer = BitmapWriter(self._tmp(name, ".bits.tmp"))
                        count = writer.add(merged)
                        pending = []
            if writer is not None:
                writer.finish()
                return _Built(writer.path, "bitmap", count)
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
        return self._save_list(name, merge_unique(pending))

    def _build_changed(
        self,
        name: str,
        info: ListInfo | None,
        view: ListView | None,
        additions: Int64s,
        removals: Int64s,
    ) -> _Built:
        if view is None or info is None:
            return self._save_list(name, additions)
        added = additions.size - int(view.contains_many(additions).sum())
        removed = int(view.contains_many(removals).sum())
        new_count = view.count + added - removed
        if new_count <= self.bitmap_threshold:
            base = merge_unique(list(view.chunks()))
            built = self._save_list(name, difference(merge_unique([base, additions]), removals))
            return _Built(built.tmp, built.backend, built.count, (added, removed))
        counts = (added, removed)
        if isinstance(view, BitmapView | ChangedBitmapView):
            changed = view if isinstance(view, ChangedBitmapView) else _unchanged(view)
            flips = changed.flipped_after(additions, removals)
            if flips.size <= MAX_FLIPS:
                built = self._save_sorted(name, flips)
                return _Built(built.tmp, "bitmap", new_count, counts, base=info.file)
            # Too many flips: fold them into a new bitmap (added, removed relative to it).
            on_base = changed.base.contains_many(changed.flips)
            additions = merge_unique([changed.flips[~on_base], additions])
            removals = merge_unique([changed.flips[on_base], removals])
            additions = difference(additions, removals)
        copy_of = self.root / info.file if view.backend == "bitmap" else None
        writer = BitmapWriter(self._tmp(name, ".bits.tmp"), copy_of=copy_of)
        try:
            if copy_of is None:
                for chunk in view.chunks():
                    writer.add(chunk)
            writer.add(additions)
            writer.remove(removals)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        return _Built(writer.path, "bitmap", new_count, counts)

    def dense(self, numbers: Int64s) -> bool:
        """Whether sorted, unique ``numbers`` are dense enough for a bitmap under the threshold.

        A bitmap's cost is its pages, an array's its 8 bytes a number; a list of at least
        ``DENSE_FROM`` numbers whose pages take at most ``dense_ratio`` times its array's bytes
        is kept as a bitmap, whose lookups are a few times faster (docs/architecture.md).
        """
        if numbers.size < DENSE_FROM or self.dense_ratio <= 0:
            return False
        pages = numbers >> _PAGE_BITS
        count = 1 + int(np.count_nonzero(pages[1:] != pages[:-1]))
        return count * _PAGE_BYTES <= self.dense_ratio * numbers.size * numbers.itemsize

    def _save_list(self, name: str, array: Int64s) -> _Built:
        """A whole list from sorted, unique numbers: a bitmap when large or dense, else an array."""
        if array.size <= self.bitmap_threshold and not self.dense(array):
            return self._save_sorted(name, array)
        writer = BitmapWriter(self._tmp(name, ".bits.tmp"))
        try:
            count = writer.add(array)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        return _Built(writer.path, "bitmap", count)

    def _save_sorted(self, name: str, array: Int64s) -> _Built:
        tmp = self._tmp(name, ".npy.tmp")
        with tmp.open("wb") as handle:
            np.save(handle, np.ascontiguousarray(array, dtype=np.int64))
            handle.flush()
            os.fsync(handle.fileno())
        return _Built(tmp, "sorted", int(array.size))

    # --- publishing ----------------------------------------------------------------------

    def _publish(
        self,
        name: str,
        build: Callable[[ListInfo | None, ListView | None], _Built],
        refreshed_at: datetime | None,
        source: Mapping[str, Any] | None,
    ) -> ListInfo:
        """Under the writers' lock: build, rename into place, replace the manifest."""
        with self._write_lock, FileLock(self.root / ".lock"):
            infos = read_manifest(self.root)
            previous = infos.get(name)
            old_view = self._open(previous) if previous else None
            built = build(previous, old_view)
            try:
                generation = (previous.generation if previous else 0) + 1
                changes = None
                if built.base is not None:  # flips over the published bitmap
                    file_name = built.base
                    changes = f"{_stem(name)}.{generation}.changes.npy"
                    built.tmp.replace(self.root / changes)
                else:
                    ext = "bits" if built.backend == "bitmap" else "npy"
                    file_name = f"{_stem(name)}.{generation}.{ext}"
                    built.tmp.replace(self.root / file_name)
            except BaseException:
                built.tmp.unlink(missing_ok=True)
                raise
            new_info = ListInfo(
                name=name,
                file=file_name,
                generation=generation,
                count=built.count,
                refreshed_at=refreshed_at.isoformat() if refreshed_at else _keep(previous),
                source=dict(source) if source is not None else _keep_source(previous),
                backend=built.backend,
                changes=changes,
            )
            new_view = self._open(new_info)
            added, removed = built.changed or _diff(old_view, new_view)
            new_info = _with_counts(new_info, added, removed)
            infos[name] = new_info
            write_manifest(self.root, infos)
            self._collect_garbage(infos)
            self._install(infos, name, new_view)
            return new_info

    def _install(self, infos: Mapping[str, ListInfo], name: str, view: ListView) -> None:
        """Make the manifest just written this instance's view at once (writers' lock held)."""
        with self._read_lock:
            views = {
                other: view if other == name else self._reuse_or_open(info)
                for other, info in infos.items()
            }
            self._swap(_Snapshot(stamp(self.root), dict(infos), views))

    def _collect_garbage(self, infos: Mapping[str, ListInfo]) -> None:
        """Remove files no manifest entry names (earlier versions, crashed writers' leftovers)."""
        keep = {info.file for info in infos.values()} | {
            info.changes for info in infos.values() if info.changes
        }
        for path in self.root.iterdir():
            stale = path.name.endswith(".tmp") or _VERSION_FILE.fullmatch(path.name)
            if stale and path.name not in keep:
                path.unlink(missing_ok=True)

    # --- reading the manifest ------------------------------------------------------------

    def _snapshot(self) -> _Snapshot:
        now = time.monotonic()
        if now >= self._next_check:
            self._reload()
            self._next_check = now + self.recheck_s
        return self._snap

    def _reload(self) -> None:
        with self._read_lock:
            for _ in range(10):
                current = stamp(self.root)
                if current == self._snap.stamp:
                    return
                infos = read_manifest(self.root)
                try:
                    views = {name: self._reuse_or_open(info) for name, info in infos.items()}
                except FileNotFoundError:
                    continue  # a writer moved on between our reads: read the manifest again
                self._swap(_Snapshot(current, infos, views))
                return

    def _swap(self, snap: _Snapshot) -> None:
        """Make ``snap`` current; a warm store maps its new versions on a background thread."""
        old, self._snap = self._snap, snap
        if not self._warm:
            return
        fresh = [v for name, v in snap.views.items() if old.views.get(name) is not v]
        if fresh:
            threading.Thread(
                target=lambda: [view.populate() for view in fresh], name="dnc-warm", daemon=True
            ).start()

    def _reuse_or_open(self, info: ListInfo) -> ListView:
        current = self._snap.infos.get(info.name)
        view = self._snap.views.get(info.name)
        same = current is not None and (current.file, current.changes) == (info.file, info.changes)
        if same and view is not None:
            return view
        return self._open(info)

    def _open(self, info: ListInfo) -> ListView:
        path = self.root / info.file
        if info.backend == "bitmap":
            bitmap = BitmapView(path, info.count)
            if info.changes:
                flips = np.load(self.root / info.changes, allow_pickle=False)
                return ChangedBitmapView(bitmap, flips, info.count)
            return bitmap
        return SortedView.open(path)


def _stem(name: str) -> str:
    """A file-safe, unique stem for a list name."""
    safe = re.sub(r"[^A-Za-z0-9]+", "_", name)[:40]
    return f"{safe}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _keep(previous: ListInfo | None) -> str | None:
    return previous.refreshed_at if previous else None


def _keep_source(previous: ListInfo | None) -> dict[str, Any]:
    return dict(previous.source) if previous else {}


def _with_counts(info: ListInfo, added: int, removed: int) -> ListInfo:
    values = asdict(info)
    values.update(added=added, removed=removed)
    return ListInfo(**values)


def _diff(old: ListView | None, new: ListView) -> tuple[int, int]:
    """(added, removed) from one version to the next."""
    if old is None:
        return new.count, 0
    if isinstance(old, BitmapView) and isinstance(new, BitmapView):
        removed = bitmap_removed(old, new)
    elif isinstance(old, ChangedBitmapView) and isinstance(new, BitmapView):
        # The bitmap's removals, corrected by the flips: a flipped number the bitmap holds
        # was not on the old list; one it lacks was.
        flips = old.flips
        gone = ~new.contains_many(flips)
        on_base = old.base.contains_many(flips)
        removed = bitmap_removed(old.base, new) - int((gone & on_base).sum())
        removed += int((gone & ~on_base).sum())
    elif isinstance(old, SortedView):
        removed = int((~new.contains_many(old.array)).sum())
    else:
        kept = sum(int(old.contains_many(chunk).sum()) for chunk in new.chunks())
        removed = old.count - kept
    return new.count - (old.count - removed), removed


def _unchanged(view: BitmapView) -> ChangedBitmapView:
    """A bitmap as a changed one with no flips yet."""
    return ChangedBitmapView(view, np.empty(0, dtype=np.int64), view.count)
