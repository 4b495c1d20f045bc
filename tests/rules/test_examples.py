"""Every ``examples`` row of the shipped rule data holds through the real gate.

Each example is an attempt plus the facts around it (lists, consents, history, campaign
statistics, declared emergencies). It is decided by ``Gate(plan, rules, default_checks())``:
an ``allow`` example must be allowed, and a ``deny`` example must be denied with the row's
rule (or the rule its ``denied_by`` names) among the reasons.
"""

from __future__ import annotations

from datetime import date

import pytest

from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.core.rules.ruleset import RuleSet
from callwarden.storage.rule_files import ExampleIn, load_examples

EXAMPLES = load_examples()


def _example_id(pair: tuple[str, ExampleIn]) -> str:
    rule_id, example = pair
    extra = f"-{example.purpose.value}" if example.purpose.value != "telemarketing" else ""
    return f"{rule_id}-{example.at:%Y%m%dT%H%M}-{example.expect}{extra}"


@pytest.fixture(scope="module")
def gate(plan: NumberingPlan, shipped_rules: RuleSet) -> Gate:
    """The gate with every default check over the shipped rules."""
    return Gate(plan=plan, rules=shipped_rules, checks=default_checks())


def test_every_family_has_examples() -> None:
    """The shipped data carries examples, with denials and allowances, for every rule."""
    from callwarden.storage.rule_files import default_rule_dir, load_rows

    rows = load_rows(default_rule_dir())
    without = [r.row.id for r in rows if not r.row.examples]
    assert without == []
    expects = {e.expect for _rule, e in EXAMPLES}
    assert expects == {"allow", "deny"}


def test_denied_by_names_a_shipped_rule(shipped_rules: RuleSet) -> None:
    """An example's ``denied_by`` is the id of a shipped rule."""
    ids = {row.meta.id for row in shipped_rules.all_rows()}
    named = {e.denied_by for _rule, e in EXAMPLES if e.denied_by}
    assert named <= ids


def test_examples_use_real_numbers_of_their_state(
    plan: NumberingPlan, shipped_rules: RuleSet
) -> None:
    """Every example's phone is a valid number of a state; a state rule's, of that state."""
    from callwarden.core.gate.numbering import normalize

    jurisdiction = {row.meta.id: row.meta.jurisdiction for row in shipped_rules.all_rows()}
    for rule_id, example in EXAMPLES:
        national = normalize(example.phone)
        assert plan.is_valid(national), rule_id
        state, _zones = plan.lookup(national)
        assert state is not None, rule_id
        if jurisdiction[rule_id] != "US":
            assert f"US-{example.state or state}" == jurisdiction[rule_id], rule_id


@pytest.mark.parametrize(("rule_id", "example"), EXAMPLES, ids=[_example_id(p) for p in EXAMPLES])
def test_example_holds(rule_id: str, example: ExampleIn, gate: Gate) -> None:
    """The gate's decision matches the example, and a denial cites the example's rule."""
    attempt = example.to_attempt(f"{rule_id}-example")
    national = gate.national(attempt.phone)
    assert national is not None
    state, _zones = gate.plan.lookup(national)
    states = frozenset(s for s in (state, example.state) if s)
    lists = {row.list_name for row in gate.rules.dnc_lists if row.meta.effective_on(_day(example))}
    facts = example.to_facts(national=national, states=states, lists=lists)
    decision = gate.decide(attempt, facts)
    reasons = [f"{r.code}:{r.rule}" for r in decision.reasons]
    if example.expect == "allow":
        assert decision.allowed, f"{rule_id}: {example.note or ''} denied by {reasons}"
        return
    assert not decision.allowed, f"{rule_id}: {example.note or ''} was allowed"
    wanted = example.denied_by or rule_id
    assert wanted in {r.rule for r in decision.reasons}, f"{rule_id}: denied by {reasons}"


def _day(example: ExampleIn) -> date:
    return example.at.date()
