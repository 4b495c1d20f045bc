"""``callwarden apikey create|list|revoke``: the key is shown once; only its hash is kept."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from callwarden.interfaces.cli.main import main


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run the real entry point in process; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["callwarden", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CALLWARDEN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CALLWARDEN_DATABASE_URL", raising=False)
    return tmp_path / "home"


def test_create_prints_the_key_once_and_stores_its_hash(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stdout is the key alone; the database holds its SHA-256 and never the key."""
    code, out, err = run(
        ["apikey", "create", "--name", "dialer1", "--role", "dialer"], monkeypatch, capsys
    )
    assert code == 0
    key = out.strip()
    assert out == key + "\n"
    assert key.startswith("cw_")
    assert "not shown again" in err
    assert key not in err
    with sqlite3.connect(home / "callwarden.db") as db:
        rows = db.execute("SELECT name, role, key_hash FROM api_keys").fetchall()
    assert rows == [("dialer1", "dialer", hashlib.sha256(key.encode()).hexdigest())]
    assert key.encode() not in (home / "callwarden.db").read_bytes()


def test_list_shows_names_and_roles_never_secrets(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table and the JSON list name, role, prefix and dates only."""
    assert run(["apikey", "list"], monkeypatch, capsys)[1].startswith("no API keys")
    _, key, _ = run(["apikey", "create", "--name", "ops", "--role", "ADMIN"], monkeypatch, capsys)
    run(["apikey", "create", "--name", "bi", "--role", "readonly"], monkeypatch, capsys)
    code, table, _ = run(["apikey", "list"], monkeypatch, capsys)
    assert code == 0
    assert table.splitlines()[0].split() == ["NAME", "ROLE", "PREFIX", "CREATED", "REVOKED"]
    assert [line.split()[:2] for line in table.splitlines()[1:]] == [
        ["bi", "readonly"],
        ["ops", "admin"],
    ]
    code, listed, _ = run(["apikey", "list", "--json"], monkeypatch, capsys)
    keys = json.loads(listed)
    assert [k["name"] for k in keys] == ["bi", "ops"]
    assert all(set(k) == {"name", "role", "prefix", "created_at", "revoked_at"} for k in keys)
    digest = hashlib.sha256(key.strip().encode()).hexdigest()
    for secret in (key.strip(), digest):
        assert secret not in table
        assert secret not in listed


def test_revoke_marks_the_key_and_errors_have_their_exit_codes(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Revoke sets revoked_at; an unknown name exits 3, a duplicate 4, a bad name 2."""
    run(["apikey", "create", "--name", "dialer1", "--role", "dialer"], monkeypatch, capsys)
    code, out, _ = run(["apikey", "revoke", "dialer1"], monkeypatch, capsys)
    assert code == 0
    assert out.startswith("revoked API key 'dialer1' at ")
    listed = json.loads(run(["apikey", "list", "--json"], monkeypatch, capsys)[1])
    assert listed[0]["revoked_at"] is not None

    code, _, err = run(["apikey", "revoke", "nobody"], monkeypatch, capsys)
    assert (code, err.splitlines()[0]) == (3, "NOT_FOUND: no API key named 'nobody'")
    code, _, err = run(
        ["apikey", "create", "--name", "dialer1", "--role", "admin"], monkeypatch, capsys
    )
    assert code == 4
    assert err.startswith("CONFLICT:")
    code, _, err = run(
        ["apikey", "create", "--name", "has space", "--role", "admin"], monkeypatch, capsys
    )
    assert code == 2
    assert err.startswith("INVALID_INPUT:")
