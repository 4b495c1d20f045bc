"""The golden snapshots of rule effects match what the shipped rule data computes.

A failure means the rule data (or how it is evaluated) changed what is allowed somewhere:
run ``make snapshot`` and review the diff of ``tests/rules/snapshots/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callwarden.services.rule_effects import snapshot_files
from callwarden.storage.rule_files import load_rule_set

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
EXPECTED = snapshot_files(load_rule_set())


def test_one_snapshot_per_jurisdiction() -> None:
    """Every jurisdiction has a snapshot and no snapshot is left over."""
    assert sorted(p.name for p in SNAPSHOTS.glob("*.json")) == sorted(EXPECTED)
    assert "US.json" in EXPECTED
    assert len(EXPECTED) == 52  # federal, fifty states and DC


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_snapshot_is_current(name: str) -> None:
    """The stored snapshot equals the computed one (run ``make snapshot`` to update)."""
    stored = (SNAPSHOTS / name).read_text(encoding="utf-8")
    assert json.loads(stored) == json.loads(EXPECTED[name]), f"{name} is stale: make snapshot"


def test_texas_snapshot_reads_as_the_law() -> None:
    """Texas: 09:00-21:00, noon on Sundays; debt collection keeps Regulation F's 08:00-21:00."""
    snap = json.loads(EXPECTED["US-TX.json"])
    telemarketing = snap["profiles"]["telemarketing"]["calling_windows"]
    assert telemarketing["wed"] == "09:00-21:00"
    assert telemarketing["sun"] == "12:00-21:00"
    assert snap["profiles"]["debt_collection"]["calling_windows"]["sun"] == "08:00-21:00"
    assert [d["list"] for d in snap["dnc_lists"]] == [
        "internal",
        "national",
        "litigator",
        "state:TX",
    ]


def test_rhode_island_restricted_dates_come_from_its_calendar() -> None:
    """Rhode Island bans Sundays and its holidays, Victory Day included."""
    snap = json.loads(EXPECTED["US-RI.json"])["profiles"]["telemarketing"]
    assert snap["banned_weekdays"] == {"sun": ["US-RI-SUNDAY-BAN"]}
    assert "2026-08-10 Victory Day: US-RI-HOLIDAY-BAN" in snap["restricted_dates"]
    assert snap["calling_windows"]["sat"] == "10:00-17:00"
