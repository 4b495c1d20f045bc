"""``callwarden dnc ...`` end to end from a fresh home, with the example lists."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NUMBERING_CACHE = ROOT / ".callwarden" / "test-cache"


def fresh_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    NUMBERING_CACHE.mkdir(parents=True, exist_ok=True)
    (home / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    return home


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"CALLWARDEN_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "callwarden", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_a_bad_file_stores_good_lines_and_exits_non_zero(tmp_path: Path) -> None:
    """Exit 2, IMPORT_REJECTED on stderr, a rejects file naming lines; good lines stored."""
    home = fresh_home(tmp_path)
    bad = tmp_path / "litigators.txt"
    bad.write_text("2145550100\n214-555\n(972) 555-0100\n9725550101\n")
    done = run_cli(home, "dnc", "import", "--list", "litigator", str(bad))
    assert done.returncode == 2
    assert "IMPORT_REJECTED" in done.stderr
    assert "2 accepted" in done.stdout
    rejects = (tmp_path / "litigators.txt.rejects.csv").read_text().splitlines()
    assert rejects[0] == "line,reason,text,member"
    assert [line.split(",")[0] for line in rejects[1:]] == ["2", "3"]
    stored = (home / "dnc" / "manifest.json").read_text()
    assert json.loads(stored)["lists"]["litigator"]["count"] == 2


@pytest.fixture
def runner_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = fresh_home(tmp_path)
    monkeypatch.setenv("CALLWARDEN_HOME", str(home))
    return home


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_example_lists_make_the_first_check_show_dnc_hits(
    runner_home: Path, tmp_path: Path
) -> None:
    """Import the examples as the README does; the check then names the lists it hit."""
    lists = tmp_path / "lists"
    shutil.copytree(EXAMPLES / "dnc", lists)
    for args in (
        ["--list", "national", str(lists / "national-sample.txt")],
        ["--list", "national", "--changes", str(lists / "national-changes.txt")],
        ["--list", "state:TX", str(lists / "tx-state.csv")],
        ["--list", "state:FL", str(lists / "fl-state.txt")],
    ):
        code, out = invoke("dnc", "import", *args)
        assert code == 0, out
        assert "0 rejected" in out
    code, out = invoke("check", "--input", str(EXAMPLES / "attempts.jsonl"), "--output", "-")
    decisions = {d["id"]: d for d in map(json.loads, out.splitlines())}
    assert "DNC_NATIONAL" in [r["code"] for r in decisions["a5"]["reasons"]]
    assert "DNC_STATE" in [r["code"] for r in decisions["a1"]["reasons"]]
    status = json.loads(invoke("dnc", "status", "--json")[1])
    sizes = {item["list"]: item["numbers"] for item in status["lists"]}
    assert sizes == {"national": 25, "state:FL": 5, "state:TX": 8}
    missing = {item["list"] for item in status["missing_or_stale"]}
    assert not missing & {"national", "state:TX", "state:FL"}


def test_add_remove_export_and_exempt(runner_home: Path, tmp_path: Path) -> None:
    """Single numbers in any notation, export in the flat format, a seller exemption."""
    code, out = invoke("dnc", "add", "--list", "internal:acme", "(214) 555-0100", "972.555.0101")
    assert code == 0, out
    assert "2 added" in out
    code, out = invoke("dnc", "remove", "--list", "internal:acme", "+1 972 555 0101")
    assert (code, "1 removed" in out) == (0, True)
    target = tmp_path / "acme.txt"
    code, out = invoke("dnc", "export", "--list", "internal:acme", str(target))
    assert code == 0, out
    assert target.read_text() == "2145550100\n"
    code, out = invoke(
        "dnc", "exempt", "--seller", "acme", "--list", "state:wy", "--reason", "no calls into WY"
    )
    assert code == 0, out
    code, out = invoke("dnc", "status")
    assert code == 0, out
    assert "internal:acme" in out
    assert "missing or stale required lists" in out
    assert "not applied for: acme" in out
    assert "exemption: state:WY does not apply to acme: no calls into WY" in out


def test_bad_arguments_are_refused(runner_home: Path) -> None:
    """An unknown list or an invalid number changes nothing and says why."""
    code, _ = invoke("dnc", "add", "--list", "statewide", "2145550100")
    assert code != 0
    code, _ = invoke("dnc", "add", "--list", "national", "555-0100")
    assert code != 0
    assert json.loads(invoke("dnc", "status", "--json")[1])["lists"] == []
