"""ABANDON_RATE: the 3% abandonment safe harbor for predictive dialing."""

from __future__ import annotations

import pytest

from callwarden.core.gate.abandonment import AbandonmentCheck
from callwarden.core.gate.context import AbandonStats, Facts
from callwarden.core.types import Method, Purpose

TX = "2142345678"
AT = "2026-03-10T14:00:00-05:00"
CHECK = AbandonmentCheck()
PREDICTIVE = {"method": Method.PREDICTIVE}


def stats(abandoned: int, answered: int, campaign: str = "spring") -> Facts:
    return Facts(
        abandonment=AbandonStats(campaign=campaign, answered_live=answered, abandoned=abandoned)
    )


@pytest.mark.parametrize(
    ("abandoned", "answered", "allowed"),
    [
        (29, 1000, True),  # 2.9%
        (30, 1000, False),  # 3.0%: at the limit
        (31, 1000, False),
        (3, 100, False),
        (2, 67, True),  # 2.985%
        (0, 0, True),  # no call answered by a person yet: rate 0
        (0, 1, True),
        (1, 1, False),
    ],
)
def test_rate_at_or_over_three_percent_stops_predictive(
    judge, abandoned: int, answered: int, allowed: bool
) -> None:
    """At or over 3% of live-answered calls abandoned, predictive dialing stops.

    16 CFR 310.4(b)(4)(i); 47 CFR 64.1200(a)(7).
    """
    decision = judge([CHECK], TX, AT, stats(abandoned, answered), **PREDICTIVE)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.codes == ("ABANDON_RATE",)
        assert decision.reasons[0].citation == "16 CFR 310.4(b)(4)(i); 47 CFR 64.1200(a)(7)"


def test_message_gives_the_counts(judge) -> None:
    """The reason says how many calls were abandoned out of how many."""
    reason = judge([CHECK], TX, AT, stats(30, 1000), **PREDICTIVE).reasons[0]
    assert "abandoned 30 of 1000 calls answered by a person (3.00%)" in reason.message
    assert "last 30 days" in reason.message


@pytest.mark.parametrize(
    "kw",
    [
        {"method": Method.MANUAL},
        {"method": Method.AUTODIALER},
        {"method": Method.PREDICTIVE, "purpose": Purpose.DEBT_COLLECTION},
    ],
)
def test_only_predictive_telemarketing_is_measured(judge, kw: dict[str, object]) -> None:
    """The safe harbor governs predictive telemarketing campaigns (16 CFR 310.4(b)(4))."""
    assert judge([CHECK], TX, AT, stats(50, 100), **kw).allowed


@pytest.mark.parametrize(
    "f", [Facts(), stats(0, 1000, campaign="autumn")], ids=["missing", "other-campaign"]
)
def test_missing_statistics_fail_closed(judge, f: Facts) -> None:
    """Without the campaign's statistics the gate cannot show the safe harbor holds: deny."""
    decision = judge([CHECK], TX, AT, f, **PREDICTIVE)
    assert decision.codes == ("ABANDON_RATE",)
    assert "no abandonment statistics" in decision.reasons[0].message
