"""NO_CONSENT and CONSENT_REVOKED: consent by purpose × method × channel × line type."""

from __future__ import annotations

from datetime import datetime

import pytest

from callwarden.core.gate.consent import ConsentCheck
from callwarden.core.gate.context import Facts
from callwarden.core.types import Channel, Consent, ConsentKind, LineType, Method, Purpose

TX = "2142345678"  # Dallas
FL = "3052345678"  # Miami
AT = "2026-03-10T14:00:00-05:00"
CHECK = ConsentCheck()
ROBO = {"method": Method.AUTODIALER, "line_type": LineType.WIRELESS}


def consent(
    kind: ConsentKind, at: str = "2025-11-02T18:30:00-06:00", revoked: str | None = None, **kw
) -> Consent:
    kw.setdefault("seller", "acme")
    return Consent(
        phone=int(TX),
        kind=kind,
        at=datetime.fromisoformat(at),
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
        **kw,
    )


@pytest.mark.parametrize(
    ("kw", "rule"),
    [
        (
            {"purpose": Purpose.TELEMARKETING, **ROBO},
            "T-US-AUTODIAL-WIRELESS-TELEMARKETING",
        ),
        (
            {"purpose": Purpose.TELEMARKETING, **ROBO, "channel": Channel.SMS},
            "T-US-AUTODIAL-WIRELESS-TELEMARKETING",
        ),
        (
            {"purpose": Purpose.INFORMATIONAL, **ROBO},
            "T-US-AUTODIAL-WIRELESS-INFORMATIONAL",
        ),
        (
            {"purpose": Purpose.DEBT_COLLECTION, "method": Method.PRERECORDED},
            "T-US-AUTODIAL-WIRELESS-INFORMATIONAL",
        ),
        (
            {"method": Method.PRERECORDED, "line_type": LineType.LANDLINE},
            "T-US-PRERECORDED-LANDLINE-TELEMARKETING",
        ),
    ],
)
def test_attempts_that_need_consent(judge, kw: dict[str, object], rule: str) -> None:
    """Autodialed calls and texts to wireless lines, and prerecorded telemarketing, need consent.

    47 U.S.C. 227(b)(1); 47 CFR 64.1200(a)(1)(iii), (a)(2), (a)(3). An unknown line type is
    read as wireless (the debt-collection row).
    """
    decision = judge([CHECK], TX, AT, **kw)
    assert decision.codes == ("NO_CONSENT",)
    assert [r.rule for r in decision.reasons] == [rule]


@pytest.mark.parametrize(
    "kw",
    [
        {"method": Method.MANUAL, "line_type": LineType.WIRELESS},
        {"method": Method.AUTODIALER, "line_type": LineType.LANDLINE},
        {"method": Method.PREDICTIVE, "line_type": LineType.LANDLINE},
        {"purpose": Purpose.EMERGENCY, **ROBO},
        {"purpose": Purpose.EMERGENCY, "method": Method.PRERECORDED},
    ],
)
def test_attempts_that_need_none(judge, kw: dict[str, object]) -> None:
    """Manual calls, live autodialed calls to landlines and emergency calls need no consent.

    47 CFR 64.1200(a)(1), (a)(3); the emergency purpose is outside every row's scope.
    """
    assert judge([CHECK], TX, AT, **kw).allowed


@pytest.mark.parametrize(
    ("purpose", "kind", "allowed"),
    [
        (Purpose.TELEMARKETING, ConsentKind.WRITTEN, True),
        (Purpose.TELEMARKETING, ConsentKind.EXPRESS, False),
        (Purpose.TELEMARKETING, ConsentKind.EBR_PURCHASE, False),
        (Purpose.INFORMATIONAL, ConsentKind.EXPRESS, True),
        (Purpose.INFORMATIONAL, ConsentKind.WRITTEN, True),
        (Purpose.HEALTHCARE, ConsentKind.EBR_INQUIRY, False),
    ],
)
def test_accepted_kinds(judge, purpose: Purpose, kind: ConsentKind, allowed: bool) -> None:
    """Telemarketing robocalls need written consent; informational ones express consent.

    47 CFR 64.1200(a)(1)(iii), (a)(2), (f)(9).
    """
    facts = Facts(consents=(consent(kind),))
    assert judge([CHECK], TX, AT, facts, purpose=purpose, **ROBO).allowed is allowed


@pytest.mark.parametrize(
    ("revoked", "code"),
    [
        ("2026-03-10T13:59:59-05:00", "CONSENT_REVOKED"),  # one second before
        ("2026-03-10T14:00:00-05:00", "CONSENT_REVOKED"),  # at the attempt
        ("2026-03-10T14:00:01-05:00", None),  # one second after
        ("2026-03-10T19:00:00+00:00", "CONSENT_REVOKED"),  # same instant, other offset
    ],
)
def test_revocation_blocks_from_its_instant(judge, revoked: str, code: str | None) -> None:
    """A revoked consent blocks from ``revoked_at`` on (47 CFR 64.1200(a)(10))."""
    facts = Facts(consents=(consent(ConsentKind.WRITTEN, revoked=revoked),))
    decision = judge([CHECK], TX, AT, facts, **ROBO)
    assert decision.codes == ((code,) if code else ())


def test_revoked_message_says_when(judge) -> None:
    """The reason says when the consent was revoked (47 CFR 64.1200(a)(10))."""
    facts = Facts(consents=(consent(ConsentKind.WRITTEN, revoked="2026-03-10T13:59:59-05:00"),))
    reason = judge([CHECK], TX, AT, facts, **ROBO).reasons[0]
    assert reason.citation == "47 CFR 64.1200(a)(2)"
    assert "revoked at 2026-03-10 18:59:59 UTC" in reason.message


def test_new_consent_after_revocation_counts(judge) -> None:
    """Consent given again after a revocation is in force (47 CFR 64.1200(a)(10))."""
    facts = Facts(
        consents=(
            consent(ConsentKind.WRITTEN, revoked="2026-01-04T10:00:00-06:00"),
            consent(ConsentKind.WRITTEN, "2026-02-20T09:00:00-06:00"),
        )
    )
    assert judge([CHECK], TX, AT, facts, **ROBO).allowed


def test_revoked_written_with_express_left_is_revoked(judge) -> None:
    """Express consent does not satisfy telemarketing, so only the revoked written one matches."""
    facts = Facts(
        consents=(
            consent(ConsentKind.WRITTEN, revoked="2026-01-04T10:00:00-06:00"),
            consent(ConsentKind.EXPRESS),
        )
    )
    assert judge([CHECK], TX, AT, facts, **ROBO).codes == ("CONSENT_REVOKED",)


@pytest.mark.parametrize(
    ("given", "seller"),
    [
        ("2025-11-02T18:30:00-06:00", "rival"),  # another seller's consent
        ("2026-03-10T14:00:01-05:00", "acme"),  # given after the attempt
    ],
)
def test_consent_must_be_this_sellers_and_given_before(judge, given: str, seller: str) -> None:
    """Consent is per seller and must precede the call (47 CFR 64.1200(f)(9))."""
    facts = Facts(consents=(consent(ConsentKind.WRITTEN, given, seller=seller),))
    assert judge([CHECK], TX, AT, facts, **ROBO).codes == ("NO_CONSENT",)


@pytest.mark.parametrize(
    ("given", "allowed"),
    [("2025-01-10T12:00:00-06:00", False), ("2025-08-01T12:00:00-05:00", True)],
)
def test_reassigned_number_voids_older_consent(judge, given: str, allowed: bool) -> None:
    """A consent given before the number was disconnected does not count (47 CFR 64.1200(m))."""
    facts = Facts(
        consents=(consent(ConsentKind.WRITTEN, given),),
        reassigned_at=datetime.fromisoformat("2025-06-01T00:00:00+00:00"),
    )
    assert judge([CHECK], TX, AT, facts, **ROBO).allowed is allowed


def test_florida_needs_written_consent_for_landline_robocalls(judge) -> None:
    """Florida's FTSA covers autodialed sales calls to any line (Fla. Stat. 501.059(8)(a))."""
    kw = {"method": Method.AUTODIALER, "line_type": LineType.LANDLINE}
    assert judge([CHECK], TX, AT, **kw).allowed
    decision = judge([CHECK], FL, AT, **kw)
    assert [r.rule for r in decision.reasons] == ["T-FL-FTSA-AUTODIAL"]
    assert decision.reasons[0].message.startswith(
        "this telemarketing autodialer call to a landline line needs prior express written"
    )


def test_one_reason_per_rule(judge) -> None:
    """A Florida wireless robocall without consent fails the federal and the state row."""
    decision = judge([CHECK], FL, AT, **ROBO)
    assert [r.rule for r in decision.reasons] == [
        "T-US-AUTODIAL-WIRELESS-TELEMARKETING",
        "T-FL-FTSA-AUTODIAL",
    ]
