"""Fixtures for the gate's check tests: the frozen test rule set and context builders.

Engine tests read ``tests/rules/testdata`` (a tiny hand-written rule set), never the shipped
rule data, so a change in the law's data changes data tests and not these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from callwarden.core.decision import Decision
from callwarden.core.gate import jurisdiction
from callwarden.core.gate.check import Check
from callwarden.core.gate.context import CheckContext, Facts, SellerPolicy
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan, normalize
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt
from callwarden.storage.rule_files import load_rule_set

TESTDATA = Path(__file__).resolve().parents[3] / "rules" / "testdata"


@pytest.fixture(scope="session")
def frozen_rules() -> RuleSet:
    """The hand-written test rule set."""
    return load_rule_set(TESTDATA)


def make_attempt(phone: str, at: str, **kw: Any) -> Attempt:
    """An attempt from ISO text; seller "acme" and campaign "spring" unless given."""
    kw.setdefault("seller", "acme")
    kw.setdefault("campaign", "spring")
    return Attempt(id="a1", phone=phone, at=datetime.fromisoformat(at), **kw)


@pytest.fixture
def judge(plan: NumberingPlan, frozen_rules: RuleSet) -> Callable[..., Decision]:
    """Decide one attempt with only the given checks (and the frozen rules)."""

    def run(
        checks: list[Check],
        phone: str,
        at: str,
        facts: Facts | None = None,
        policy: SellerPolicy | None = None,
        **kw: Any,
    ) -> Decision:
        gate = Gate(plan=plan, rules=frozen_rules, checks=checks)
        return gate.decide(make_attempt(phone, at, **kw), facts or Facts(), policy)

    return run


@pytest.fixture
def context(plan: NumberingPlan, frozen_rules: RuleSet) -> Callable[..., CheckContext]:
    """Build the CheckContext the gate would build for one attempt."""

    def build(phone: str, at: str, facts: Facts | None = None, **kw: Any) -> CheckContext:
        attempt = make_attempt(phone, at, **kw)
        number = normalize(phone)
        return CheckContext(
            attempt=attempt,
            national=number,
            candidates=jurisdiction.candidates(number, attempt.address, plan, frozen_rules),
            rules=frozen_rules,
            facts=facts or Facts(),
            policy=SellerPolicy(),
        )

    return build
