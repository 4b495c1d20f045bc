"""Golden decision tables: what the gate answers, state by state, for a fixed grid of attempts.

The grid is ``services.decision_grid`` (``callwarden rules decisions``) for the week of
2026-04-15, with the shipped rule data: per state and DC, one number at nine local instants,
for four kinds of attempt and three sets of facts, every list fresh. Each line is one
decision: allowed, or the reasons (code and rule), and ``next_allowed_at`` on the local clock.

``tests/rules/decisions/US-XX.txt`` holds the tables; ``test_decision_tables.py`` recomputes
them, so a change of the rule data or of the gate that changes an answer fails until the
tables are written again (``make snapshot``) and the diff reviewed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import US_STATES, NumberingPlan
from callwarden.core.rules.ruleset import RuleSet
from callwarden.services.decision_grid import grid

DECISIONS = Path(__file__).resolve().parent / "decisions"
WEEK_OF = date(2026, 4, 15)


def tables(plan: NumberingPlan, rules: RuleSet) -> dict[str, str]:
    """File name (``US-TX.txt``) -> table, for every state and DC."""
    gate = Gate(plan=plan, rules=rules, checks=default_checks())
    return {f"US-{s}.txt": grid(gate, s, week_of=WEEK_OF).text() for s in sorted(US_STATES)}
