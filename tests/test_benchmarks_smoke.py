"""The benchmark harness runs end to end at a tiny scale, so ``make bench`` cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NUMBERING_CACHE = REPO / ".callwarden" / "test-cache"


@pytest.mark.slow
def test_tiny_run_prints_one_table_with_a_measured_single_decision_row(tmp_path: Path) -> None:
    """Data is generated, the decision benchmark and its peer run, and the table is printed."""
    NUMBERING_CACHE.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLWARDEN_")}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--scale", "0.0001", "--only", "single_decision",
         "--workdir", str(tmp_path), "--format", "markdown"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("callwarden benchmarks, scale 0.0001 (registry 25,000, leads 1,000)")
    assert lines[2].startswith("| benchmark | callwarden | peer |")
    rows = [line for line in lines if line.startswith("| 1. single decision")]
    assert len(rows) == 1
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[1].startswith("p50 ") and "µs" in cells[1]
    assert cells[2] == "phonenumbers.parse + is_valid_number"
    assert cells[6] in {"PASS", "FAIL"}
    assert "MiB" in cells[7]
    assert "=== single_decision done" in done.stderr


@pytest.mark.slow
def test_generated_leads_add_up_to_the_ground_truth(tmp_path: Path) -> None:
    """Every lead is on the registry, clear, or invalid; both file forms hold every number."""
    NUMBERING_CACHE.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    code = "import sys; from benchmarks._data import generate; generate(sys.argv[1], 2000, 500)"
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    meta = json.loads((tmp_path / "dataset-2000-500.json").read_text("utf-8"))
    total = meta["leads_on_registry"] + meta["leads_invalid"] + meta["leads_valid_clear"]
    assert total == 500
    assert 0.2 < meta["leads_on_registry"] / 500 < 0.4
    registry = (tmp_path / "registry-2000.txt").read_text("ascii").splitlines()
    assert len(registry) == 2000
    assert all(len(line.replace(",", "")) == 10 for line in registry)
    assert any("," in line for line in registry)
    leads = (tmp_path / "leads-500.csv").read_text("ascii").splitlines()
    assert len(leads) == 501
    assert any(line.split(",", 1)[1].startswith("(") for line in leads[1:])
