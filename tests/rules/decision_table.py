"""Golden decision tables: what the gate answers, state by state, for a fixed grid of attempts.

For each state and DC, one number of the state (the lowest area code that places a number in
it alone, exchange 234, line 5678) is checked at fixed local instants (a Wednesday early,
morning, noon, evening and late; a Sunday morning and afternoon; Thanksgiving and Christmas
Day at noon), for four kinds of attempt (a live telemarketing call, a prerecorded
telemarketing call to a landline, an autodialed telemarketing text to a wireless number, a
live debt-collection call) and three sets of facts (none; the seller's written consent; the
number on the national and the state's own list, no consent). Every list in the rule data is
fresh. Each line is one decision: allowed, or the reasons (code and rule), and
``next_allowed_at`` on the local clock.

``tests/rules/decisions/US-XX.txt`` holds the tables; ``test_decision_tables.py`` recomputes
them, so a change of the rule data or of the gate that changes an answer fails until the
tables are written again (``make snapshot``) and the diff reviewed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from callwarden.core.decision import Decision
from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import US_STATES, NumberingPlan, e164
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Attempt, Channel, Consent, ConsentKind, LineType, Method, Purpose

DECISIONS = Path(__file__).resolve().parent / "decisions"
SELLER = "acme"

#: (label, local date, local time)
INSTANTS = (
    ("Wed 2026-04-15 07:30", date(2026, 4, 15), time(7, 30)),
    ("Wed 2026-04-15 08:30", date(2026, 4, 15), time(8, 30)),
    ("Wed 2026-04-15 12:00", date(2026, 4, 15), time(12)),
    ("Wed 2026-04-15 20:30", date(2026, 4, 15), time(20, 30)),
    ("Wed 2026-04-15 21:30", date(2026, 4, 15), time(21, 30)),
    ("Sun 2026-04-19 10:00", date(2026, 4, 19), time(10)),
    ("Sun 2026-04-19 12:30", date(2026, 4, 19), time(12, 30)),
    ("Thu 2026-11-26 12:00", date(2026, 11, 26), time(12)),  # Thanksgiving
    ("Fri 2026-12-25 12:00", date(2026, 12, 25), time(12)),  # Christmas Day
)
KINDS = (
    ("live call", Purpose.TELEMARKETING, Channel.VOICE, Method.MANUAL, LineType.UNKNOWN),
    ("prerecorded", Purpose.TELEMARKETING, Channel.VOICE, Method.PRERECORDED, LineType.LANDLINE),
    ("autodialed text", Purpose.TELEMARKETING, Channel.SMS, Method.AUTODIALER, LineType.WIRELESS),
    ("debt collection", Purpose.DEBT_COLLECTION, Channel.VOICE, Method.MANUAL, LineType.UNKNOWN),
)
FACTS = ("no facts", "written consent", "on lists")


def state_numbers(plan: NumberingPlan) -> dict[str, int]:
    """Per state, the number NPA-234-5678 of the lowest area code placing it there alone."""
    found: dict[str, int] = {}
    for npa in range(200, 1000):
        number = npa * 10_000_000 + 2_345_678
        if not plan.is_valid(number):
            continue
        state, zones = plan.lookup(number)
        if state is not None and zones and state not in found:
            found[state] = number
    return found


def table(gate: Gate, state: str, number: int) -> str:
    """The decision table of one state, as text."""
    _state, zones = gate.plan.lookup(number)
    tz = ZoneInfo(zones[0])
    lists = sorted({r.list_name for r in gate.rules.dnc_lists})
    own = sorted(n for n in lists if n in {"national", f"state:{state}"})
    lines = [
        f"# {state}: {e164(number)}, zones {', '.join(zones)}; times on the {zones[0]} clock",
        f"# lists in force and fresh: {', '.join(lists)}; 'on lists' = {', '.join(own)}",
    ]
    for label, day, clock in INSTANTS:
        at = datetime.combine(day, clock, tz)
        for kind, purpose, channel, method, line_type in KINDS:
            for facts_label in FACTS:
                attempt = Attempt(
                    id="t", phone=e164(number), at=at, purpose=purpose, channel=channel,
                    method=method, line_type=line_type, seller=SELLER, campaign="golden",
                )  # fmt: skip
                facts = _facts(facts_label, number, at, lists, own)
                answer = _answer(gate.decide(attempt, facts), tz)
                lines.append(f"{label} | {kind} | {facts_label} | {answer}")
    return "\n".join(lines) + "\n"


def _facts(label: str, number: int, at: datetime, lists: list[str], own: list[str]) -> Facts:
    refreshed = dict.fromkeys(lists, at.astimezone(UTC) - timedelta(days=1))
    if label == "written consent":
        consent = Consent(
            phone=number, seller=SELLER, kind=ConsentKind.WRITTEN,
            at=datetime(2025, 1, 2, tzinfo=UTC),
        )  # fmt: skip
        return Facts(list_refreshed=refreshed, consents=(consent,))
    if label == "on lists":
        return Facts(list_refreshed=refreshed, dnc_hits=frozenset(own))
    return Facts(list_refreshed=refreshed)


def _answer(decision: Decision, tz: ZoneInfo) -> str:
    if decision.allowed:
        return "allow"
    reasons = ", ".join(f"{r.code.value} {r.rule}" for r in decision.reasons)
    text = f"deny: {reasons}"
    if decision.next_allowed_at is not None:
        text += f"; next {decision.next_allowed_at.astimezone(tz):%a %Y-%m-%d %H:%M}"
    return text


def tables(plan: NumberingPlan, rules: RuleSet) -> dict[str, str]:
    """File name (``US-TX.txt``) -> table, for every state and DC."""
    gate = Gate(plan=plan, rules=rules, checks=default_checks())
    numbers = state_numbers(plan)
    missing = sorted(set(US_STATES) - set(numbers))
    if missing:
        msg = f"no number places a line in {missing}"
        raise LookupError(msg)
    return {f"US-{s}.txt": table(gate, s, numbers[s]) for s in sorted(US_STATES)}
