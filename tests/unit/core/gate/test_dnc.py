"""Do-not-call lists: national, state, internal and litigator hits, exemptions, freshness."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from callwarden.core.gate.context import Facts, SellerPolicy
from callwarden.core.gate.dnc import DncCheck
from callwarden.core.types import Address, Consent, ConsentKind, Purpose

TX = "2142345678"  # Dallas
NY = "2122345678"  # Manhattan
FL = "3052345678"  # Miami
PA = "2152345678"  # Philadelphia
AT = "2026-03-10T14:00:00-05:00"  # a Tuesday afternoon
CHECK = DncCheck()
FRESH = {
    "national": datetime.fromisoformat("2026-03-01T06:00:00+00:00"),
    "state:TX": datetime.fromisoformat("2026-01-01T06:00:00+00:00"),
    "state:FL": datetime.fromisoformat("2025-06-01T06:00:00+00:00"),
}


def consent(
    kind: ConsentKind, at: str, revoked: str | None = None, seller: str = "acme"
) -> Consent:
    return Consent(
        phone=int(TX),
        seller=seller,
        kind=kind,
        at=datetime.fromisoformat(at),
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
    )


def facts(*hits: str, consents: tuple[Consent, ...] = (), **refreshed: datetime) -> Facts:
    lists = dict(FRESH)
    lists.update({k.replace("_", ":"): v for k, v in refreshed.items()})
    return Facts(dnc_hits=frozenset(hits), consents=consents, list_refreshed=lists)


class TestNationalRegistry:
    """16 CFR 310.4(b)(1)(iii)(B); 47 CFR 64.1200(c)(2): the national registry."""

    def test_hit_denies_telemarketing(self, judge) -> None:
        """A registered number is denied to telemarketing (47 CFR 64.1200(c)(2))."""
        decision = judge([CHECK], TX, AT, facts("national"))
        assert decision.codes == ("DNC_NATIONAL",)
        reason = decision.reasons[0]
        assert reason.rule == "T-US-NATIONAL-DNC"
        assert reason.citation == "16 CFR 310.4(b)(3)(iv); 47 CFR 64.1200(c)(2)"
        assert "national do-not-call registry" in reason.message

    @pytest.mark.parametrize(
        "purpose",
        [Purpose.INFORMATIONAL, Purpose.DEBT_COLLECTION, Purpose.HEALTHCARE, Purpose.EMERGENCY],
    )
    def test_other_purposes_are_not_blocked(self, judge, purpose: Purpose) -> None:
        """The registry covers telephone solicitations only (47 CFR 64.1200(c)(2))."""
        assert judge([CHECK], TX, AT, facts("national"), purpose=purpose).allowed

    @pytest.mark.parametrize(
        ("consents", "allowed"),
        [
            ((consent(ConsentKind.WRITTEN, "2025-05-01T09:00:00-05:00"),), True),
            ((consent(ConsentKind.EXPRESS, "2025-05-01T09:00:00-05:00"),), False),
            ((consent(ConsentKind.WRITTEN, "2025-05-01T09:00:00-05:00", seller="rival"),), False),
            ((consent(ConsentKind.WRITTEN, "2026-03-10T14:00:01-05:00"),), False),
            (
                (
                    consent(
                        ConsentKind.WRITTEN,
                        "2025-05-01T09:00:00-05:00",
                        "2026-03-10T13:59:59-05:00",
                    ),
                ),
                False,
            ),
        ],
    )
    def test_written_consent_to_this_seller_exempts(self, judge, consents, allowed) -> None:
        """Written consent to this seller, in force, exempts (47 CFR 64.1200(c)(2)(ii))."""
        assert judge([CHECK], TX, AT, facts("national", consents=consents)).allowed is allowed

    @pytest.mark.parametrize(
        ("given", "at", "allowed"),
        [
            ("2024-09-15T10:00:00-04:00", "2026-03-15T09:59:59-04:00", True),
            ("2024-09-15T10:00:00-04:00", "2026-03-15T10:00:00-04:00", False),
            ("2024-09-15T10:00:00-04:00", "2026-04-01T10:00:00-04:00", False),
            ("2024-08-31T12:00:00+00:00", "2026-02-28T11:59:00+00:00", True),  # month-end
            ("2024-08-31T12:00:00+00:00", "2026-02-28T12:00:00+00:00", False),
        ],
    )
    def test_purchase_ebr_lasts_18_months(self, judge, given: str, at: str, allowed) -> None:
        """An EBR by purchase exempts for exactly 18 months (47 CFR 64.1200(f)(5))."""
        f = facts("national", consents=(consent(ConsentKind.EBR_PURCHASE, given),))
        assert judge([CHECK], NY, at, f).allowed is allowed

    @pytest.mark.parametrize(
        ("at", "allowed"),
        [("2026-04-30T11:59:00+00:00", True), ("2026-04-30T12:00:00+00:00", False)],
    )
    def test_inquiry_ebr_lasts_3_months(self, judge, at: str, allowed: bool) -> None:
        """An EBR by inquiry exempts for 3 months; Jan 31 + 3 months is Apr 30 (16 CFR 310.2)."""
        f = facts(
            "national",
            consents=(consent(ConsentKind.EBR_INQUIRY, "2026-01-31T12:00:00+00:00"),),
            national=datetime.fromisoformat("2026-04-20T00:00:00+00:00"),
        )
        assert judge([CHECK], NY, at, f).allowed is allowed

    def test_ebr_ends_at_revocation(self, judge) -> None:
        """A do-not-call request ends the EBR (47 CFR 64.1200(f)(5)(i))."""
        ebr = consent(ConsentKind.EBR_PURCHASE, "2025-12-01T10:00:00-06:00", "2026-02-01T00:00Z")
        decision = judge([CHECK], TX, AT, facts("national", consents=(ebr,)))
        assert decision.codes == ("DNC_NATIONAL",)

    def test_internal_list_ends_the_ebr(self, judge) -> None:
        """A number on the seller's own list has no EBR left (47 CFR 64.1200(f)(5)(i))."""
        ebr = consent(ConsentKind.EBR_PURCHASE, "2025-12-01T10:00:00-06:00")
        decision = judge([CHECK], TX, AT, facts("national", "internal", consents=(ebr,)))
        assert decision.codes == ("DNC_INTERNAL", "DNC_NATIONAL")

    def test_consent_before_reassignment_does_not_exempt(self, judge) -> None:
        """The former subscriber's consent does not carry over (47 CFR 64.1200(m))."""
        written = consent(ConsentKind.WRITTEN, "2024-05-01T09:00:00-05:00")
        f = Facts(
            dnc_hits=frozenset({"national"}),
            consents=(written,),
            list_refreshed=FRESH,
            reassigned_at=datetime.fromisoformat("2025-07-15T00:00:00+00:00"),
        )
        assert judge([CHECK], TX, AT, f).codes == ("DNC_NATIONAL",)


class TestStateLists:
    """State registries: Tex. Bus. & Com. Code 304.052; Fla. Stat. 501.059(4)."""

    def test_state_hit_in_a_candidate_state(self, judge) -> None:
        """A Texas number on the Texas list is denied (Tex. Bus. & Com. Code 304.052)."""
        decision = judge([CHECK], TX, AT, facts("state:TX"))
        assert decision.codes == ("DNC_STATE",)
        assert "TX state do-not-call list" in decision.reasons[0].message

    def test_list_of_a_state_not_in_play_is_ignored(self, judge) -> None:
        """The Texas list does not apply to a New York number with no Texas address."""
        assert judge([CHECK], NY, AT, facts("state:TX")).allowed

    def test_address_state_brings_its_list(self, judge) -> None:
        """A New York number with a Miami address is scrubbed against Florida's list."""
        decision = judge(
            [CHECK], NY, AT, facts("state:FL"), address=Address(state="FL", zip="33101")
        )
        assert decision.codes == ("DNC_STATE",)

    def test_ebr_does_not_exempt_where_the_state_does_not(self, judge) -> None:
        """Florida's list honors written consent only in the test rules (Fla. Stat. 501.059)."""
        ebr = consent(ConsentKind.EBR_PURCHASE, "2025-12-01T10:00:00-05:00")
        written = consent(ConsentKind.WRITTEN, "2025-12-01T10:00:00-05:00")
        assert not judge([CHECK], FL, AT, facts("state:FL", consents=(ebr,))).allowed
        assert judge([CHECK], FL, AT, facts("state:FL", consents=(written,))).allowed

    @pytest.mark.parametrize(
        ("hit", "allowed"), [("national", True), ("state:PA", False)], ids=["federal", "state"]
    )
    def test_state_ebr_window_governs_the_state_list(self, judge, hit: str, allowed) -> None:
        """A state list measures the EBR by the state's window.

        A 13-month-old purchase exempts from the registry (18 months, 47 CFR 64.1200(f)(5))
        but not from Pennsylvania's list (12 months, 73 P.S. 2245.2).
        """
        ebr = consent(ConsentKind.EBR_PURCHASE, "2025-02-01T10:00:00-05:00")
        f = facts(hit, consents=(ebr,), state_PA=FRESH["national"])
        assert judge([CHECK], PA, AT, f).allowed is allowed


class TestInternalAndLitigator:
    """The seller's own list (47 CFR 64.1200(d)) and its litigator policy."""

    @pytest.mark.parametrize(
        "purpose", [Purpose.TELEMARKETING, Purpose.INFORMATIONAL, Purpose.DEBT_COLLECTION]
    )
    def test_internal_blocks_every_purpose(self, judge, purpose: Purpose) -> None:
        """The seller's own list blocks every purpose but emergency (47 CFR 64.1200(d))."""
        written = consent(ConsentKind.WRITTEN, "2025-05-01T09:00:00-05:00")
        f = facts("internal", consents=(written,))
        assert judge([CHECK], TX, AT, f, purpose=purpose).codes == ("DNC_INTERNAL",)

    def test_internal_allows_emergency(self, judge) -> None:
        """Emergency calls are outside the internal list's scope (47 CFR 64.1200(d))."""
        assert judge([CHECK], TX, AT, facts("internal"), purpose=Purpose.EMERGENCY).allowed

    def test_litigator_blocks_by_default(self, judge) -> None:
        """A known litigator's number is blocked unless the seller turns that off."""
        decision = judge([CHECK], TX, AT, facts("litigator"), purpose=Purpose.INFORMATIONAL)
        assert decision.codes == ("LITIGATOR",)

    def test_litigator_policy_off(self, judge) -> None:
        """A seller that does not block litigators is not stopped by that list."""
        policy = SellerPolicy(litigator_blocks=False)
        assert judge([CHECK], TX, AT, facts("litigator"), policy).allowed


class TestFreshness:
    """16 CFR 310.4(b)(3)(iv): scrub against a registry at most 31 days old."""

    @pytest.mark.parametrize(
        ("refreshed", "allowed"),
        [
            ("2026-02-07T19:00:00+00:00", True),  # exactly 31 days before
            ("2026-02-07T18:59:00+00:00", False),  # 31 days and a minute
            ("2025-11-30T00:00:00+00:00", False),
        ],
    )
    def test_national_registry_age(self, judge, refreshed: str, allowed: bool) -> None:
        """The national list must be at most 31 days old (16 CFR 310.4(b)(3)(iv))."""
        f = facts(national=datetime.fromisoformat(refreshed))
        decision = judge([CHECK], TX, AT, f)
        assert decision.allowed is allowed
        if not allowed:
            assert decision.codes == ("DNC_DATA_STALE",)
            assert "at most 31 days" in decision.reasons[0].message

    def test_never_imported_national_list(self, judge) -> None:
        """A national list never imported is treated as stale: fail closed."""
        decision = judge([CHECK], NY, AT, Facts(list_refreshed={}))
        assert decision.codes == ("DNC_DATA_STALE",)
        assert "national do-not-call registry has never been imported" in (
            decision.reasons[0].message
        )

    def test_missing_state_list_is_named(self, judge) -> None:
        """Telemarketing into Texas needs the Texas list (Tex. Bus. & Com. Code 304.052)."""
        f = Facts(list_refreshed={"national": FRESH["national"]})
        decision = judge([CHECK], NY, AT, f, address=Address(state="TX", zip="75201"))
        assert decision.codes == ("DNC_DATA_STALE",)
        assert decision.reasons[0].rule == "T-TX-STATE-DNC"
        assert "TX state do-not-call list has never been imported" in decision.reasons[0].message

    def test_state_list_without_age_limit_needs_only_to_exist(self, judge) -> None:
        """Florida's list has no age limit in the test rules: present is enough."""
        assert judge([CHECK], FL, AT, facts()).allowed

    def test_freshness_is_not_required_outside_scope(self, judge) -> None:
        """Debt collection does not use the registry, so its age does not matter."""
        f = Facts(list_refreshed={})
        assert judge([CHECK], TX, AT, f, purpose=Purpose.DEBT_COLLECTION).allowed


class TestSellerExemptions:
    """A seller's configuration may say a list does not apply to it; the decision says why."""

    REASON = "registered under Tex. Bus. & Com. Code 302.058 exemption (issuer of securities)"

    def test_exempt_list_is_neither_required_nor_applied(self, judge) -> None:
        """An exempt list blocks nothing and the decision carries the seller's reason."""
        policy = SellerPolicy(exempt_lists={"state:TX": self.REASON})
        f = Facts(dnc_hits=frozenset({"state:TX"}), list_refreshed={"national": FRESH["national"]})
        decision = judge([CHECK], TX, AT, f, policy)
        assert decision.allowed
        assert decision.notes == (
            f"TX state do-not-call list not applied for seller acme: {self.REASON}",
        )
        assert decision.to_dict()["notes"] == list(decision.notes)

    def test_exemption_of_a_list_not_in_play_is_not_noted(self, judge) -> None:
        """Only lists that the attempt would use are noted."""
        policy = SellerPolicy(exempt_lists={"state:TX": self.REASON})
        decision = judge([CHECK], NY, AT, facts(), policy)
        assert decision.allowed
        assert decision.notes == ()
        assert "notes" not in decision.to_dict()

    def test_internal_list_cannot_be_exempted(self, judge) -> None:
        """A seller cannot declare its own do-not-call list inapplicable (47 CFR 64.1200(d))."""
        policy = SellerPolicy(exempt_lists={"internal": "we do not keep one"})
        decision = judge([CHECK], TX, AT, facts("internal"), policy)
        assert decision.codes == ("DNC_INTERNAL",)
        assert decision.notes == ()


def test_every_reason_at_once_is_reported(judge) -> None:
    """Every list hit and every stale list is reported, each with its own rule."""
    stale = datetime.fromisoformat(AT) - timedelta(days=200)
    f = Facts(
        dnc_hits=frozenset({"national", "state:TX", "internal", "litigator"}),
        list_refreshed={"national": stale, "state:TX": stale},
    )
    decision = judge([CHECK], TX, AT, f)
    assert [r.code.value for r in decision.reasons] == [
        "DNC_INTERNAL",
        "LITIGATOR",
        "DNC_NATIONAL",
        "DNC_STATE",
        "DNC_DATA_STALE",
        "DNC_DATA_STALE",
    ]


def test_state_list_without_exemptions_says_so(plan, shipped_rules) -> None:
    """A state list that honors no consent says so plainly (Tex. Bus. & Com. Code 304.051)."""
    from callwarden.core.gate.gate import Gate
    from callwarden.core.types import Attempt

    gate = Gate(plan=plan, rules=shipped_rules, checks=[CHECK])
    attempt = Attempt(id="t", phone=TX, at=datetime.fromisoformat(AT), seller="acme")
    decision = gate.decide(attempt, facts("state:TX"))
    assert decision.codes == ("DNC_STATE",)
    assert "which no consent exempts" in decision.reasons[0].message
    assert "no no" not in decision.reasons[0].message
