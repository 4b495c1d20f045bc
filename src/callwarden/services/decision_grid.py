"""What the rules answer in one state, for a fixed grid of attempts: a preview to review.

For a state (or DC), one number of it (a long-standing area code, exchange 234, line 5678,
unless another is given) is decided at fixed local instants of a week (its Wednesday early,
morning, noon, evening and late; its Sunday morning and afternoon) and of the year's
Thanksgiving and Christmas Day at noon, for four kinds of attempt (a live telemarketing call,
a prerecorded telemarketing call to a landline, an autodialed telemarketing text to a wireless
number, a live debt-collection call) and three sets of facts (none; the seller's written
consent; the number on the national list and the state's own, no consent). Every list the rule
data names counts as freshly imported: the grid shows what the rules say, not the state of a
home's lists or ledger.

``callwarden rules decisions TX`` prints it, with the configured overrides; the golden tables
under ``tests/rules/decisions`` are this grid for the week of 2026-04-15 with the shipped rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callwarden.core.decision import Decision
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import US_STATES, NumberingPlan, e164, normalize
from callwarden.core.types import Attempt, Channel, Consent, ConsentKind, LineType, Method, Purpose
from callwarden.errors import InvalidInput, InvalidPhoneNumber

SELLER = "grid-seller"

#: One number per state and DC, in a long-standing area code of it (exchange 234, line 5678):
#: fixed, so that a new overlay code in the numbering data does not move the grid.
AREA_CODES = {
    "AK": 907, "AL": 205, "AR": 501, "AZ": 602, "CA": 213, "CO": 303, "CT": 203, "DC": 202,
    "DE": 302, "FL": 305, "GA": 404, "HI": 808, "IA": 515, "ID": 208, "IL": 312, "IN": 317,
    "KS": 316, "KY": 502, "LA": 504, "MA": 617, "MD": 410, "ME": 207, "MI": 313, "MN": 612,
    "MO": 314, "MS": 601, "MT": 406, "NC": 919, "ND": 701, "NE": 402, "NH": 603, "NJ": 201,
    "NM": 505, "NV": 702, "NY": 212, "OH": 216, "OK": 405, "OR": 503, "PA": 215, "RI": 401,
    "SC": 803, "SD": 605, "TN": 615, "TX": 214, "UT": 801, "VA": 804, "VT": 802, "WA": 206,
    "WI": 414, "WV": 304, "WY": 307,
}  # fmt: skip

#: (label, purpose, channel, method, line type)
KINDS = (
    ("live call", Purpose.TELEMARKETING, Channel.VOICE, Method.MANUAL, LineType.UNKNOWN),
    ("prerecorded", Purpose.TELEMARKETING, Channel.VOICE, Method.PRERECORDED, LineType.LANDLINE),
    ("autodialed text", Purpose.TELEMARKETING, Channel.SMS, Method.AUTODIALER, LineType.WIRELESS),
    ("debt collection", Purpose.DEBT_COLLECTION, Channel.VOICE, Method.MANUAL, LineType.UNKNOWN),
)
FACTS = ("no facts", "written consent", "on lists")
#: (days after Monday, local time): the Wednesday's five instants, the Sunday's two.
_WEEK_TIMES: tuple[tuple[int, time], ...] = (
    (2, time(7, 30)), (2, time(8, 30)), (2, time(12)), (2, time(20, 30)), (2, time(21, 30)),
    (6, time(10)), (6, time(12, 30)),
)  # fmt: skip
_THURSDAY = 3


@dataclass(frozen=True, slots=True)
class GridLine:
    """One decision of the grid."""

    instant: datetime  # on the clock of the number's first zone
    kind: str
    facts: str
    decision: Decision

    def answer(self) -> str:
        """``allow``, or ``deny:`` the reasons (code and rule) and ``next_allowed_at``."""
        if self.decision.allowed:
            return "allow"
        reasons = ", ".join(f"{r.code.value} {r.rule}" for r in self.decision.reasons)
        text = f"deny: {reasons}"
        if self.decision.next_allowed_at is not None:
            later = self.decision.next_allowed_at.astimezone(self.instant.tzinfo)
            text += f"; next {later:%a %Y-%m-%d %H:%M}"
        return text

    def text(self) -> str:
        """The line as the golden tables write it."""
        return f"{self.instant:%a %Y-%m-%d %H:%M} | {self.kind} | {self.facts} | {self.answer()}"


@dataclass(frozen=True, slots=True)
class Grid:
    """A state's grid: its number, zones, the lists counted fresh, and the decisions."""

    state: str
    number: int
    zones: tuple[str, ...]
    lists: tuple[str, ...]
    on_lists: tuple[str, ...]
    lines: tuple[GridLine, ...]

    def text(self) -> str:
        """The grid as text: two comment lines, then a line per decision."""
        head = [
            f"# {self.state}: {e164(self.number)}, zones {', '.join(self.zones)}; "
            f"times on the {self.zones[0]} clock",
            f"# lists in force and fresh: {', '.join(self.lists)}; "
            f"'on lists' = {', '.join(self.on_lists)}",
        ]
        return "\n".join([*head, *(line.text() for line in self.lines)]) + "\n"

    def to_dict(self) -> dict[str, object]:
        """The JSON form: the setting, then each decision with its grid cell."""
        return {
            "state": self.state,
            "phone_e164": e164(self.number),
            "time_zones": list(self.zones),
            "fresh_lists": list(self.lists),
            "on_lists": list(self.on_lists),
            "decisions": [
                {
                    "at": line.instant.isoformat(),
                    "kind": line.kind,
                    "facts": line.facts,
                    **line.decision.to_dict(),
                }
                for line in self.lines
            ],
        }


def instants(week_of: date) -> list[tuple[date, time]]:
    """The grid's local dates and times: the week's Wednesday and Sunday, two holidays."""
    monday = week_of - timedelta(days=week_of.weekday())
    out = [(monday + timedelta(days=d), t) for d, t in _WEEK_TIMES]
    november = date(week_of.year, 11, 1)
    first_thursday = november + timedelta(days=(_THURSDAY - november.weekday()) % 7)
    out.append((first_thursday + timedelta(weeks=3), time(12)))  # Thanksgiving
    out.append((date(week_of.year, 12, 25), time(12)))
    return out


def state_number(plan: NumberingPlan, state: str, phone: str | None = None) -> int:
    """The grid's number of ``state``: ``phone`` if given, else ``AREA_CODES``' number.

    Either must be a valid number that the numbering data places in the state.
    """
    if state not in US_STATES:
        raise InvalidInput(f"{state[:10]!r} is not a two-letter code of a state or DC")
    if phone is None:
        number = AREA_CODES[state] * 10_000_000 + 2_345_678
    else:
        try:
            number = normalize(phone)
        except InvalidPhoneNumber as exc:  # it bounds the text's length too
            raise InvalidInput(f"phone {phone[:20]!r}: {exc}", details={"field": "phone"}) from exc
    placed = plan.lookup(number)[0] if plan.is_valid(number) else None
    if placed != state:
        where = f"a number of {placed}" if placed else "not a valid number of a state"
        raise InvalidInput(f"{e164(number)} is {where}, not of {state}")
    return number


def grid(gate: Gate, state: str, *, week_of: date, phone: str | None = None) -> Grid:
    """Decide the grid of ``state`` for the week of ``week_of`` with ``gate``'s rules."""
    number = state_number(gate.plan, state, phone)
    _placed, zones = gate.plan.lookup(number)
    tz = ZoneInfo(zones[0])
    lists = tuple(sorted({r.list_name for r in gate.rules.dnc_lists}))
    on_lists = tuple(n for n in lists if n in {"national", f"state:{state}"})
    lines: list[GridLine] = []
    for day, clock in instants(week_of):
        at = datetime.combine(day, clock, tz)
        for kind, purpose, channel, method, line_type in KINDS:
            attempt = Attempt(
                id=f"grid-{len(lines) // len(FACTS) + 1}", phone=e164(number), at=at,
                purpose=purpose, channel=channel, method=method, line_type=line_type,
                seller=SELLER, campaign="grid",
            )  # fmt: skip
            for label in FACTS:
                facts = _facts(label, number, at, lists, on_lists)
                lines.append(GridLine(at, kind, label, gate.decide(attempt, facts)))
    return Grid(state, number, zones, lists, on_lists, tuple(lines))


def _facts(
    label: str, number: int, at: datetime, lists: tuple[str, ...], on_lists: tuple[str, ...]
) -> Facts:
    refreshed = dict.fromkeys(lists, at.astimezone(UTC) - timedelta(days=1))
    if label == "written consent":
        consent = Consent(
            phone=number, seller=SELLER, kind=ConsentKind.WRITTEN,
            at=datetime(at.year - 1, 1, 2, tzinfo=UTC),
        )  # fmt: skip
        return Facts(list_refreshed=refreshed, consents=(consent,))
    if label == "on lists":
        return Facts(list_refreshed=refreshed, dnc_hits=frozenset(on_lists))
    return Facts(list_refreshed=refreshed)


__all__ = ["AREA_CODES", "FACTS", "KINDS", "Grid", "GridLine", "grid", "instants", "state_number"]
