"""2. DNC membership alone, one number at a time: ``DncStore.contains``.

Measured on the prepared home's national list (the bitmap backend) and on the same numbers
held by the sorted-array backend, 30 % hits, each call timed on its own after the store is
warmed as ``callwarden serve`` warms it (``DncStore.warm``: every page mapped) and a warm-up
pass over every distinct probe.
The sorted array is judged only where the store would use it (lists under 2,000,000 numbers);
beyond that it is a comparison.

Peers: a Python ``set`` of int (of the whole registry up to 50 million numbers, beyond which a
set no longer fits beside the rest: about 15 GB at 250 million) and a parameterized DuckDB
point query on the registry table.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks._data import ensure_dataset
from benchmarks._duck import ensure_registry_db
from benchmarks._harness import (
    Context,
    Row,
    fmt_bytes,
    fmt_us,
    percentiles_us,
    progress,
    run_worker,
    time_each,
)
from benchmarks._home import ensure_home, fact_numbers

TARGET_US = 1.0
SET_LIMIT = 50_000_000
DUCK_QUERIES = 10_000


def run(ctx: Context) -> list[Row]:
    """Point lookups on both backends and the two peers, each in a fresh process."""
    data = ensure_dataset(ctx)
    home = ensure_home(ctx)
    probes = ctx.workdir / "membership-probes.npy"
    np.save(probes, _probes(fact_numbers(data), ctx.micro_count))
    registry = str(data.path("registry_npy"))
    progress(f"membership: {ctx.micro_count:,} DncStore.contains calls per backend")
    sorted_root = str(ctx.workdir / "sorted-store")
    bitmap = run_worker(
        ctx,
        "dnc_membership",
        "measure_store",
        home=str(home.path),
        probes=str(probes),
        backend="bitmap",
        sorted_root=sorted_root,
    )
    run_worker(ctx, "dnc_membership", "build_sorted_store", root=sorted_root, registry=registry)
    sorted_ = run_worker(
        ctx,
        "dnc_membership",
        "measure_store",
        home=str(home.path),
        probes=str(probes),
        backend="sorted",
        sorted_root=sorted_root,
    )
    progress("membership peer: Python set")
    pyset = run_worker(ctx, "dnc_membership", "measure_set", registry=registry, probes=str(probes))
    db, _ = ensure_registry_db(ctx, data.path("registry_txt"), data.registry_count)
    progress("membership peer: DuckDB point queries")
    sample = np.load(probes)[: min(DUCK_QUERIES, ctx.micro_count // 10)].tolist()
    duck = run_worker(ctx, "_duck", "point_queries", db=str(db), numbers=sample)
    from callwarden.storage.dnc_store import BITMAP_THRESHOLD

    rows = []
    for label, ours in (("bitmap", bitmap), ("sorted array", sorted_)):
        p99 = ours.result["p99_us"]
        # The store keeps a list this large as a bitmap: the sorted array is then a
        # comparison, not what a lookup uses, and is not judged.
        judged = label == "bitmap" or data.registry_count < BITMAP_THRESHOLD
        target = "< 1 µs" if judged else f"- (lists over {BITMAP_THRESHOLD:,} are bitmaps)"
        for peer_name, peer in (
            (f"Python set of {pyset.result['size']:,} ints", pyset),
            ("DuckDB parameterized point query", duck),
        ):
            rows.append(
                Row(
                    benchmark=f"2. DNC membership, one number, {label} (DncStore.contains)",
                    figure=f"p50 {fmt_us(ours.result['p50_us'])} / p99 {fmt_us(p99)}",
                    peer=peer_name,
                    peer_figure=f"p50 {fmt_us(peer.result['p50_us'])} / p99 "
                    f"{fmt_us(peer.result['p99_us'])}",
                    ratio=peer.result["p99_us"] / p99,
                    target=target,
                    passed=p99 < TARGET_US if judged else None,
                    peak=f"{fmt_bytes(ours.peak_bytes)} / {fmt_bytes(peer.peak_bytes)}",
                    note=f"{ours.result['count']:,} lookups ({peer.result['count']:,} for the "
                    f"peer), p99 judged; {ours.result['note']}",
                )
            )
    rows.append(_state_row(ctx, home.path))
    return rows


def _state_row(ctx: Context, home: Path) -> Row:
    """The largest state list, in the form the store chose, against it as a sorted array."""
    progress("membership: the largest state list, both forms")
    measured = run_worker(
        ctx, "dnc_membership", "measure_state_list", home=str(home), count=ctx.micro_count,
        root=str(ctx.workdir / "state-sorted-store"),
    )  # fmt: skip
    r = measured.result
    return Row(
        benchmark=f"2. DNC membership, one number, {r['list']} list ({r['backend']}; "
        f"DncStore.contains)",
        figure=f"p50 {fmt_us(r['p50_us'])} / p99 {fmt_us(r['p99_us'])}",
        peer="the same list as a sorted array (its form before the dense rule)",
        peer_figure=f"p50 {fmt_us(r['sorted_p50_us'])} / p99 {fmt_us(r['sorted_p99_us'])}",
        ratio=r["sorted_p99_us"] / r["p99_us"],
        target="< 1 µs",
        passed=r["p99_us"] < TARGET_US,
        peak=fmt_bytes(measured.peak_bytes),
        note=f"{r['count']:,} lookups of numbers of the list's area codes ({r['hits']:,} on "
        f"it), each form warmed as the server warms it; {r['size']:,} numbers",
    )


def measure_state_list(home: str, count: int, root: str) -> dict[str, Any]:
    """``DncStore.contains`` on the home's largest state list, and on it as a sorted array."""
    os.environ["CALLWARDEN_HOME"] = home
    from callwarden.bootstrap import bootstrap
    from callwarden.storage.dnc_store import DncStore

    store = bootstrap().dnc
    infos = {n: i for n, i in store.lists().items() if n.startswith("state:")}
    if not infos:
        msg = "the prepared home holds no state list"
        raise RuntimeError(msg)
    name = max(infos, key=lambda n: infos[n].count)
    members = store.numbers(name)
    sorted_store = DncStore(Path(root), dense_ratio=0)
    _ensure_list(sorted_store, name, members.size, lambda: members)
    rng = np.random.default_rng(23)
    codes = np.unique(members // 10**7)
    others = rng.choice(codes, count) * 10**7 + rng.integers(2_000_000, 10**7, count)
    on_list = members[rng.integers(0, members.size, count)]
    probes = np.where(rng.random(count) < 0.3, on_list, others).tolist()
    results = {}
    for label, each in (("", store), ("sorted_", sorted_store)):
        each.warm()
        p50, p99, hits = _time_calls(functools.partial(each.contains, name), probes)
        results |= {f"{label}p50_us": p50, f"{label}p99_us": p99, f"{label}hits": hits}
    if results["hits"] != results["sorted_hits"]:
        msg = f"the two forms disagree: {results['hits']} and {results['sorted_hits']} hits"
        raise RuntimeError(msg)
    return results | {
        "list": name,
        "backend": infos[name].backend,
        "count": count,
        "size": int(members.size),
    }


def _probes(called: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.int64]:
    """``count`` lookups over the called numbers (30 % on the registry), shuffled."""
    rng = np.random.default_rng(17)
    return np.asarray(called[rng.integers(0, called.size, size=count)], dtype=np.int64)


def _time_calls(lookup: Any, probes: list[int]) -> tuple[float, float, int]:
    for value in set(probes):  # warm: every page the probes touch is mapped once
        lookup(value)
    samples, found = time_each(lookup, probes)
    p50, p99 = percentiles_us(samples)
    return p50, p99, sum(map(bool, found))


def measure_store(home: str, probes: str, backend: str, sorted_root: str = "") -> dict[str, Any]:
    """``DncStore.contains`` per call on the national list, or on the sorted-array copy."""
    os.environ["CALLWARDEN_HOME"] = home
    from callwarden.bootstrap import bootstrap
    from callwarden.storage.dnc_store import DncStore

    store = bootstrap().dnc
    copy = ""
    if backend == "sorted":
        store = DncStore(Path(sorted_root), bitmap_threshold=2**62, dense_ratio=0)
    elif store.lists()["national"].backend != "bitmap":
        # Below about scale 0.01 the store keeps the registry as an array: time a bitmap of it.
        bitmaps = DncStore(Path(sorted_root).with_name("bitmap-store"), bitmap_threshold=0)
        size = store.lists()["national"].count
        _ensure_list(bitmaps, "national", size, lambda: store.numbers("national"))
        store, copy = bitmaps, " (a bitmap copy: at this scale the store keeps an array)"
    used = store.lists()["national"].backend
    if used != backend:
        msg = f"the national list uses the {used} backend, not {backend}"
        raise RuntimeError(msg)
    store.warm()  # as `callwarden serve` does at start-up: the list's pages mapped
    values = [int(v) for v in np.load(probes)]
    p50, p99, hits = _time_calls(functools.partial(store.contains, "national"), values)
    note = f"backend {used}, {store.lists()['national'].count:,} numbers{copy}"
    return {"p50_us": p50, "p99_us": p99, "count": len(values), "hits": hits, "note": note}


def _ensure_list(store: Any, name: str, size: int, numbers: Callable[[], Any]) -> None:
    """Store ``numbers()`` as list ``name`` unless the store holds it at that size already."""
    from datetime import UTC, datetime

    current = store.lists().get(name)
    if current is None or current.count != size:
        store.replace(name, np.asarray(numbers()), datetime.now(UTC), {"name": name})


def build_sorted_store(root: str, registry: str) -> dict[str, Any]:
    """A store keeping the registry as a sorted array (built when missing or of another size)."""
    from callwarden.storage.dnc_store import DncStore

    store = DncStore(Path(root), bitmap_threshold=2**62, dense_ratio=0)
    numbers = np.load(registry, mmap_mode="r")
    _ensure_list(store, "national", numbers.size, lambda: numbers)
    return {"count": int(numbers.size)}


def measure_set(registry: str, probes: str) -> dict[str, Any]:
    """``int in set`` per call, the set holding up to 50 million registry numbers."""
    numbers = np.load(registry, mmap_mode="r")
    members = set(numbers[:SET_LIMIT].tolist())
    values = [int(v) for v in np.load(probes)]
    p50, p99, _ = _time_calls(members.__contains__, values)
    return {"p50_us": p50, "p99_us": p99, "count": len(values), "size": len(members)}
