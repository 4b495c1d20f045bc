"""The README's quick start runs as written, from a fresh home, and shows what it says."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def quick_start_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## A first check", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the quick start has no sh block"
    commands = []
    for raw in block.group(1).splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            words = shlex.split(line)
            assert words[0] == ".venv/bin/callwarden", line
            commands.append(words[1:])
    return commands


def test_quick_start(tmp_path: Path) -> None:
    """Every command succeeds; the first attempt is denied by the Texas list and hours."""
    env = {"CALLWARDEN_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    outputs = []
    for args in quick_start_commands():
        result = subprocess.run(
            [sys.executable, "-m", "callwarden", *args],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=180, check=False,
        )  # fmt: skip
        assert result.returncode == 0, (args, result.stderr)
        outputs.append((args, result.stdout))
    checked = next(out for args, out in outputs if args[0] == "check")
    decisions = {d["id"]: d for d in map(json.loads, checked.splitlines())}
    first = decisions["a1"]
    assert not first["allowed"]
    assert [r["code"] for r in first["reasons"]] == ["DNC_STATE", "OUTSIDE_CALLING_HOURS"]
    assert decisions["a3"]["next_allowed_at"] is not None
    assert decisions["a4"]["reasons"][0]["code"] == "INVALID_NUMBER"
    assert all(r["code"] != "DNC_DATA_STALE" for d in decisions.values() for r in d["reasons"])
