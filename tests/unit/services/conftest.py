"""Fixtures shared by the service tests: the test rule set and a gate with every check."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.rules.ruleset import RuleSet
from callwarden.storage.rule_files import load_rule_set

TESTDATA = Path(__file__).resolve().parents[2] / "rules" / "testdata"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    """The rule set of ``tests/rules/testdata``."""
    return load_rule_set(TESTDATA)


@pytest.fixture(scope="module")
def gate(plan: NumberingPlan, rules: RuleSet) -> Gate:
    """A gate with every default check over the test rule set."""
    return Gate(plan=plan, rules=rules, checks=default_checks())
