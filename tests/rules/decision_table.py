"""Golden decision tables: what the gate answers, state by state, for a fixed grid of attempts.

For each state and DC, one number of the state (``AREA_CODES``: exchange 234, line 5678 of a
long-standing area code) is checked at fixed local instants (a Wednesday early,
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


#: One number per state and DC, in a long-standing area code of it (exchange 234, line 5678):
#: fixed, so that a new overlay code in the numbering data does not change the tables.
AREA_CODES = {
    "AK": 907, "AL": 205, "AR": 501, "AZ": 602, "CA": 213, "CO": 303, "CT": 203, "DC": 202,
    "DE": 302, "FL": 305, "GA": 404, "HI": 808, "IA": 515, "ID": 208, "IL": 312, "IN": 317,
    "KS": 316, "KY": 502, "LA": 504, "MA": 617, "MD": 410, "ME": 207, "MI": 313, "MN": 612,
    "MO": 314, "MS": 601, "MT": 406, "NC": 919, "ND": 701, "NE": 402, "NH": 603, "NJ": 201,
    "NM": 505, "NV": 702, "NY": 212, "OH": 216, "OK": 405, "OR": 503, "PA": 215, "RI": 401,
    "SC": 803, "SD": 605, "TN": 615, "TX": 214, "UT": 801, "VA": 804, "VT": 802, "WA": 206,
    "WI": 414, "WV": 304, "WY": 307,
}  # fmt: skip


def state_number(plan: NumberingPlan, state: str) -> int:
    """The state's number of the grid, checked to be valid and placed in the state."""
    number = AREA_CODES[state] * 10_000_000 + 2_345_678
    placed, _zones = plan.lookup(number) if plan.is_valid(number) else (None, ())
    if placed != state:
        msg = f"{e164(number)} is no longer a valid number of {state} in the numbering data"
        raise LookupError(msg)
    return number


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
    return {f"US-{s}.txt": table(gate, s, state_number(plan, s)) for s in sorted(US_STATES)}
