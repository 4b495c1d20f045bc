"""The golden decision tables match what the gate decides with the shipped rule data.

A failure means an answer changed somewhere (the rule data, the gate or the numbering plan):
run ``make snapshot`` and review the diff of ``tests/rules/decisions/``.
"""

from __future__ import annotations

import difflib

import pytest
from tests.rules.decision_table import DECISIONS, tables

from callwarden.core.gate.numbering import US_STATES, NumberingPlan
from callwarden.core.rules.ruleset import RuleSet
from callwarden.services.decision_grid import AREA_CODES

NAMES = sorted(f"US-{s}.txt" for s in US_STATES)


@pytest.fixture(scope="module")
def computed(plan: NumberingPlan, shipped_rules: RuleSet) -> dict[str, str]:
    return tables(plan, shipped_rules)


def test_one_table_per_state_and_dc(computed: dict[str, str]) -> None:
    assert sorted(computed) == NAMES
    assert sorted(p.name for p in DECISIONS.glob("*.txt")) == NAMES
    assert set(AREA_CODES) == US_STATES


@pytest.mark.parametrize("name", NAMES)
def test_decision_table_is_current(computed: dict[str, str], name: str) -> None:
    """The stored table equals the computed one (``make snapshot`` writes it; review the diff)."""
    stored = (DECISIONS / name).read_text(encoding="utf-8")
    if stored != computed[name]:
        diff = difflib.unified_diff(
            stored.splitlines(), computed[name].splitlines(), "stored", "computed", lineterm=""
        )
        pytest.fail(f"{name} changed (make snapshot, then review):\n" + "\n".join(diff))


def _line(computed: dict[str, str], state: str, start: str) -> str:
    [found] = [line for line in computed[f"US-{state}.txt"].splitlines() if line.startswith(start)]
    return found.split(" | ")[-1]


def test_tables_read_as_the_law(computed: dict[str, str]) -> None:
    """A few answers a compliance officer knows by heart."""
    # Texas opens at noon on Sundays (Tex. Bus. & Com. Code 301.051).
    sunday = _line(computed, "TX", "Sun 2026-04-19 10:00 | live call | no facts")
    assert "US-TX-CALLING-WINDOW" in sunday
    assert sunday.endswith("next Sun 2026-04-19 12:00")
    assert _line(computed, "TX", "Sun 2026-04-19 12:30 | live call | no facts") == "allow"
    # Debt collectors keep Regulation F's 08:00-21:00 there.
    assert _line(computed, "TX", "Sun 2026-04-19 10:00 | debt collection | no facts") == "allow"
    # Utah bans Sundays without consent, and its consent lifts the ban.
    assert "RESTRICTED_DAY US-UT-SUNDAY-BAN" in _line(
        computed, "UT", "Sun 2026-04-19 12:30 | live call | no facts"
    )
    assert _line(computed, "UT", "Sun 2026-04-19 12:30 | live call | written consent") == "allow"
    # The national list blocks telemarketing without consent, not debt collection.
    assert "DNC_NATIONAL" in _line(computed, "NY", "Wed 2026-04-15 12:00 | live call | on lists")
    assert _line(computed, "NY", "Wed 2026-04-15 12:00 | debt collection | on lists") == "allow"
