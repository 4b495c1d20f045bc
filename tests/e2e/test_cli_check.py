"""``callwarden check`` end to end from a fresh home, as the README shows it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"CALLWARDEN_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "callwarden", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_check_from_stdin(tmp_path: Path) -> None:
    """A valid attempt is decided; a bad line goes to the rejects file and the exit is non-zero."""
    lines = [
        {
            "id": "ok",
            "phone": "(214) 234-5678",
            "at": "2026-03-03T20:30:00-06:00",
            "purpose": "debt_collection",
        },
        {
            "id": "late",
            "phone": "+1 541 234 5678",
            "at": "2026-03-03T21:30:00-08:00",
            "purpose": "debt_collection",
        },
        {"id": "naive", "phone": "2142345678", "at": "2026-03-03T10:30:00"},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n{broken\n"
    rejects = tmp_path / "rejects.jsonl"
    result = run_cli(
        tmp_path / "h",
        "check",
        "--input",
        "-",
        "--output",
        "-",
        "--rejects",
        str(rejects),
        stdin=stdin,
    )
    assert result.returncode == 2, result.stderr
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [d["id"] for d in out] == ["ok", "late"]
    assert out[0]["allowed"] is True
    assert out[1]["allowed"] is False
    assert out[1]["next_allowed_at"] == "2026-03-04T08:00:00-08:00"
    bad = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert [b["line"] for b in bad] == [3, 4]
    assert "IMPORT_REJECTED" in result.stderr


def test_usage_errors_are_one_message_not_a_traceback(tmp_path: Path) -> None:
    """A wrong option value exits 2 with click's usage message and no Python traceback."""
    result = run_cli(tmp_path / "h", "check", "--input")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Error" in result.stderr
    missing = run_cli(tmp_path / "h", "check", "--input", str(tmp_path / "absent.jsonl"))
    assert missing.returncode == 2
    assert "input file not found" in missing.stderr
    assert "Traceback" not in missing.stderr
