"""The DNC store on disk: both backends, the size threshold, atomic swaps under concurrent reads."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from callwarden.errors import InvalidInput
from callwarden.storage.dnc_bitmap import BITMAP_BYTES
from callwarden.storage.dnc_store import DncStore

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SOURCE = {"file": "national.txt"}


def numbers(seed: int, count: int) -> np.ndarray:
    """Valid numbers from a few exchanges (a bitmap of them touches a handful of pages)."""
    rng = np.random.default_rng(seed)
    return rng.integers(2_145_500_000, 2_146_000_000, count) + rng.integers(0, 3, count) * 10**9


@pytest.fixture(params=["sorted", "bitmap"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DncStore:
    """A store whose lists are sorted arrays, or (threshold 0) always bitmaps."""
    threshold = 10**9 if request.param == "sorted" else 0
    return DncStore(tmp_path / "dnc", bitmap_threshold=threshold, recheck_s=0)


def test_membership_single_and_vectorized(store: DncStore) -> None:
    """Contains and contains_many agree with a Python set, including out-of-range numbers."""
    members = numbers(1, 3000)
    info = store.replace("national", members, AT, SOURCE)
    assert info.count == len(set(members.tolist()))
    probes = np.concatenate([members[:500], numbers(2, 500), [-1, 0, 10**10, 2**62]])
    expected = np.isin(probes, members)
    assert (store.contains_many("national", probes) == expected).all()
    assert [store.contains("national", int(p)) for p in probes[:50]] == expected[:50].tolist()
    assert store.contains("national", 10**10 + 5) is False
    assert not store.contains_many("state:TX", probes).any()  # an unknown list holds nothing
    assert store.names() == {"national"}
    store.replace("state:TX", members[:10], AT, SOURCE)
    assert store.names() == {"national", "state:TX"}
    assert (store.numbers("national") == np.unique(members)).all()


@pytest.mark.parametrize("threaded_from", [1, 10**9])
def test_bitmap_batch_split_over_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threaded_from: int
) -> None:
    """A batch split over threads answers exactly what one pass does, out-of-range included."""
    from callwarden.storage import dnc_bitmap

    monkeypatch.setattr(dnc_bitmap, "_THREADED_FROM", threaded_from)
    store = DncStore(tmp_path / "dnc", bitmap_threshold=0, recheck_s=0)
    members = numbers(3, 5000)
    store.replace("national", members, AT, SOURCE)
    probes = np.concatenate([numbers(3, 2500), numbers(4, 2501), [-7, 10**10, 2**62, 0]])
    got = store.contains_many("national", probes[::-1])  # a strided view, not contiguous
    assert got.tolist() == np.isin(probes[::-1], members).tolist()
    assert store.contains_many("national", np.empty(0, dtype=np.int64)).size == 0


class AdviceSpy:
    """A memory map that records the advice it is given (and passes everything on)."""

    def __init__(self, real: Any) -> None:
        """Wrap the view's real map."""
        self.real = real
        self.advice: list[tuple[int, int, int]] = []

    def madvise(self, option: int, start: int = 0, length: int = 0) -> None:
        self.advice.append((option, start, length))
        self.real.madvise(option, start, length)

    def __getitem__(self, index: Any) -> Any:
        """A byte or a slice of the real map."""
        return self.real[index]


def test_large_batches_read_the_bitmap_ahead_once_in_a_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once large batches asked about as many numbers as there are data pages, read ahead.

    Only the data ranges are advised, and not again within ``_PREFETCH_EVERY_S``.
    """
    import mmap

    from callwarden.storage import dnc_bitmap

    monkeypatch.setattr(dnc_bitmap, "_PREFETCH_FROM", 10)
    clock = [1000.0]
    monkeypatch.setattr(dnc_bitmap.time, "monotonic", lambda: clock[0])
    store = DncStore(tmp_path / "dnc", bitmap_threshold=0, recheck_s=0)
    members = numbers(5, 5000)
    store.replace("national", members, AT, SOURCE)
    view = store._snapshot().views["national"]
    spy = AdviceSpy(view._map)
    view._map = spy
    ranges = view.data_ranges()
    pages = sum(end - start for start, end in ranges) // mmap.PAGESIZE
    assert 20 < pages < BITMAP_BYTES // mmap.PAGESIZE // 100  # holes are skipped
    probes = numbers(6, 2 * pages)
    expected = np.isin(probes, members).tolist()

    def ask(count: int) -> None:
        assert store.contains_many("national", probes[:count]).tolist() == expected[:count]

    ask(9)  # a small batch reads only its own pages and does not count
    ask(pages // 2)
    assert spy.advice == []  # not yet as many numbers as pages
    ask(pages - pages // 2)
    assert [a[0] for a in spy.advice] == [mmap.MADV_WILLNEED] * len(ranges)
    assert all(start % mmap.PAGESIZE == 0 for _, start, _ in spy.advice)
    ask(2 * pages)
    assert len(spy.advice) == len(ranges)  # not again within _PREFETCH_EVERY_S
    clock[0] += dnc_bitmap._PREFETCH_EVERY_S
    ask(2 * pages)
    assert len(spy.advice) == 2 * len(ranges)


def test_apply_changes_adds_then_removes(store: DncStore) -> None:
    """A number both added and removed in one call ends up removed; counts say what changed."""
    base = np.array([2145550100, 2145550101, 2145550102])
    store.replace("national", base, AT, SOURCE)
    info = store.apply_changes(
        "national",
        np.array([2145550103, 2145550100, 9725550199]),
        np.array([2145550101, 9725550199, 3125550100]),
        None,
    )
    assert store.numbers("national").tolist() == [2145550100, 2145550102, 2145550103]
    assert (info.added, info.removed, info.count, info.generation) == (1, 1, 3, 2)
    assert info.refreshed_at == AT.isoformat()  # None keeps the refresh of the last import
    assert info.source == SOURCE


def test_backend_follows_the_threshold_both_ways(tmp_path: Path) -> None:
    """Above the threshold a list becomes a sparse bitmap; shrinking turns it back to an array."""
    store = DncStore(tmp_path, bitmap_threshold=100, recheck_s=0)
    small = store.replace("state:TX", numbers(3, 80), AT, SOURCE)
    assert small.backend == "sorted"
    grown = store.apply_changes("state:TX", numbers(4, 50), np.empty(0, np.int64), AT)
    assert grown.backend == "bitmap"
    file = tmp_path / grown.file
    assert file.stat().st_size == BITMAP_BYTES
    assert file.stat().st_blocks * 512 < 4 * 2**20  # sparse: only touched pages take disk
    expected = np.union1d(numbers(3, 80), numbers(4, 50))
    assert (store.numbers("state:TX") == expected).all()
    shrunk = store.apply_changes("state:TX", np.empty(0, np.int64), numbers(4, 50), AT)
    assert shrunk.backend == "sorted"
    assert (store.numbers("state:TX") == np.setdiff1d(expected, numbers(4, 50))).all()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in {".npy", ".bits"}) == [
        shrunk.file
    ]  # earlier versions are gone


def _spread(seed: int, count: int) -> np.ndarray:
    """``count`` distinct valid numbers spread over the whole country (one a page, or near)."""
    rng = np.random.default_rng(seed)
    return np.unique(rng.integers(2_002_000_000, 9_899_999_999, count * 2))[:count]


def _dense(seed: int, count: int) -> np.ndarray:
    """``count`` distinct numbers within two area codes (one in 40: a state list's density)."""
    rng = np.random.default_rng(seed)
    pool = np.concatenate([np.arange(2_142_000_000, 2_150_000_000, 40)] * 2)
    pool[pool.size // 2 :] += 10**9  # 214 and 314
    return np.unique(rng.choice(pool, size=count, replace=False))


def test_small_dense_lists_are_bitmaps_and_spread_ones_arrays(tmp_path: Path) -> None:
    """Under the threshold the density decides the form of a list.

    A state-like list is a bitmap, a spread one an array, a dense one under ``DENSE_FROM``
    numbers an array; ``dense_ratio`` 0 turns the rule off.
    """
    from callwarden.storage.dnc_store import DENSE_FROM

    store = DncStore(tmp_path / "a", recheck_s=0)
    dense, spread = _dense(5, 100_000), _spread(6, 100_000)
    info = store.replace("state:TX", dense, AT, SOURCE)
    assert (info.backend, info.count) == ("bitmap", dense.size)
    file = tmp_path / "a" / info.file
    assert file.stat().st_blocks * 512 <= 4 * dense.size * 8 + 2**20  # its pages, sparse
    assert store.replace("internal:acme", spread, AT, SOURCE).backend == "sorted"
    assert store.replace("litigator", dense[: DENSE_FROM - 1], AT, SOURCE).backend == "sorted"
    probes = np.concatenate([dense[::7], spread[::7], dense[::11] + 1])
    for name, members in (("state:TX", dense), ("internal:acme", spread)):
        expected = np.isin(probes, members)
        assert (store.contains_many(name, probes) == expected).all()
        assert [store.contains(name, int(p)) for p in probes[:500]] == expected[:500].tolist()
        assert (store.numbers(name) == members).all()
    off = DncStore(tmp_path / "b", dense_ratio=0, recheck_s=0)
    assert off.replace("state:TX", dense, AT, SOURCE).backend == "sorted"


def test_changes_to_a_small_dense_bitmap_rechoose_its_form(tmp_path: Path) -> None:
    """A change to a small bitmap list writes the whole new list, in the form it now needs."""
    store = DncStore(tmp_path, recheck_s=0)
    dense = _dense(7, 80_000)
    assert store.replace("state:FL", dense, AT, SOURCE).backend == "bitmap"
    extra = _spread(8, 50)
    grown = store.apply_changes("state:FL", extra, dense[:10], AT)
    model = np.union1d(dense[10:], extra)
    assert (grown.backend, grown.count, grown.added, grown.removed) == (
        "bitmap", model.size, 50, 10,
    )  # fmt: skip
    assert store.replace("state:NY", np.union1d(dense, _spread(9, 2_000)), AT, SOURCE).backend == (
        "sorted"
    )  # 2,000 numbers elsewhere add 2,000 pages: no longer dense
    assert (store.numbers("state:FL") == model).all()
    shrunk = store.apply_changes("state:FL", np.empty(0, np.int64), dense[:60_000], AT)
    assert shrunk.backend == "sorted"  # under DENSE_FROM numbers
    assert (store.numbers("state:FL") == np.setdiff1d(model, dense[:60_000])).all()
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("state_FL"))
    assert kept == [shrunk.file]  # earlier versions are gone


def test_streamed_full_import_switches_to_bitmap_midway(tmp_path: Path) -> None:
    """Chunks are gathered as an array until they pass the threshold, then go into a bitmap."""
    store = DncStore(tmp_path, bitmap_threshold=1000, recheck_s=0)
    parts = [numbers(seed, 400) for seed in range(5)]
    info = store.replace("national", iter(parts), AT, SOURCE)
    assert info.backend == "bitmap"
    assert (store.numbers("national") == np.unique(np.concatenate(parts))).all()
    duplicates = store.replace("national", iter([parts[0]] * 5), AT, SOURCE)
    assert duplicates.backend == "sorted"  # 2,000 records but only 400 distinct numbers
    assert (duplicates.added, duplicates.removed) == (0, info.count - 400)


def test_a_failing_build_leaves_the_list_as_it_was(store: DncStore) -> None:
    """If the numbers stop with an error half-way, readers keep the previous version."""
    store.replace("national", np.array([2145550100]), AT, SOURCE)

    def broken() -> Iterator[np.ndarray]:
        yield numbers(5, 100)
        raise InvalidInput("damaged file")

    with pytest.raises(InvalidInput):
        store.replace("national", broken(), AT, SOURCE)
    assert store.numbers("national").tolist() == [2145550100]
    assert store.lists()["national"].generation == 1
    assert not [p for p in store.root.iterdir() if p.name.endswith(".tmp")]


def test_refuses_numbers_outside_the_ten_digit_space(store: DncStore) -> None:
    """Nothing outside 0..9,999,999,999 can be stored (it would index past the bitmap)."""
    with pytest.raises(InvalidInput):
        store.replace("national", np.array([2145550100, 10**10]), AT, SOURCE)
    with pytest.raises(InvalidInput, match="unknown list"):
        store.replace("../etc", np.array([2145550100]), AT, SOURCE)


def test_hits_name_the_sellers_own_list_internal(store: DncStore) -> None:
    """The gate sees "internal" only for the calling seller's own list."""
    number = 2145550100
    store.replace("national", np.array([number]), AT, SOURCE)
    store.replace("internal:acme", np.array([number]), AT, SOURCE)
    store.replace("internal:globex", np.array([number]), AT, SOURCE)
    assert store.hits(number, "acme") == frozenset({"national", "internal"})
    assert store.hits(number, "initech") == frozenset({"national"})
    assert store.hits(9725550100, "acme") == frozenset()
    # A list named plain "internal" holds numbers no seller may call: every seller hits it.
    store.replace("internal", np.array([9725550100]), AT, SOURCE)
    assert store.hits(9725550100, "initech") == frozenset({"internal"})
    assert store.hits(number, "acme") == frozenset({"national", "internal"})


def test_another_process_sees_the_new_version(tmp_path: Path) -> None:
    """A second store on the same folder (another worker) follows the manifest's generation."""
    writer = DncStore(tmp_path, bitmap_threshold=5, recheck_s=0)
    reader = DncStore(tmp_path, bitmap_threshold=5, recheck_s=0)
    writer.replace("national", numbers(6, 10), AT, SOURCE)
    assert reader.contains_many("national", numbers(6, 10)).all()
    writer.replace("national", numbers(7, 10), AT, SOURCE)
    assert reader.contains_many("national", numbers(7, 10)).all()
    assert not reader.contains_many("national", numbers(6, 10)).any()
    assert reader.refreshed() == {"national": AT}


def test_manifest_is_replaced_never_rewritten_in_place(tmp_path: Path) -> None:
    """Each write makes a new manifest file (a new inode) with a higher generation."""
    store = DncStore(tmp_path, recheck_s=0)
    store.replace("national", np.array([2145550100]), AT, SOURCE)
    first = (tmp_path / "manifest.json").stat().st_ino
    store.apply_changes("national", np.array([2145550101]), np.empty(0, np.int64), None)
    assert (tmp_path / "manifest.json").stat().st_ino != first
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["lists"]["national"]["generation"] == 2


@pytest.mark.parametrize("threshold", [10**9, 0], ids=["sorted", "bitmap"])
@pytest.mark.parametrize("separate_reader", [False, True], ids=["same-store", "other-store"])
def test_concurrent_readers_never_see_half_a_list(
    tmp_path: Path, threshold: int, separate_reader: bool
) -> None:
    """While one thread swaps between two lists many times, every read is one of them, whole."""
    a, b = np.unique(numbers(8, 300)), np.unique(numbers(9, 300))
    probes = np.concatenate([a, b])
    expect_a, expect_b = np.isin(probes, a), np.isin(probes, b)
    writer = DncStore(tmp_path, bitmap_threshold=threshold, recheck_s=0)
    writer.replace("national", a, AT, SOURCE)
    reader = (
        DncStore(tmp_path, bitmap_threshold=threshold, recheck_s=0) if separate_reader else writer
    )
    stop = threading.Event()
    seen = {"a": 0, "b": 0, "mixed": 0}

    def read() -> None:
        while not stop.is_set():
            got = reader.contains_many("national", probes)
            key = "a" if (got == expect_a).all() else "b" if (got == expect_b).all() else "mixed"
            seen[key] += 1
            listed = reader.numbers("national")
            if not (np.array_equal(listed, a) or np.array_equal(listed, b)):
                seen["mixed"] += 1

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for i in range(40):
            if i % 2:
                writer.replace("national", a, AT, SOURCE)
            else:  # the change turns the whole of a into b in one version
                writer.apply_changes("national", b, np.setdiff1d(a, b), AT)
    finally:
        stop.set()
        thread.join()
    assert seen["mixed"] == 0
    assert seen["a"] + seen["b"] > 0


def _model_check(store: DncStore, model: set[int], probes: np.ndarray) -> None:
    """The store answers as a Python set of its numbers, one by one, in batch and listed."""
    expected = np.array([int(p) in model for p in probes])
    assert store.contains_many("national", probes).tolist() == expected.tolist()
    assert [store.contains("national", int(p)) for p in probes] == expected.tolist()
    assert store.numbers("national").tolist() == sorted(model)
    assert store.lists()["national"].count == len(model)


def test_changes_to_a_bitmap_are_written_as_flips(tmp_path: Path) -> None:
    """A change file rewrites no bitmap: it publishes the flipped numbers beside it."""
    root = tmp_path / "dnc"
    store = DncStore(root, bitmap_threshold=0, recheck_s=0)
    base = numbers(11, 4000)
    store.replace("national", base, AT, SOURCE)
    model = set(base.tolist())
    bitmap_file = store.lists()["national"].file
    inode = (root / bitmap_file).stat().st_ino
    rng = np.random.default_rng(5)
    elsewhere = np.array([5052345000 + i for i in range(0, 600, 7)])  # pages the bitmap lacks
    for round_ in range(6):
        listed = np.array(sorted(model))
        add = np.concatenate([numbers(20 + round_, 300), elsewhere[round_::6], listed[:3]])
        remove = np.concatenate([rng.choice(listed, 200, replace=False), elsewhere[::11]])
        info = store.apply_changes("national", add, remove, None)
        after = (model | set(add.tolist())) - set(remove.tolist())
        assert (info.added, info.removed) == (len(after - model), len(model - after))
        model = after
        assert info.file == bitmap_file and info.changes is not None
        assert (root / bitmap_file).stat().st_ino == inode  # the bitmap was not rewritten
        probes = np.concatenate([listed, add, remove, numbers(99, 500), [-1, 10**10]])
        _model_check(store, model, probes)
    kept = sorted(p.name for p in root.iterdir() if p.name.endswith((".npy", ".bits")))
    assert kept == sorted([bitmap_file, info.changes])  # earlier flips files were collected
    other = DncStore(root, bitmap_threshold=0, recheck_s=0)  # another process's view
    _model_check(other, model, np.array(sorted(model | set(elsewhere.tolist()))))


def test_many_flips_are_folded_into_a_new_bitmap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_FLIPS the flips and the change go into a fresh bitmap; answers do not change."""
    from callwarden.storage import dnc_store

    monkeypatch.setattr(dnc_store, "MAX_FLIPS", 50)
    store = DncStore(tmp_path / "dnc", bitmap_threshold=0, recheck_s=0)
    base = numbers(31, 3000)
    store.replace("national", base, AT, SOURCE)
    model = set(base.tolist())
    first = store.apply_changes("national", numbers(32, 20), base[:20], None)
    model = (model | set(numbers(32, 20).tolist())) - set(base[:20].tolist())
    assert first.changes is not None
    second = store.apply_changes("national", numbers(33, 40), base[20:60], None)
    model = (model | set(numbers(33, 40).tolist())) - set(base[20:60].tolist())
    assert second.changes is None and second.file != first.file  # folded
    _model_check(store, model, np.concatenate([base, numbers(32, 20), numbers(33, 40)]))


def test_a_full_import_after_changes_counts_against_the_changed_list(tmp_path: Path) -> None:
    store = DncStore(tmp_path / "dnc", bitmap_threshold=0, recheck_s=0)
    base = numbers(41, 2000)
    store.replace("national", base, AT, SOURCE)
    extra = np.array([5052345001, 5052345002])
    store.apply_changes("national", extra, base[:10], None)
    changed = (set(base.tolist()) | set(extra.tolist())) - set(base[:10].tolist())
    fresh = np.concatenate([base[5:1500], [5052345001]])
    info = store.replace("national", fresh, AT, SOURCE)
    now = set(fresh.tolist())
    assert (info.added, info.removed) == (len(now - changed), len(changed - now))
    assert info.changes is None
    _model_check(store, now, np.concatenate([base, extra]))


def test_hits_ask_only_the_given_states_lists(store: DncStore) -> None:
    """A check names its candidate states; other states' lists are not asked."""
    number = 2145550100
    for name in ("national", "state:TX", "state:FL", "litigator"):
        store.replace(name, np.array([number]), AT, SOURCE)
    everything = frozenset({"national", "state:TX", "state:FL", "litigator"})
    assert store.hits(number, "acme") == everything
    assert store.hits(number, "acme", {"TX"}) == everything - {"state:FL"}
    assert store.hits(number, "acme", set()) == frozenset({"national", "litigator"})


def _mapped_kib(path: Path) -> int | None:
    """Resident KiB of this process's mappings of ``path`` (None where /proc has no smaps)."""
    smaps = Path("/proc/self/smaps")
    if not smaps.exists():
        return None
    total, inside = 0, False
    for line in smaps.read_text().splitlines():
        if line and not line[0].isupper():  # a mapping's header: address range ... path
            inside = line.rstrip().endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def _warm_threads_done() -> None:
    for thread in threading.enumerate():
        if thread.name == "dnc-warm":
            thread.join(timeout=30)


def test_warm_maps_every_list_and_changes_no_answer(store: DncStore, tmp_path: Path) -> None:
    """``warm`` maps each version's data into the process; lookups answer as before."""
    members = numbers(11, 5_000)
    store.replace("national", members, AT, SOURCE)
    store.replace("state:TX", numbers(12, 300), AT, SOURCE)
    reader = DncStore(store.root, bitmap_threshold=store.bitmap_threshold, recheck_s=0)
    probes = np.concatenate([members[::3], members[::5] + 1])
    before = reader.contains_many("national", probes)
    mapped = reader.warm()
    assert mapped >= members.size * (8 if reader.lists()["national"].backend == "sorted" else 0)
    assert mapped > 0
    assert (reader.contains_many("national", probes) == before).all()
    assert [reader.contains("national", int(p)) for p in probes[:200]] == before[:200].tolist()


@pytest.mark.parametrize("advice", ["kernel", "refused"])
def test_warm_maps_a_bitmap_s_pages_into_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, advice: str
) -> None:
    """After ``warm`` the bitmap's data pages are resident in this process's mapping.

    Also where the kernel refuses ``MADV_POPULATE_READ``: one byte a page is read instead.
    """
    from callwarden.storage import dnc_bitmap

    if advice == "refused":
        monkeypatch.setattr(dnc_bitmap, "_POPULATE_READ", 0x7FFF)  # not an advice: EINVAL
    writer = DncStore(tmp_path, bitmap_threshold=0, recheck_s=0)
    info = writer.replace("national", numbers(13, 20_000), AT, SOURCE)
    path = tmp_path / info.file
    reader = DncStore(tmp_path, bitmap_threshold=0, recheck_s=0)
    assert reader.names() == {"national"}  # opened, nothing looked up yet
    if _mapped_kib(path) is None:
        pytest.skip("no /proc/self/smaps on this system")
    assert _mapped_kib(path) == 0
    mapped = reader.warm()
    assert mapped >= 150_000  # three ranges of 62,500 bytes: 48 pages
    assert (_mapped_kib(path) or 0) * 1024 >= mapped * 0.9


def test_a_warm_store_maps_later_versions_in_the_background(tmp_path: Path) -> None:
    """A version published after ``warm`` is mapped when the store first sees it."""
    writer = DncStore(tmp_path, bitmap_threshold=0, recheck_s=0)
    writer.replace("national", numbers(14, 1_000), AT, SOURCE)
    reader = DncStore(tmp_path, bitmap_threshold=0, recheck_s=0)
    reader.warm()
    info = writer.replace("national", numbers(15, 20_000), AT, SOURCE)
    del writer  # its own mapping of the new file goes with it
    gc.collect()
    if _mapped_kib(tmp_path / info.file) is None:
        pytest.skip("no /proc/self/smaps on this system")
    assert _mapped_kib(tmp_path / info.file) == 0
    assert reader.lists()["national"].generation == info.generation  # the reader swaps to it
    _warm_threads_done()
    assert (_mapped_kib(tmp_path / info.file) or 0) >= 150  # its data pages (192 KiB)
    assert reader.contains("national", int(numbers(15, 20_000)[0]))
