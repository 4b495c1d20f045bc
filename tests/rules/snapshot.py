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
    """Write every snapshot and decision table that changed; report how many."""
    rules = load_rule_set()
    _write(SNAPSHOTS, "*.json", snapshot_files(rules), "snapshots")
    _write(DECISIONS, "*.txt", tables(load_plan(NUMBERING_CACHE), rules), "decision tables")
    return 0


def _write(directory: Path, pattern: str, files: dict[str, str], what: str) -> None:
    """Make ``directory`` hold exactly ``files`` (name -> text), touching only what changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = 0
    for stale in sorted({p.name for p in directory.glob(pattern)} - set(files)):
        (directory / stale).unlink()
        changed += 1
    for name, text in files.items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
    sys.stdout.write(f"{len(files)} {what}, {changed} written or removed, in {directory}\n")


if __name__ == "__main__":
    raise SystemExit(main())
