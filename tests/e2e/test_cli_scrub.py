"""``callwarden scrub`` end to end from a fresh home.

The first tests run ``python -m callwarden`` (exit codes, files on disk); the bad-input tests
run in process through typer's CliRunner, where the error reaches the test as an exception.

A scrubbed lead list gets the same answers as ``callwarden check`` gives for the same attempts;
bad files get clear errors and never leave a half-written output under the real name.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.errors import ConfigurationError, InvalidInput
from callwarden.interfaces.cli import scrub as scrub_cli
from callwarden.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
NUMBERING_CACHE = ROOT / ".callwarden" / "test-cache"
AT = "2026-03-03T20:30:00-06:00"  # 20:30 in Dallas, 21:30 in New York, 18:30 in Oregon
LEADS = [
    ("L1", "Ann", "(214) 234-5678"),
    ("L2", "Bob", "+1 541.234.5678"),
    ("L3", "Cy", "1-212-555-0142"),
    ("L4", "Di", "911-234-5678"),
    ("L5", "Ed", "9" * 60),
    ("L6", "Flo", "(305) 234-5678"),
    ("L7", "Gus", "2142345679"),
    ("L8", "Hal", ""),
]
ON_NATIONAL_LIST = "2142345679"


@pytest.fixture
def home(tmp_path: Path, plan: Any) -> Path:
    """A fresh CALLWARDEN_HOME sharing the numbering tables built for the session."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    return home


def cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "callwarden", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={"CALLWARDEN_HOME": str(home), "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def write_leads(path: Path) -> Path:
    lines = ["lead_id,first_name,Phone"] + [",".join(row) for row in LEADS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_scrub_answers_as_check_does(home: Path, tmp_path: Path) -> None:
    """Every lead gets check's allowed and codes; columns and row order are kept."""
    national = tmp_path / "national.txt"
    national.write_text(ON_NATIONAL_LIST + "\n", encoding="utf-8")
    imported = in_process(home, "dnc", "import", "--list", "national", str(national))
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "out.parquet"
    result = cli(
        home, "scrub", "--input", str(write_leads(tmp_path / "leads.csv")),
        "--output", str(out), "--at", AT, "--seller", "acme", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == len(LEADS)
    assert summary["phone_column"] == "Phone"
    table = pq.read_table(out)
    assert table.column_names == [
        "lead_id",
        "first_name",
        "Phone",
        "phone_e164",
        "allowed",
        "reasons",
    ]
    assert table.column("lead_id").to_pylist() == [row[0] for row in LEADS]
    assert table.schema.field("reasons").type == pa.list_(pa.string())
    attempts = [
        json.dumps({"id": lead, "phone": phone, "at": AT, "seller": "acme"})
        for lead, _, phone in LEADS
        if phone and len(phone) <= 40
    ]
    checked = in_process(home, "check", "--input", "-", "--output", "-", stdin="\n".join(attempts))
    decisions = {d["id"]: d for d in map(json.loads, checked.stdout.splitlines())}
    assert len(decisions) == len(attempts)
    rows = {r["lead_id"]: r for r in table.to_pylist()}
    for lead, decision in decisions.items():
        assert rows[lead]["allowed"] == decision["allowed"], lead
        assert set(rows[lead]["reasons"]) == {r["code"] for r in decision["reasons"]}, lead
        assert rows[lead]["phone_e164"] == decision["phone_e164"], lead
    assert "DNC_NATIONAL" in rows["L7"]["reasons"]
    assert rows["L5"]["reasons"] == rows["L8"]["reasons"] == ["INVALID_NUMBER"]
    assert not (tmp_path / "out.parquet.partial").exists()


def test_parquet_with_integer_phones_to_csv(home: Path, tmp_path: Path) -> None:
    """An int64 phone column is used as is; CSV output joins the codes with ';'."""
    source = tmp_path / "leads.parquet"
    pq.write_table(
        pa.table(
            {
                "id": [1, 2, 3, 4],
                "number": pa.array([2142345678, 12142345678, 9112345678, None], pa.int64()),
                "score": [0.5, 0.25, 1.0, None],
            }
        ),
        source,
    )
    out = tmp_path / "scrubbed.csv"
    result = CliRunner().invoke(
        app, ["scrub", "-i", str(source), "-o", str(out), "--at", AT],
        env={"CALLWARDEN_HOME": str(home)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "scrubbed 4 rows" in result.stderr
    text = dict.fromkeys(["phone_e164", "reasons"], pa.string())
    convert = pacsv.ConvertOptions(column_types=text, strings_can_be_null=True)
    rows = pacsv.read_csv(out, convert_options=convert).to_pylist()
    assert [r["phone_e164"] for r in rows] == ["+12142345678", "+12142345678", None, None]
    assert rows[2]["reasons"] == rows[3]["reasons"] == "INVALID_NUMBER"
    assert [r["score"] for r in rows] == [0.5, 0.25, 1.0, None]


def test_an_empty_file_is_refused(home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "leads.csv"
    empty.write_bytes(b"")
    out = tmp_path / "out.parquet"
    error = failure(home, "scrub", "-i", str(empty), "-o", str(out))
    assert isinstance(error, InvalidInput)
    assert "input file is empty" in error.message
    assert not out.exists()
    assert not out.with_name("out.parquet.partial").exists()


def test_a_csv_without_a_phone_column_names_its_columns(home: Path, tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text("id,name,zip\n1,Ann,75201\n", encoding="utf-8")
    error = failure(home, "scrub", "-i", str(leads), "-o", str(tmp_path / "out.parquet"))
    assert isinstance(error, InvalidInput)
    assert "no phone column found" in error.message
    assert "'id', 'name', 'zip'" in error.message
    named = failure(
        home, "scrub", "-i", str(leads), "-o", str(tmp_path / "o.parquet"), "--phone-column", "fax"
    )
    assert "no column 'fax'" in str(named)


def test_a_corrupt_parquet_file_is_refused(home: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"phone": ["2142345678"] * 100}), good)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    error = failure(home, "scrub", "-i", str(broken), "-o", str(tmp_path / "out.parquet"))
    assert isinstance(error, InvalidInput)
    assert "not a readable Parquet file" in error.message


def test_text_that_is_not_utf8_is_refused_and_nothing_is_left(home: Path, tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_bytes("id,phone,name\n1,(214) 234-5678,Zoë\n".encode("latin-1"))
    out = tmp_path / "out.parquet"
    error = failure(home, "scrub", "-i", str(leads), "-o", str(out))
    assert isinstance(error, InvalidInput)
    assert "UTF8" in error.message or "UTF-8" in error.message
    assert "nothing was written" in error.message
    assert not out.exists()
    assert not out.with_name("out.parquet.partial").exists()


def test_a_naive_instant_is_refused(home: Path, tmp_path: Path) -> None:
    leads = write_leads(tmp_path / "leads.csv")
    args = [
        "scrub",
        "-i",
        str(leads),
        "-o",
        str(tmp_path / "o.parquet"),
        "--at",
        "2026-03-03T10:00",
    ]
    error = failure(home, *args)
    assert isinstance(error, InvalidInput)
    assert "UTC offset" in error.message


def test_ray_is_asked_for_clearly_when_it_is_not_installed(home: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("ray") is not None:
        pytest.skip("ray is installed: the missing-extra message cannot be shown")
    leads = write_leads(tmp_path / "leads.csv")
    error = failure(home, "scrub", "-i", str(leads), "-o", str(tmp_path / "o.parquet"), "--ray")
    assert isinstance(error, ConfigurationError)
    assert error.exit_code == 78
    assert "callwarden[ray]" in error.message


def in_process(home: Path, *args: str, stdin: str | None = None) -> Any:
    """Run a command in process with the home set; return typer's result."""
    return CliRunner().invoke(app, list(args), input=stdin, env={"CALLWARDEN_HOME": str(home)})


def failure(home: Path, *args: str) -> BaseException:
    """Run a command in process; return the error it ended with."""
    result = CliRunner().invoke(app, list(args), env={"CALLWARDEN_HOME": str(home)})
    assert result.exception is not None, result.output
    return result.exception


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, rows done (of the total, for Parquet) are shown while scrubbing."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with scrub_cli._progress() as progress:
        assert progress is not None
        progress(500, 1_000)
        progress(1_000, 1_000)
    assert "1000/1000" in terminal.getvalue().replace(" ", "")
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with scrub_cli._progress() as quiet:
        assert quiet is None
