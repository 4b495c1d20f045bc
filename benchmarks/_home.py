"""A prepared callwarden home: the registry and state lists imported, consents and history, a key.

Built with callwarden's own commands (``dnc import``, ``consent import``, ``history import``,
``apikey create``) and reused between runs while its marker file says it matches the data set
and the national list is at most a week old (the gate needs it fresher than 31 days).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._attempts import METHODS, PURPOSES, sample_numbers
from benchmarks._data import Dataset, clear_numbers, digits_matrix, ensure_dataset, registry_array
from benchmarks._harness import REPO, BenchError, Context, progress, run_measured, run_worker

_KEY = re.compile(r"cw_[0-9a-f]+_[A-Za-z0-9_-]+")
MARKER = ".bench-home.json"
FACT_NUMBERS = 5_000
STATE_SHARE = 0.1
LAYOUT = 3  # bump when the prepared home gains content, so older homes are rebuilt


@dataclass(frozen=True)
class Home:
    """A prepared home and the environment that selects it."""

    path: Path
    api_key: str
    consents: int
    history: int

    @property
    def env(self) -> dict[str, str]:
        """Environment for a callwarden process on this home."""
        return home_env(self.path)


def home_env(path: Path) -> dict[str, str]:
    """``CALLWARDEN_HOME`` pointing at ``path`` (the run drops ``CALLWARDEN_DATABASE_URL``)."""
    return {"CALLWARDEN_HOME": str(path), "CALLWARDEN_LOG_LEVEL": "warning"}


def callwarden(*args: str) -> list[str]:
    """argv for ``python -m callwarden ARGS``."""
    return [sys.executable, "-m", "callwarden", *args]


def new_home(ctx: Context, name: str) -> Path:
    """An empty home that shares the numbering-plan cache of the work folder."""
    path = ctx.workdir / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (ctx.workdir / "cache").mkdir(exist_ok=True)
    (path / "cache").symlink_to(ctx.workdir / "cache", target_is_directory=True)
    return path


def fact_count(scale: float) -> int:
    """Consents (and past attempts) stored in the prepared home."""
    return max(10_000, min(200_000, round(2_000_000 * scale)))


def ensure_home(ctx: Context) -> Home:
    """The prepared home for this scale, built when missing or stale."""
    if "home" in ctx.cache:
        return ctx.cache["home"]  # type: ignore[no-any-return]
    data = ensure_dataset(ctx)
    path = ctx.workdir / f"home-{data.registry_count}"
    marker = _marker(path, data)
    if marker is None:
        path = new_home(ctx, path.name)
        marker = _build(path, data, fact_count(ctx.scale))
    else:
        progress(f"reusing prepared home {path.name}")
    home = Home(
        path=path, api_key=marker["api_key"], consents=marker["consents"],
        history=marker["history"],
    )  # fmt: skip
    ctx.cache["home"] = home
    return home


def _marker(path: Path, data: Dataset) -> dict[str, Any] | None:
    file = path / MARKER
    if not file.exists():
        return None
    marker: dict[str, Any] = json.loads(file.read_text("utf-8"))
    imported = datetime.fromisoformat(marker["imported_at"])
    if marker.get("generated_at") != data.meta["generated_at"] or marker.get("layout") != LAYOUT:
        return None
    return marker if datetime.now(UTC) - imported < timedelta(days=7) else None


def _build(path: Path, data: Dataset, facts: int) -> dict[str, Any]:
    env = home_env(path)
    progress(f"preparing home {path.name}: importing {data.registry_count:,} numbers")
    imported_at = datetime.now(UTC)
    run_measured(
        callwarden("dnc", "import", "--list", "national", str(data.path("registry_txt"))),
        env=env, cwd=REPO,
    )  # fmt: skip
    states = _state_lists(path, data)
    for name, file in sorted(states.items()):
        run_measured(callwarden("dnc", "import", "--list", name, file), env=env, cwd=REPO)
    progress(f"imported {len(states)} state lists: {', '.join(sorted(states))}")
    consents, history, n_consents = _fact_files(path, data, facts)
    progress(f"storing {n_consents:,} consents and {facts:,} past attempts")
    run_measured(callwarden("consent", "import", str(consents)), env=env, cwd=REPO)
    run_measured(callwarden("history", "import", str(history)), env=env, cwd=REPO)
    marker = {
        "api_key": create_api_key(path),
        "consents": n_consents,
        "history": facts,
        "imported_at": imported_at.isoformat(),
        "generated_at": data.meta["generated_at"],
        "registry_count": data.registry_count,
        "layout": LAYOUT,
    }
    (path / MARKER).write_text(json.dumps(marker, indent=1), "utf-8")
    return marker


def _state_lists(path: Path, data: Dataset) -> dict[str, str]:
    """Write the state lists the rule data requires (in a worker process)."""
    ctx = Context(scale=1.0, workdir=path)
    result = run_worker(
        ctx, "_home", "write_state_lists", root=str(data.root), n=data.registry_count,
        out=str(path / "state-lists"),
    )  # fmt: skip
    return dict(result.result)


def write_state_lists(root: str, n: int, out: str) -> dict[str, str]:
    """A list per state that keeps its own: 10 % of the registry numbers located there."""
    from callwarden.core.rules.model import DncListRule
    from callwarden.storage.numbering_cache import load_plan
    from callwarden.storage.rule_files import load_rule_set

    rules = load_rule_set()
    names = sorted(
        {r.list_name for r in rules.all_rows() if isinstance(r, DncListRule)}
        - {"national", "internal", "litigator"}
    )
    plan = load_plan(Path(root) / "cache")
    registry = registry_array(root, n)
    rng = np.random.default_rng(23)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        name: folder / f"{name.replace(':', '_')}.txt"
        for name in names
        if name.startswith("state:")
    }
    codes = {plan.states.index(name[6:]): name for name in files if name[6:] in plan.states}
    handles = {name: path.open("wb") for name, path in files.items()}
    try:
        for start in range(0, registry.size, 20_000_000):
            part = np.asarray(registry[start : start + 20_000_000])
            state = plan.state_index[part // 10_000]
            keep = rng.random(part.size) < STATE_SHARE
            for code, name in codes.items():
                chosen = part[keep & (state == code)]
                lines = np.empty((chosen.size, 11), dtype=np.uint8)
                lines[:, :10] = digits_matrix(chosen)
                lines[:, 10] = ord("\n")
                handles[name].write(lines.tobytes())
    finally:
        for handle in handles.values():
            handle.close()
    return {name: str(path) for name, path in files.items()}


def create_api_key(path: Path, name: str = "bench") -> str:
    """Create a dialer key with ``callwarden apikey create`` and return it."""
    done = subprocess.run(
        callwarden("apikey", "create", "--name", name, "--role", "dialer"),
        env={**os.environ, **home_env(path)}, cwd=REPO, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    found = _KEY.search(done.stdout + done.stderr)
    if done.returncode != 0 or found is None:
        raise BenchError(f"apikey create failed ({done.returncode}): {done.stderr.strip()[-200:]}")
    return found.group(0)


def fact_numbers(data: Dataset, count: int = FACT_NUMBERS) -> np.ndarray:
    """The numbers the latency benchmarks call (30 % on the registry), in a fixed order."""
    registry = registry_array(str(data.root), data.registry_count)
    clear = clear_numbers(str(data.path("leads_parquet")), registry, count)
    return sample_numbers(np.asarray(registry), clear, count)


def _fact_files(path: Path, data: Dataset, count: int) -> tuple[Path, Path, int]:
    """Consents for one called number in five, history for one in four, plus filler."""
    rng = np.random.default_rng(3)
    called = fact_numbers(data)
    registry = registry_array(str(data.root), data.registry_count)
    filler = np.asarray(registry[rng.integers(0, registry.size, size=count)], dtype=np.int64)
    numbers = np.concatenate([called, filler])[:count]
    day = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0)
    consents, history = path / "consents.jsonl", path / "history.jsonl"
    with consents.open("w", encoding="utf-8") as out:
        for k, number in enumerate(numbers[::5].tolist()):
            row: dict[str, object] = {
                "phone": f"+1{number}", "seller": f"seller{k % 3}", "kind": "written",
                "at": "2025-05-01T12:00:00+00:00",
                "evidence": {"form_url": "https://leads.example.com/optin", "ip": "198.51.100.7"},
            }  # fmt: skip
            out.write(json.dumps(row) + "\n")
    with history.open("w", encoding="utf-8") as out:
        for k, number in enumerate(numbers.tolist()):
            at = day - timedelta(days=1 + k % 6, minutes=k % 500)
            row = {
                "phone": f"+1{number}", "at": at.isoformat(), "seller": f"seller{k % 3}",
                "campaign": f"c{k % 5}", "purpose": PURPOSES[k % len(PURPOSES)],
                "channel": "voice", "method": METHODS[k % len(METHODS)],
                "outcome": ("no_answer", "conversation", "answered_machine", "busy")[k % 4],
                "connect_delay_s": 1.0,
            }  # fmt: skip
            out.write(json.dumps(row) + "\n")
    return consents, history, len(numbers[::5])
