"""The ledger commands end to end from a fresh home.

consent, history, reassigned, emergency and report abandonment. Most commands run in process
through typer's CliRunner (the error reaches the test as an exception); one runs as
``python -m callwarden`` to pin exit codes and the rejects file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callwarden.errors import ImportRejected, InvalidInput, NotFound, PayloadTooLarge
from callwarden.interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NUMBERING_CACHE = ROOT / ".callwarden" / "test-cache"


@pytest.fixture
def home(tmp_path: Path, plan: Any) -> Path:
    """A fresh CALLWARDEN_HOME sharing the numbering tables built for the session."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    return home


def cw(home: Path, *args: str) -> Any:
    """Run a command in process with the home set; return typer's result."""
    return CliRunner().invoke(app, list(args), env={"CALLWARDEN_HOME": str(home)})


def ok(home: Path, *args: str) -> str:
    result = cw(home, *args)
    assert result.exit_code == 0, (result.output, result.exception)
    return str(result.stdout)


def write_lines(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_consent_quick_start_revocation_reaches_the_gate(home: Path, tmp_path: Path) -> None:
    """Import the example consents, revoke one, and the gate answers CONSENT_REVOKED.

    The attempt is example a2: an autodialed telemarketing text to a wireless number, which
    needs prior express written consent (47 CFR 64.1200(a)(2)).
    """
    assert "stored 4 consent(s)" in ok(home, "consent", "import", str(EXAMPLES / "consents.jsonl"))
    shown = json.loads(ok(home, "consent", "show", "+1 541.234.5678", "--json"))
    (written,) = shown["consents"]
    assert (written["kind"], written["state"]) == ("written", "active")
    assert written["evidence"]["form_url"] == "https://acme.example/offers/signup"

    attempt = tmp_path / "a2.jsonl"
    attempt.write_text((EXAMPLES / "attempts.jsonl").read_text().splitlines()[1] + "\n")
    decisions = tmp_path / "decisions.jsonl"

    def codes() -> set[str]:
        ok(home, "check", "--input", str(attempt), "--output", str(decisions))
        return {r["code"] for r in json.loads(decisions.read_text())["reasons"]}

    assert not codes() & {"NO_CONSENT", "CONSENT_REVOKED"}
    out = ok(
        home, "consent", "revoke", "--phone", "(541) 234-5678", "--seller", "acme",
        "--at", "2026-03-01T10:00:00-08:00",
    )  # fmt: skip
    assert "revoked 1 consent(s) of +15412345678 to acme" in out
    assert "CONSENT_REVOKED" in codes()
    assert "revoked" in ok(home, "consent", "show", "5412345678")


def test_revoke_needs_a_consent_and_an_offset(home: Path) -> None:
    """Revoking what is not held is NOT_FOUND; a naive --at is refused."""
    ok(home, "consent", "import", str(EXAMPLES / "consents.jsonl"))
    missing = cw(home, "consent", "revoke", "--phone", "5412345678", "--seller", "globex")
    assert isinstance(missing.exception, NotFound)
    naive = cw(
        home, "consent", "revoke", "--phone", "5412345678", "--seller", "acme",
        "--at", "2026-03-01T10:00:00",
    )  # fmt: skip
    assert isinstance(naive.exception, InvalidInput)
    assert "--at must be an ISO 8601" in naive.exception.message


def test_consent_show_of_an_unknown_number(home: Path) -> None:
    """A number with no consent says so; an invalid one is refused without echo."""
    assert ok(home, "consent", "show", "212-555-1234") == "+12125551234: no consents\n"
    bad = cw(home, "consent", "show", "4111111111111111")
    assert isinstance(bad.exception, InvalidInput)
    assert "4111" not in bad.exception.message


def test_bad_consent_lines_are_rejected_and_good_ones_stored(home: Path, tmp_path: Path) -> None:
    """Each bad line lands in the rejects file with its number and reason, never its content."""
    good = json.loads((EXAMPLES / "consents.jsonl").read_text().splitlines()[0])
    source = tmp_path / "consents.jsonl"
    lines = [
        json.dumps(good),
        '{"phone": "2142345678", "seller": "acme", "kind": "written"',
        json.dumps({**good, "kind": "verbal"}),
        json.dumps({**good, "phone": "4111 1111 1111 1111"}),
        json.dumps({**good, "at": "2025-11-14T18:22:05"}),
        json.dumps({**good, "revoked_at": "2025-01-01T00:00:00Z"}),
        json.dumps({**good, "evidence": {"text_shown": "x" * 70_000}}),
        json.dumps({**good, "phone": "(214) 234-5678", "seller": "globex"}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cw(home, "consent", "import", str(source))
    assert isinstance(result.exception, ImportRejected)
    assert result.exception.details["stored"] == 2
    rejects = Path(str(source) + ".rejects.jsonl").read_text()
    assert "4111" not in rejects
    assert "xxxx" not in rejects
    reasons = {r["line"]: r["error"] for r in map(json.loads, rejects.splitlines())}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7]
    assert reasons[4] == "phone: expected 10 digits, got 16"
    assert "revoked_at is before at" in reasons[6]
    assert "over the limit of 65536" in reasons[7]
    assert "globex" in ok(home, "consent", "show", "2142345678")


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.jsonl", b"", "is empty"),
        ("blank.jsonl", b"\n\n", "has no records"),
        ("consents.xlsx", b"phone\n2142345678\n", "unknown file type .xlsx"),
        ("packed.jsonl", b"\x1f\x8b\x08\x00\x00", "gzip archive"),
        ("photo.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    ],
    ids=["empty", "blank", "spreadsheet", "gzip", "png"],
)
def test_unusable_consent_files_get_clear_errors(
    home: Path, tmp_path: Path, name: str, data: bytes, error: str
) -> None:
    """Empty, blank, compressed and binary files are refused before anything is stored."""
    path = tmp_path / name
    path.write_bytes(data)
    result = cw(home, "consent", "import", str(path))
    assert isinstance(result.exception, InvalidInput)
    assert error in result.exception.message


def test_directories_and_huge_files_are_refused(home: Path, tmp_path: Path) -> None:
    """A directory is not a file; a 200 MB file is over the 100 MiB default limit."""
    folder = tmp_path / "consents.jsonl"
    folder.mkdir()
    assert "not a regular file" in cw(home, "consent", "import", str(folder)).exception.message
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    result = cw(home, "consent", "import", str(huge))
    assert isinstance(result.exception, PayloadTooLarge)
    assert "--max-bytes" in result.exception.message


def test_history_import_jsonl_and_csv_then_report(home: Path, tmp_path: Path) -> None:
    """Call records from JSON lines and CSV feed the abandonment report, flagged over 3%."""
    assert "stored 13 call record(s)" in ok(
        home, "history", "import", str(EXAMPLES / "history.jsonl")
    )
    csv = tmp_path / "cdr.csv"
    csv.write_text(
        "phone,at,seller,campaign,purpose,channel,method,outcome,connect_delay_s,ring_s\n"
        "(214) 234-5690,2026-03-03T11:00:00-06:00,acme,spring,telemarketing,voice,predictive,"
        "conversation,1.5,8\n"
        "(214) 234-5691,2026-03-03T11:02:00-06:00,acme,spring,telemarketing,voice,predictive,"
        "no_answer,,30\n",
        encoding="utf-8",
    )
    assert "stored 2 call record(s)" in ok(home, "history", "import", str(csv))
    report = json.loads(
        ok(
            home, "report", "abandonment", "--campaign", "spring", "--since", "2026-03-02",
            "--until", "2026-03-03", "--tz", "America/Chicago", "--json",
        )
    )  # fmt: skip
    days = {d["day"]: d for d in report["days"]}
    assert (days["2026-03-02"]["answered"], days["2026-03-02"]["abandoned"]) == (4, 0)
    assert (days["2026-03-03"]["answered"], days["2026-03-03"]["abandoned"]) == (5, 2)
    assert days["2026-03-03"]["window_answered"] == 9
    assert days["2026-03-03"]["rolling_at_or_over"] is True
    assert report["rule"]["max_rate"] == 0.03
    table = ok(home, "report", "abandonment", "--since", "2026-03-02", "--until", "2026-03-03")
    assert "30-DAY" in table
    assert "collections" in table


def test_history_csv_needs_its_header(home: Path, tmp_path: Path) -> None:
    """A CSV without the header, or with an unknown column, is refused as a whole."""
    csv = tmp_path / "cdr.csv"
    csv.write_text(
        "2142345690,2026-03-03T11:00:00-06:00,acme,spring,telemarketing,voice,manual,busy,,\n"
    )
    result = cw(home, "history", "import", str(csv))
    assert "first line must be a header" in result.exception.message
    csv.write_text("phone,at,seller,campaign,purpose,channel,method,outcome,card_number\n")
    result = cw(home, "history", "import", str(csv))
    assert "unknown column(s) card_number" in result.exception.message


def test_bad_history_lines_store_the_rest(home: Path, tmp_path: Path) -> None:
    """Unknown outcomes, bad numbers and naive times are rejected; the rest is stored."""
    good = json.loads((EXAMPLES / "history.jsonl").read_text().splitlines()[0])
    source = write_lines(
        tmp_path / "cdr.jsonl",
        [
            good,
            {**good, "outcome": "hung_up"},
            {**good, "phone": "911-234-5678"},
            {**good, "at": "2026-03-02T10:02:11"},
            {**good, "connect_delay_s": "slow"},
        ],
    )
    result = cw(home, "history", "import", str(source))
    assert isinstance(result.exception, ImportRejected)
    assert (result.exception.details["stored"], result.exception.details["rejected"]) == (1, 4)


def test_reassigned_import_with_and_without_header(home: Path, tmp_path: Path) -> None:
    """Both forms are read; a bad date is rejected with its line number."""
    plain = tmp_path / "rnd.csv"
    plain.write_text("2142345678,2026-01-31\n5412345678,2026-02-01T09:00:00-08:00\n")
    assert "read 2 disconnection(s)" in ok(home, "reassigned", "import", str(plain))
    headed = tmp_path / "rnd2.csv"
    headed.write_text("phone,disconnected_at\n2125551234,2026-02-30\n2125551234,2026-02-03\n")
    result = cw(home, "reassigned", "import", str(headed))
    assert isinstance(result.exception, ImportRejected)
    (reject,) = map(json.loads, Path(str(headed) + ".rejects.jsonl").read_text().splitlines())
    assert reject["line"] == 2


def test_emergency_declare_and_list(home: Path) -> None:
    """A declaration is stored and listed; a naive time is refused naming --from."""
    out = ok(
        home, "emergency", "declare", "--state", "fl", "--zip", "32401", "--zip", "32402",
        "--from", "2026-09-01T00:00:00-04:00", "--until", "2026-09-15T00:00:00-04:00",
        "--citation", "Fla. Exec. Order 26-101",
    )  # fmt: skip
    assert out.startswith("declared: FL ZIP 32401, 32402")
    (listed,) = json.loads(ok(home, "emergency", "list", "--json"))["emergencies"]
    assert listed["zips"] == ["32401", "32402"]
    assert listed["starts_at"] == "2026-09-01T04:00:00+00:00"
    bad = cw(
        home, "emergency", "declare", "--state", "LA", "--from", "2026-09-01T00:00:00",
        "--until", "2026-09-15T00:00:00-05:00", "--citation", "Proclamation 115",
    )  # fmt: skip
    assert bad.exception.message == "--from: Input should have timezone info"


def test_exit_codes_as_a_subprocess(home: Path, tmp_path: Path) -> None:
    """``python -m callwarden consent import`` exits 2 with IMPORT_REJECTED on stderr."""
    source = tmp_path / "consents.jsonl"
    source.write_text(
        (EXAMPLES / "consents.jsonl").read_text() + '{"phone": "123", "seller": "acme"}\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "callwarden", "consent", "import", str(source)],
        capture_output=True,
        text=True,
        env={"CALLWARDEN_HOME": str(home), "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "IMPORT_REJECTED: 1 line(s) rejected, 4 stored" in result.stderr
    assert json.loads(Path(str(source) + ".rejects.jsonl").read_text())["line"] == 5
