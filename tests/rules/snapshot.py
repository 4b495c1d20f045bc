"""Regenerate the golden rule-effect snapshots: ``make snapshot``.

``python -m tests.rules.snapshot`` does the same.

Writes ``tests/rules/snapshots/<jurisdiction>.json`` for the federal rules alone (``US``) and
for every state and DC with the federal rules, from the shipped rule data, and removes
snapshots of jurisdictions that no longer exist. Review the diff: it is what a change of the
rule data does to calling windows, restricted dates, caps, lists and consent needs. Then the
golden decision tables, ``tests/rules/decisions/US-XX.txt`` (``decision_table.py``): what the
gate answers for a fixed grid of attempts in every state.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import NUMBERING_CACHE
from tests.rules.decision_table import DECISIONS, tables

from callwarden.services.rule_effects import snapshot_files
from callwarden.storage.numbering_cache import load_plan
from callwarden.storage.rule_files import load_rule_set

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def main() -> int:
    """Write every snapshot that changed; report how many."""
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    files = snapshot_files(load_rule_set())
    changed = 0
    for stale in sorted({p.name for p in SNAPSHOTS.glob("*.json")} - set(files)):
        (SNAPSHOTS / stale).unlink()
        changed += 1
    for name, text in files.items():
        path = SNAPSHOTS / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
    sys.stdout.write(f"{len(files)} snapshots, {changed} written or removed, in {SNAPSHOTS}\n")
    return write_decision_tables()


def write_decision_tables() -> int:
    """Write every decision table that changed (``tests/rules/decision_table.py``)."""
    DECISIONS.mkdir(parents=True, exist_ok=True)
    files = tables(load_plan(NUMBERING_CACHE), load_rule_set())
    changed = 0
    for stale in sorted({p.name for p in DECISIONS.glob("*.txt")} - set(files)):
        (DECISIONS / stale).unlink()
        changed += 1
    for name, text in files.items():
        path = DECISIONS / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
    sys.stdout.write(
        f"{len(files)} decision tables, {changed} written or removed, in {DECISIONS}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
