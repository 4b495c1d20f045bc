"""Fixtures for the property tests: a gate over the frozen test rule set."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.storage.rule_files import load_rule_set

TESTDATA = Path(__file__).resolve().parents[1] / "rules" / "testdata"


@pytest.fixture(scope="session")
def gate(plan: NumberingPlan) -> Gate:
    """The gate with every default check, over the hand-written test rules."""
    return Gate(plan=plan, rules=load_rule_set(TESTDATA), checks=default_checks())
