"""Where the called party may be: candidate (state, time zone) pairs from number and address.

From the number: the state of its area code and exchange and the time zones ``phonenumbers``
gives for that prefix (several for split-zone area codes). From the address: the state, and
the time zone of its ZIP prefix where the state has several. Every candidate must allow an
attempt (the strictest wins); when nothing is known, every zone of the state, or of the
United States, is a candidate (fail closed).
"""

from __future__ import annotations

from callwarden.core.decision import JurisdictionCandidate
from callwarden.core.gate.numbering import US_STATES, NumberingPlan
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import Address

#: Every time zone of the fifty states and DC, for numbers whose place is unknown.
ALL_US_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "America/Adak", "Pacific/Honolulu",
)  # fmt: skip


def candidates(
    national: int, address: Address | None, plan: NumberingPlan, rules: RuleSet
) -> tuple[JurisdictionCandidate, ...]:
    """All jurisdictions the called party may be in, most specific first, no duplicates."""
    state, zones = plan.lookup(national)
    found: list[JurisdictionCandidate] = []
    if state is not None:
        zones = zones or _state_zones(state, None, rules)
        found.extend(JurisdictionCandidate(state=state, tz=z, source="number") for z in zones)
    elif zones:
        found.extend(JurisdictionCandidate(state=None, tz=z, source="number") for z in zones)
    else:
        # The number says nothing about where it rings: every US zone stays a candidate,
        # whatever the address adds (an address can only add candidates, never remove one).
        found.extend(
            JurisdictionCandidate(state=None, tz=z, source="fallback") for z in ALL_US_ZONES
        )
    if address is not None and address.state:
        addr_state = address.state.upper()
        if addr_state in US_STATES:
            for tz in _state_zones(addr_state, address.zip, rules):
                found.append(JurisdictionCandidate(state=addr_state, tz=tz, source="address"))
    unique: dict[tuple[str | None, str], JurisdictionCandidate] = {}
    for cand in found:
        unique.setdefault((cand.state, cand.tz), cand)
    return tuple(unique.values())


def _state_zones(state: str, zip_code: str | None, rules: RuleSet) -> tuple[str, ...]:
    known = rules.zones_of(state)
    if known is None:
        return ALL_US_ZONES
    if zip_code and len(known.zones) > 1:
        prefix = zip_code.strip()[:3]
        for zip3, zone in known.zip3_zones:
            if zip3 == prefix:
                return (zone,)
    return known.zones
