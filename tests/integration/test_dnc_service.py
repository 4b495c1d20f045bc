"""The DNC service on SQLite and PostgreSQL: imports, changes, the import log, status, export."""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from callwarden.bootstrap import App
from callwarden.core.decision import Confidence
from callwarden.core.rules.model import DncListRule, RuleMeta, Scope
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Channel, ConsentKind, LineType, Method, Purpose
from callwarden.errors import ImportRejected, InvalidInput, NotFound
from callwarden.services.dnc import DncService
from callwarden.storage.db.dnc_imports import SqlDncImportLog, SqlListExemptions
from callwarden.storage.dnc_files import DncFileReader
from callwarden.testing import FixedClock

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SCOPE = Scope(
    purposes=frozenset({Purpose.TELEMARKETING}),
    channels=frozenset(Channel),
    methods=frozenset(Method),
    line_types=frozenset({LineType.WIRELESS, LineType.LANDLINE}),
)


def dnc_row(rule_id: str, list_name: str, max_age: int | None, citation: str) -> DncListRule:
    meta = RuleMeta(
        id=rule_id,
        jurisdiction="US" if list_name == "national" else f"US-{list_name[-2:]}",
        effective_from=date(2004, 1, 1),
        citation=citation,
        confidence=Confidence.HIGH,
    )
    return DncListRule(
        meta=meta,
        list_name=list_name,
        scope=SCOPE,
        max_age_days=max_age,
        exemptions=frozenset({ConsentKind.WRITTEN}),
    )


RULES = RuleSet(
    version="test",
    content_hash="0" * 64,
    dnc_lists=(
        dnc_row("T-NATIONAL", "national", 31, "16 CFR 310.4(b)(3)(iv)"),
        dnc_row("T-TX", "state:TX", 90, "Tex. Bus. & Com. Code 304.051"),
        dnc_row("T-FL", "state:FL", 30, "Fla. Stat. 501.059(3)"),
    ),
)


@pytest.fixture
def service(db_app: App) -> DncService:
    """The service over the app's store and database, with a test rule set and a fixed clock."""
    return DncService(
        lists=db_app.dnc,
        files=DncFileReader(),
        imports=SqlDncImportLog(db_app.session_factory),
        exemptions=SqlListExemptions(db_app.session_factory),
        rules=RULES,
        clock=FixedClock(NOW),
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_full_import_is_stored_and_logged(service: DncService, db_app: App, tmp_path: Path) -> None:
    """A clean file replaces the list; the log has its name, size, hash, counts and generation."""
    path = write(tmp_path / "national.txt", "2145550100\n214,5550101\n9725550102\n")
    result = service.import_list("national", path)
    assert (result.accepted, result.added, result.removed, result.rejected) == (3, 3, 0, 0)
    assert result.rejects_file is None
    assert not (tmp_path / "national.txt.rejects.csv").exists()
    again = service.import_list("national", write(path, "2145550100\n3125550100\n"))
    assert (again.added, again.removed, again.size, again.generation) == (1, 2, 2, 2)
    log = SqlDncImportLog(db_app.session_factory).recent("national")
    assert [(e.kind, e.accepted, e.added, e.removed, e.generation) for e in log] == [
        ("full", 2, 1, 2, 2),
        ("full", 3, 3, 0, 1),
    ]
    assert log[0].file_name == "national.txt"
    assert log[0].file_size == path.stat().st_size
    assert log[0].file_sha256 == again.file.sha256
    assert len(log[0].file_sha256) == 64
    assert log[0].at == NOW


def test_rejected_lines_keep_the_good_ones_and_fail_the_import(
    service: DncService, db_app: App, tmp_path: Path
) -> None:
    """Good lines are stored, then ImportRejected names the rejects file (line, reason)."""
    path = write(tmp_path / "tx.txt", "2145550100\n214555010\nabc\n9725550101\n")
    with pytest.raises(ImportRejected) as caught:
        service.import_list("state:tx", path)
    assert caught.value.details["accepted"] == 2
    assert caught.value.details["rejected"] == 2
    assert db_app.dnc.numbers("state:TX").tolist() == [2145550100, 9725550101]
    rows = list(csv.DictReader((tmp_path / "tx.txt.rejects.csv").open()))
    assert [(r["line"], r["reason"]) for r in rows] == [
        ("2", "9 digits; expected 10"),
        ("3", "letters in the number"),
    ]
    log = SqlDncImportLog(db_app.session_factory).recent("state:TX")
    assert (log[0].accepted, log[0].rejected) == (2, 2)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"not a number\n\x00\x01\n"])
def test_a_file_without_good_lines_changes_nothing(
    service: DncService, db_app: App, tmp_path: Path, content: bytes
) -> None:
    """Empty or wholly broken: the list keeps its numbers and no import is logged."""
    service.import_list("national", write(tmp_path / "ok.txt", "2145550100\n"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(InvalidInput, match="no valid numbers"):
        service.import_list("national", bad)
    assert db_app.dnc.numbers("national").tolist() == [2145550100]
    assert len(SqlDncImportLog(db_app.session_factory).recent("national")) == 1


def test_change_file_records_apply_in_file_order(
    service: DncService, db_app: App, tmp_path: Path
) -> None:
    """Added then deleted in one file ends deleted; deleted then added ends present."""
    service.import_list("national", write(tmp_path / "full.txt", "2145550100\n2145550101\n"))
    changes = write(
        tmp_path / "changes.txt",
        "9725550100,A,2026-03-09\n9725550100,D,2026-03-09\n"
        "2145550100,D,2026-03-09\n2145550100,A,2026-03-09\n"
        "214,5550101,DEL\n3125550100,add\n",
    )
    result = service.import_list("national", changes, changes=True)
    assert db_app.dnc.numbers("national").tolist() == [2145550100, 3125550100]
    assert (result.accepted, result.added, result.removed) == (6, 1, 1)
    assert db_app.dnc.lists()["national"].source["kind"] == "changes"


def test_separate_delete_file_and_zip(service: DncService, db_app: App, tmp_path: Path) -> None:
    """A deletions file without flags deletes; a zipped full list imports like plain text."""
    archive = tmp_path / "national.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("214.txt", "2145550100\n2145550101\n")
        z.writestr("972.txt", "9725550100\n")
    service.import_list("national", archive)
    deletes = write(tmp_path / "national-deletes.txt", "2145550101\n972,5550100\n")
    result = service.import_list("national", deletes, changes=True)
    assert result.removed == 2
    assert db_app.dnc.numbers("national").tolist() == [2145550100]


def test_manual_changes(service: DncService, db_app: App, tmp_path: Path) -> None:
    """Add and remove single numbers; an invalid number changes nothing; freshness is kept."""
    service.import_list(
        "national", write(tmp_path / "n.txt", "2145550100\n"), at=NOW - timedelta(days=3)
    )
    added = service.add("national", ["(972) 555-0100", "+1 312 555 0100"])
    assert (added.added, added.size) == (2, 3)
    assert db_app.dnc.lists()["national"].refreshed_at == (NOW - timedelta(days=3)).isoformat()
    with pytest.raises(InvalidInput) as caught:
        service.add("national", ["4155550100", "555-0100", "(114) 555-0100"])
    assert [b["index"] for b in caught.value.details["invalid"]] == [1, 2]
    assert db_app.dnc.lists()["national"].count == 3
    removed = service.remove("national", ["972-555-0100"])
    assert (removed.removed, removed.size) == (1, 2)
    with pytest.raises(NotFound):
        service.remove("state:TX", ["2145550100"])
    own = service.add("internal:acme", ["2145550199"])
    assert own.size == 1
    assert db_app.dnc.lists()["internal:acme"].refreshed_at == NOW.isoformat()
    kinds = [e.kind for e in SqlDncImportLog(db_app.session_factory).recent()]
    assert kinds == ["add", "remove", "add", "full"]


def test_status_names_missing_stale_and_exempted_lists(service: DncService, tmp_path: Path) -> None:
    """National 40 days old (max 31): stale. FL never imported: missing. TX made by hand only."""
    service.import_list(
        "national", write(tmp_path / "n.txt", "2145550100\n"), at=NOW - timedelta(days=40)
    )
    service.add("state:TX", ["2145550100"])
    service.exempt("acme", "state:FL", "acme makes no calls into Florida")
    report = service.status()
    problems = {p.list_name: p for p in report.problems}
    assert set(problems) == {"national", "state:FL", "state:TX"}
    assert problems["national"].problem == "stale"
    assert problems["national"].age_days == pytest.approx(40)
    assert problems["national"].citation == "16 CFR 310.4(b)(3)(iv)"
    assert problems["state:FL"].problem == "missing"
    assert problems["state:FL"].exempt_sellers == ("acme",)
    assert problems["state:TX"].problem == "never refreshed"
    lists = {s.name: s for s in report.lists}
    assert lists["national"].source_file == "n.txt"
    assert lists["state:TX"].refreshed_at is None
    body = report.to_dict()
    assert body["exemptions"] == [
        {"seller": "acme", "list": "state:FL", "reason": "acme makes no calls into Florida"}
    ]
    fresh = service.import_list("national", write(tmp_path / "n2.txt", "2145550100\n"))
    assert fresh.size == 1
    assert "national" not in {p.list_name for p in service.status().problems}


def test_exemptions_only_for_national_and_state_lists(service: DncService) -> None:
    """A seller cannot declare its own list or the litigator list inapplicable."""
    with pytest.raises(InvalidInput):
        service.exempt("acme", "internal:acme", "no")
    with pytest.raises(InvalidInput):
        service.exempt("acme", "state:TX", "   ")
    service.exempt("acme", "state:tx", "first reason")
    service.exempt("acme", "state:TX", "second reason")
    assert [e.reason for e in service.exemptions.all()] == ["second reason"]


def test_export_round_trips(service: DncService, tmp_path: Path) -> None:
    """Export writes what import read: 10 digits a line, ascending."""
    source = write(tmp_path / "in.txt", "9725550100\n214,5550101\n2145550100\n2145550100\n")
    service.import_list("state:TX", source)
    out = tmp_path / "out.txt"
    assert service.export("state:TX", out) == 3
    assert out.read_text() == "2145550100\n2145550101\n9725550100\n"
    with pytest.raises(NotFound):
        service.export("state:FL", tmp_path / "none.txt")
    again = service.import_list("state:FL", out)
    assert (again.size, again.rejected) == (3, 0)
    assert np.array_equal(service.lists.numbers("state:FL"), service.lists.numbers("state:TX"))
