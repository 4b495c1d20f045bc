"""``callwarden rules list|show|validate`` end to end from a fresh home."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.interfaces.cli.main import app, main

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("CALLWARDEN_HOME", str(home))
    monkeypatch.delenv("CALLWARDEN_RULES_OVERRIDES", raising=False)
    monkeypatch.delenv("CALLWARDEN_RULES_DIR", raising=False)
    return home


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the real entry point in process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["callwarden", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


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


def test_list_shows_every_rule_with_its_citation() -> None:
    """The table names ids, jurisdictions, families, dates, citations and confidence."""
    result = runner.invoke(app, ["rules", "list"])
    assert result.exit_code == 0, result.output
    for text in ("US-FED-TCPA-CALLING-WINDOW", "US-TX-CALLING-WINDOW", "47 CFR 64.1200(c)(1)"):
        assert text in result.output
    assert "low" in result.output


def test_list_filters_as_json() -> None:
    """``--jurisdiction`` and ``--family`` narrow the listing; ``--json`` is machine-readable."""
    result = runner.invoke(app, ["rules", "list", "-j", "RI", "-f", "restricted_days", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [r["id"] for r in body["rules"]] == [
        "US-RI-HOLIDAY-BAN",
        "US-RI-INDEPENDENCE-DAY-BAN",
        "US-RI-SUNDAY-BAN",
    ]
    assert body["rule_set"].startswith(body["version"] + "+")


def test_show_texas_includes_federal_rules() -> None:
    """Every rule in force in Texas on the day, federal ones included, as JSON."""
    result = runner.invoke(app, ["rules", "show", "tx", "--on", "2026-04-15", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    ids = {r["id"] for r in body["rules"]}
    assert {"US-TX-CALLING-WINDOW", "US-TX-STATE-DNC", "US-FED-NATIONAL-DNC"} <= ids
    assert all(r["jurisdiction"] in {"US", "US-TX"} for r in body["rules"])
    assert body["state"] == "TX"
    assert "America/Chicago" in body["time_zones"]
    texas = next(r for r in body["rules"] if r["id"] == "US-TX-CALLING-WINDOW")
    assert texas["requires"] == "calls only Mon-Sat 09:00-21:00; Sun 12:00-21:00"


@pytest.mark.parametrize(
    ("state", "rule", "requires"),
    [
        (
            "NE",
            "US-NE-PRERECORDED-HOLIDAY-WINDOW",
            "on holidays of the US-NE calendar, calls only 13:00-21:00",
        ),
        (
            "UT",
            "US-UT-CALLING-WINDOW",
            "calls only Mon-Sat 08:00-21:00, unless the person gave prior express consent",
        ),
    ],
)
def test_show_says_what_holiday_hours_and_a_consent_change(
    state: str, rule: str, requires: str
) -> None:
    result = runner.invoke(app, ["rules", "show", state, "--json"])
    assert result.exit_code == 0, result.output
    found = next(r for r in json.loads(result.output)["rules"] if r["id"] == rule)
    assert found["requires"] == requires


def test_show_on_a_past_day_shows_the_version_then_in_force() -> None:
    """Connecticut before 2023-10-01 had its 09:00-21:00 window."""
    result = runner.invoke(app, ["rules", "show", "CT", "--on", "2023-04-01"])
    assert result.exit_code == 0, result.output
    assert "US-CT-CALLING-WINDOW " in result.output
    assert "US-CT-CALLING-WINDOW-V2" not in result.output
    assert "Connecticut" in result.output


def test_show_refuses_a_state_that_does_not_exist() -> None:
    """An unknown state is an input error, not an empty table."""
    result = runner.invoke(app, ["rules", "show", "XX"])
    assert result.exit_code != 0


def test_validate_shipped_data(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped data validates: exit 0 and a summary per family."""
    code, out, err = run_main(monkeypatch, capsys, "rules", "validate")
    assert code == 0, err
    assert ": valid" in out
    assert "calling_windows:" in out


def _acme_quiet_hours(tmp_path: Path) -> Path:
    """An override directory with a seller's stricter weekday window (10:00-18:00)."""
    overrides = tmp_path / "acme"
    overrides.mkdir()
    (overrides / "calling_windows.toml").write_text(
        '[[rule]]\nid = "ACME-QUIET-HOURS"\njurisdiction = "US"\neffective_from = 2026-01-01\n'
        'citation = "ACME telemarketing policy 4.2"\npurposes = ["telemarketing"]\n'
        'windows = [{ days = ["mon", "tue", "wed", "thu", "fri"], start = "10:00",'
        ' end = "18:00" }]\n',
        encoding="utf-8",
    )
    return overrides


def test_validate_an_override_that_adds_a_stricter_rule(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A seller's stricter window layered on the shipped data validates."""
    overrides = _acme_quiet_hours(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "rules", "validate", str(overrides))
    assert code == 0, err
    assert "+overrides" in out


def test_validate_refuses_a_weaker_replacement(fresh_home: Path, tmp_path: Path) -> None:
    """Reusing a shipped id (to loosen Texas' window) exits 2 naming file, rule and field."""
    overrides = tmp_path / "loose"
    overrides.mkdir()
    (overrides / "calling_windows.toml").write_text(
        '[[rule]]\nid = "US-TX-CALLING-WINDOW"\njurisdiction = "US-TX"\n'
        'effective_from = 2026-01-01\ncitation = "none"\n'
        'windows = [{ days = ["sun"], start = "07:00", end = "23:00" }]\n',
        encoding="utf-8",
    )
    result = run_cli(fresh_home, "rules", "validate", str(overrides))
    assert result.returncode == 2
    assert "INVALID_RULE_FILE" in result.stderr
    assert "rule: US-TX-CALLING-WINDOW" in result.stderr
    assert "field: id" in result.stderr
    assert f"file: {overrides / 'calling_windows.toml'}" in result.stderr


def test_validate_refuses_a_broken_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A window that ends before it starts exits 2 with the field named."""
    overrides = tmp_path / "broken"
    overrides.mkdir()
    (overrides / "calling_windows.toml").write_text(
        '[[rule]]\nid = "ACME-BROKEN"\njurisdiction = "US"\neffective_from = 2026-01-01\n'
        'citation = "ACME policy"\n'
        'windows = [{ days = ["mon"], start = "18:00", end = "09:00" }]\n',
        encoding="utf-8",
    )
    code, _out, err = run_main(monkeypatch, capsys, "rules", "validate", str(overrides))
    assert code == 2
    assert "field: windows.0.end" in err
    assert "rule: ACME-BROKEN" in err


def _cell(body: dict[str, object], at: str, kind: str, facts: str) -> dict[str, object]:
    decisions = body["decisions"]
    assert isinstance(decisions, list)
    [found] = [d for d in decisions if (d["at"], d["kind"], d["facts"]) == (at, kind, facts)]
    return found  # type: ignore[no-any-return]


def test_decisions_show_what_the_rules_answer_in_a_state(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Utah's grid: a Sunday ban that written consent lifts; the national list blocks."""
    code, out, err = run_main(
        monkeypatch, capsys, "rules", "decisions", "ut", "--week-of", "2026-04-17", "--json"
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["phone_e164"] == "+18012345678"
    assert len(body["decisions"]) == 9 * 4 * 3
    sunday = "2026-04-19T12:30:00-06:00"
    banned = _cell(body, sunday, "live call", "no facts")
    assert not banned["allowed"]
    assert [r["rule"] for r in banned["reasons"]] == ["US-UT-SUNDAY-BAN"]
    assert banned["next_allowed_at"] == "2026-04-20T08:00:00-06:00"
    assert _cell(body, sunday, "live call", "written consent")["allowed"]
    listed = _cell(body, "2026-04-15T12:00:00-06:00", "live call", "on lists")
    assert [r["code"] for r in listed["reasons"]] == ["DNC_NATIONAL"]
    thanksgiving = _cell(body, "2026-11-26T12:00:00-07:00", "live call", "no facts")
    assert [r["rule"] for r in thanksgiving["reasons"]] == ["US-UT-HOLIDAY-BAN"]


def test_decisions_include_a_sellers_overrides(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A stricter quiet-hours row of the seller's shows in the grid it prints."""
    overrides = _acme_quiet_hours(tmp_path)
    monkeypatch.setenv("CALLWARDEN_RULES_OVERRIDES", json.dumps([str(overrides)]))
    code, out, err = run_main(
        monkeypatch, capsys, "rules", "decisions", "TX", "--week-of", "2026-04-15"
    )
    assert code == 0, err
    evening = [line for line in out.splitlines() if line.startswith("Wed 2026-04-15 20:30")]
    assert evening
    assert all("ACME-QUIET-HOURS" in line for line in evening if "| debt collection |" not in line)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ZZ"], "not a two-letter code of a state"),
        (["US"], "decisions are per state"),
        (["UT", "--phone", "212-234-5678"], "is a number of NY, not of UT"),
        (["UT", "--phone", "12"], "phone '12': expected 10 digits"),
        (["UT", "--week-of", "2026-02-30"], "--week-of '2026-02-30' is not a date"),
    ],
)
def test_decisions_refuse_bad_input(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "rules", "decisions", *args)
    assert code == 2
    assert message in err
    assert out == ""
