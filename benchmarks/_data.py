"""Synthetic data: a national registry, a daily change file and lead lists, made with numpy.

Numbers are uniform over every valid US area code + exchange of the numbering plan (the
plan callwarden itself uses) times 10,000 line numbers, seed 2024. Nothing loops in Python
over rows. Files are written once per size under the work folder and reused while they
exist with the recorded sizes.

- ``registry-N.txt``: N distinct numbers, sorted, one per line, as the FTC delivers them:
  10 digits, or (about 10 % of lines) ``NPA,NXXXXXX``.
- ``registry-N.npy``: the same numbers as a sorted int64 array (for the numpy and set peers).
- ``changes-N.txt``: 100,000 change records ``NUMBER,A|D,DATE``: half adds of numbers not on
  the registry, half deletes of registry numbers; neither touches a lead, so the leads'
  ground truth holds before and after the changes are applied.
- ``leads-M.csv``: ``lead_id,phone`` with the phone in six notations; 30 % on the registry,
  4 % invalid (9 digits, 0/1-leading or N11 area codes, empty, ``n/a``), the rest valid and
  absent from the registry.
- ``leads-M.parquet``: the same leads with ``phone`` as a nullable int64 10-digit column.
- ``dataset-N-M.json``: sizes and ground truth (how many leads are valid, on the registry).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks._harness import Context, progress, run_worker

SEED = 2024
FULL_REGISTRY = 250_000_000
FULL_LEADS = 10_000_000
CHANGE_LINES = 100_000
HIT_SHARE, INVALID_SHARE, SPLIT_SHARE = 0.30, 0.04, 0.10
_POW10 = 10 ** np.arange(9, -1, -1, dtype=np.int64)
# (template, digit positions): six notations dialers and CRMs export.
NOTATIONS: tuple[tuple[bytes, tuple[int, ...]], ...] = (
    (b"(XXX) XXX-XXXX", (1, 2, 3, 6, 7, 8, 10, 11, 12, 13)),
    (b"+1 XXX.XXX.XXXX", (3, 4, 5, 7, 8, 9, 11, 12, 13, 14)),
    (b"XXXXXXXXXX", tuple(range(10))),
    (b"XXX-XXX-XXXX", (0, 1, 2, 4, 5, 6, 8, 9, 10, 11)),
    (b"1 (XXX) XXX XXXX", (3, 4, 5, 8, 9, 10, 12, 13, 14, 15)),
    (b"+1XXXXXXXXXX", tuple(range(2, 12))),
)


@dataclass(frozen=True)
class Dataset:
    """Paths and ground truth of one generated data set."""

    root: Path
    registry_count: int
    lead_count: int
    meta: dict[str, Any]

    def path(self, kind: str) -> Path:
        """``registry_txt``, ``registry_npy``, ``changes``, ``leads_csv`` or ``leads_parquet``."""
        return self.root / str(self.meta["files"][kind]["name"])


def sizes(scale: float) -> tuple[int, int]:
    """Registry and lead counts at a scale (at least 1,000 and 100)."""
    return max(1_000, round(FULL_REGISTRY * scale)), max(100, round(FULL_LEADS * scale))


def ensure_dataset(ctx: Context) -> Dataset:
    """Generate (in a subprocess) or reuse the data set for the context's scale."""
    if "dataset" in ctx.cache:
        return ctx.cache["dataset"]  # type: ignore[no-any-return]
    n, m = sizes(ctx.scale)
    root = ctx.workdir
    meta_path = root / f"dataset-{n}-{m}.json"
    meta = _reusable(meta_path)
    if meta is None:
        progress(f"generating {n:,} registry numbers and {m:,} leads in {root}")
        run_worker(ctx, "_data", "generate", root=str(root), n=n, m=m)
        meta = _reusable(meta_path)
        if meta is None:
            raise RuntimeError("data generation did not produce the expected files")
    else:
        progress(f"reusing data set {meta_path.name}")
    ctx.cache["dataset"] = Dataset(root=root, registry_count=n, lead_count=m, meta=meta)
    return ctx.cache["dataset"]  # type: ignore[no-any-return]


def _reusable(meta_path: Path) -> dict[str, Any] | None:
    if not meta_path.exists():
        return None
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    for info in meta["files"].values():
        path = meta_path.parent / info["name"]
        if not path.exists() or path.stat().st_size != info["size"]:
            return None
    return meta


# --- generation (runs in a worker process) ----------------------------------------------------


def generate(root: str, n: int, m: int) -> dict[str, Any]:
    """Write every file of the data set and its metadata; return the metadata."""
    folder = Path(root)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    keys = valid_prefixes(folder)
    registry = _distinct_numbers(rng, keys, n)
    progress(f"registry drawn: {registry.size:,} numbers")
    files = {"registry_npy": f"registry-{n}.npy", "registry_txt": f"registry-{n}.txt"}
    np.save(folder / files["registry_npy"], registry)
    _write_registry_text(folder / files["registry_txt"], registry, rng)
    phones, kinds = _lead_numbers(rng, keys, registry, m)
    files["changes"] = f"changes-{n}.txt"
    _write_changes(folder / files["changes"], rng, keys, registry, phones)
    del registry
    files["leads_csv"], files["leads_parquet"] = f"leads-{m}.csv", f"leads-{m}.parquet"
    _write_leads(folder, files, rng, phones, kinds)
    meta = {
        "seed": SEED,
        "registry_count": n,
        "lead_count": m,
        "leads_on_registry": int((kinds == _HIT).sum()),
        "leads_invalid": int((kinds >= _INVALID).sum()),
        "leads_valid_clear": int((kinds == _MISS).sum()),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {
            k: {"name": v, "size": (folder / v).stat().st_size} for k, v in sorted(files.items())
        },
    }
    (folder / f"dataset-{n}-{m}.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def valid_prefixes(folder: Path) -> npt.NDArray[np.int64]:
    """Every NPA-NXX that is valid in the numbering plan and lies in a US state."""
    from callwarden.core.gate.numbering import VALID
    from callwarden.storage.numbering_cache import load_plan

    plan = load_plan(folder / "cache")
    ok = (plan.validity == VALID) & (plan.state_index > 0)
    return np.flatnonzero(ok).astype(np.int64)


def _draw(
    rng: np.random.Generator, keys: npt.NDArray[np.int64], count: int
) -> npt.NDArray[np.int64]:
    """Uniform valid numbers (with repeats)."""
    idx = rng.integers(0, keys.size * 10_000, size=count, dtype=np.int64)
    return np.asarray(keys[idx // 10_000] * 10_000 + idx % 10_000, dtype=np.int64)


def _distinct_numbers(
    rng: np.random.Generator, keys: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.int64]:
    """Exactly ``n`` distinct valid numbers, sorted."""
    numbers = sorted_unique(_draw(rng, keys, int(n * 1.05) + 1_000))
    while numbers.size < n:
        more = _draw(rng, keys, n - numbers.size + 1_000)
        numbers = sorted_unique(np.concatenate([numbers, more]))
    excess = numbers.size - n
    if excess:
        numbers = np.delete(numbers, rng.choice(numbers.size, size=excess, replace=False))
    return numbers


def sorted_unique(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sort, then drop repeats (``np.unique`` is many times slower on large int64 arrays)."""
    ordered = np.sort(numbers)
    keep = np.empty(ordered.size, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def member_of(
    ordered: npt.NDArray[np.int64], numbers: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Whether each number is in the sorted array ``ordered``."""
    if ordered.size == 0:
        return np.zeros(numbers.size, dtype=bool)
    pos = np.minimum(np.searchsorted(ordered, numbers), ordered.size - 1)
    return np.asarray(ordered[pos] == numbers)


def digits_matrix(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """ASCII digits of 10-digit numbers, one row per number (leading zeros kept)."""
    return ((numbers[:, None] // _POW10[None, :]) % 10 + ord("0")).astype(np.uint8)


def _write_registry_text(
    path: Path, registry: npt.NDArray[np.int64], rng: np.random.Generator
) -> None:
    """One number per line; a share of lines as ``NPA,NXXXXXX``."""
    chunk = 4_000_000
    with path.open("wb") as out:
        for start in range(0, registry.size, chunk):
            part = registry[start : start + chunk]
            split = rng.random(part.size) < SPLIT_SHARE
            rows = np.empty((part.size, 12), dtype=np.uint8)
            digits = digits_matrix(part)
            rows[:, :10] = digits
            rows[:, 10] = ord("\n")
            rows[split, :3] = digits[split, :3]
            rows[split, 3] = ord(",")
            rows[split, 4:11] = digits[split, 3:]
            rows[split, 11] = ord("\n")
            keep = np.ones((part.size, 12), dtype=bool)
            keep[~split, 11] = False
            out.write(rows[keep].tobytes())
    progress(f"wrote {path.name} ({path.stat().st_size / 2**20:,.0f} MiB)")


_HIT, _MISS, _INVALID = 0, 1, 2
_SHORT, _BAD_NPA, _N11, _EMPTY, _NA = 2, 3, 4, 5, 6  # kinds of invalid leads


def _lead_numbers(
    rng: np.random.Generator, keys: npt.NDArray[np.int64], registry: npt.NDArray[np.int64], m: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int8]]:
    """The number of every lead and its kind (on the registry, clear, or how it is invalid)."""
    draw = rng.random(m)
    kinds = np.full(m, _MISS, dtype=np.int8)
    kinds[draw < HIT_SHARE] = _HIT
    invalid = draw >= 1 - INVALID_SHARE
    kinds[invalid] = rng.integers(_SHORT, _NA + 1, size=int(invalid.sum()), dtype=np.int8)
    phones = np.zeros(m, dtype=np.int64)
    hits = kinds == _HIT
    phones[hits] = registry[rng.integers(0, registry.size, size=int(hits.sum()))]
    misses = np.flatnonzero(kinds != _HIT)
    phones[misses] = _absent_from(rng, keys, registry, misses.size)
    short = kinds == _SHORT
    phones[short] //= 10
    bad_npa = kinds == _BAD_NPA  # area codes 000-199 are never assigned
    phones[bad_npa] = rng.integers(0, 2_000_000_000, size=int(bad_npa.sum()))
    n11 = kinds == _N11
    phones[n11] = (
        rng.integers(2, 10, size=int(n11.sum())) * 1_000_000_000
        + 110_000_000
        + (phones[n11] % 10_000_000)
    )
    return phones, kinds


def _absent_from(
    rng: np.random.Generator,
    keys: npt.NDArray[np.int64],
    registry: npt.NDArray[np.int64],
    count: int,
) -> npt.NDArray[np.int64]:
    """``count`` valid numbers that are not on the registry (in random order)."""
    found = np.empty(0, dtype=np.int64)
    while found.size < count:
        candidates = np.sort(_draw(rng, keys, int((count - found.size) * 1.2) + 100))
        found = np.concatenate([found, candidates[~member_of(registry, candidates)]])
    return rng.permutation(found[:count])


def _write_changes(
    path: Path,
    rng: np.random.Generator,
    keys: npt.NDArray[np.int64],
    registry: npt.NDArray[np.int64],
    phones: npt.NDArray[np.int64],
) -> None:
    """Half adds of new numbers, half deletes of registry numbers; no lead is touched."""
    leads = sorted_unique(phones)
    half = CHANGE_LINES // 2
    adds = _absent_from(rng, keys, registry, half * 2)
    adds = sorted_unique(adds[~member_of(leads, adds)])[:half]
    pool = registry[rng.integers(0, registry.size, size=half * 2)]
    deletes = sorted_unique(pool[~member_of(leads, pool)])[: CHANGE_LINES - adds.size]
    numbers = np.concatenate([adds, deletes])
    flags = np.concatenate([np.full(adds.size, ord("A")), np.full(deletes.size, ord("D"))])
    order = rng.permutation(numbers.size)
    rows = np.empty((numbers.size, 24), dtype=np.uint8)
    rows[:, :10] = digits_matrix(numbers[order])
    rows[:, 10] = ord(",")
    rows[:, 11] = flags[order]
    date = datetime.now(UTC).date().isoformat().encode()
    rows[:, 12:24] = np.frombuffer(b"," + date + b"\n", dtype=np.uint8)
    path.write_bytes(rows.tobytes())
    progress(f"wrote {path.name} ({adds.size:,} adds, {deletes.size:,} deletes)")


def _write_leads(
    folder: Path,
    files: dict[str, str],
    rng: np.random.Generator,
    phones: npt.NDArray[np.int64],
    kinds: npt.NDArray[np.int8],
) -> None:
    """The CSV with mixed notations and the Parquet file with an int64 column."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    m = phones.size
    lead_id = pa.array(np.arange(1, m + 1, dtype=np.int64))
    text = _phone_strings(rng, phones, kinds)
    csv_table = pa.table({"lead_id": lead_id, "phone": text})
    options = pacsv.WriteOptions(quoting_style="none", batch_size=65_536)
    pacsv.write_csv(csv_table, folder / files["leads_csv"], write_options=options)
    missing = (kinds == _EMPTY) | (kinds == _NA)
    number = pa.array(phones, mask=missing)
    pq.write_table(pa.table({"lead_id": lead_id, "phone": number}), folder / files["leads_parquet"])
    progress(f"wrote {files['leads_csv']} and {files['leads_parquet']} ({m:,} leads)")


def _phone_strings(
    rng: np.random.Generator, phones: npt.NDArray[np.int64], kinds: npt.NDArray[np.int8]
) -> Any:
    """An Arrow string array: each phone in a random notation, invalid ones as they are."""
    import pyarrow as pa

    notation = rng.integers(0, len(NOTATIONS), size=phones.size)
    groups: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]] = []
    ten = kinds != _SHORT
    ten &= kinds < _EMPTY
    for j, (template, positions) in enumerate(NOTATIONS):
        rows_idx = np.flatnonzero(ten & (notation == j))
        matrix = np.tile(np.frombuffer(template, dtype=np.uint8), (rows_idx.size, 1))
        matrix[:, list(positions)] = digits_matrix(phones[rows_idx])
        groups.append((rows_idx, matrix))
    short = np.flatnonzero(kinds == _SHORT)
    groups.append((short, digits_matrix(phones[short])[:, 1:]))
    for kind, word in ((_EMPTY, b""), (_NA, b"n/a")):
        rows_idx = np.flatnonzero(kinds == kind)
        groups.append((rows_idx, np.tile(np.frombuffer(word, dtype=np.uint8), (rows_idx.size, 1))))
    arrays = []
    for rows_idx, matrix in groups:
        width = matrix.shape[1] if matrix.ndim == 2 else 0
        offsets = pa.py_buffer((np.arange(rows_idx.size + 1, dtype=np.int32) * width).tobytes())
        data = pa.py_buffer(np.ascontiguousarray(matrix).tobytes())
        arrays.append(pa.StringArray.from_buffers(rows_idx.size, offsets, data))
    order = np.concatenate([g[0] for g in groups])
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return pa.concat_arrays(arrays).take(pa.array(inverse))


def registry_array(dataset_root: str, n: int) -> npt.NDArray[np.int64]:
    """The sorted registry, memory-mapped."""
    array: npt.NDArray[np.int64] = np.load(Path(dataset_root) / f"registry-{n}.npy", mmap_mode="r")
    return array


def clear_numbers(
    leads_parquet: str, registry: npt.NDArray[np.int64], limit: int
) -> npt.NDArray[np.int64]:
    """Up to ``limit`` valid lead numbers that are not on the registry (invalid kinds dropped)."""
    import pyarrow.parquet as pq

    phones = pq.read_table(leads_parquet, columns=["phone"]).column("phone")
    numbers = phones.drop_null().to_numpy()[: limit * 4]
    numbers = numbers[(numbers >= 2_000_000_000) & (numbers // 10_000_000 % 100 != 11)]
    ordered = np.sort(numbers)
    return np.asarray(ordered[~member_of(registry, ordered)][:limit], dtype=np.int64)
