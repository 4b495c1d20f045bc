"""Rule examples become attempts with the facts around them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from callwarden.core.types import Channel, ConsentKind, LineType, Method, Outcome, Purpose
from callwarden.storage.rule_examples import ExampleIn

AT = "2026-04-15T12:00:00-04:00"
NATIONAL = 2122345678


def example(**fields: object) -> ExampleIn:
    return ExampleIn.model_validate({"at": AT, "phone": "2122345678", "expect": "deny", **fields})


class TestExampleFacts:
    def test_a_clean_slate_by_default(self) -> None:
        """Without facts: every list fresh (refreshed a day earlier), no hits, no consent."""
        facts = example().to_facts(
            national=NATIONAL, states=frozenset({"NY"}), lists={"national", "internal"}
        )
        at = datetime.fromisoformat(AT)
        assert facts.list_refreshed == {
            "internal": at - timedelta(days=1),
            "national": at - timedelta(days=1),
        }
        assert facts.dnc_hits == frozenset()
        assert facts.consents == ()
        assert facts.history == ()
        assert facts.abandonment is None
        assert facts.emergencies == ()

    def test_list_ages_and_missing_lists(self) -> None:
        """``list_age_days`` ages a list; ``missing_lists`` were never imported."""
        facts = example(
            list_age_days={"national": 40}, missing_lists=["state:TX"], dnc=["state:TX"]
        ).to_facts(national=NATIONAL, states=frozenset(), lists={"national", "state:TX"})
        assert facts.list_refreshed == {"national": datetime.fromisoformat(AT) - timedelta(40)}
        assert facts.dnc_hits == frozenset({"state:TX"})

    def test_consents_one_or_many_and_revoked(self) -> None:
        """``consent`` takes a kind or a list; all are given and revoked together."""
        facts = example(
            consent=["written", "ebr_purchase"], consent_days_ago=60, revoked_days_ago=5
        ).to_facts(national=NATIONAL, states=frozenset(), lists=set())
        at = datetime.fromisoformat(AT)
        assert [c.kind for c in facts.consents] == [ConsentKind.WRITTEN, ConsentKind.EBR_PURCHASE]
        assert all(c.at == at - timedelta(days=60) for c in facts.consents)
        assert all(c.revoked_at == at - timedelta(days=5) for c in facts.consents)
        assert all(c.phone == NATIONAL and c.seller == "example-seller" for c in facts.consents)
        single = example(consent="express").to_facts(national=1, states=frozenset(), lists=set())
        assert [c.kind for c in single.consents] == [ConsentKind.EXPRESS]

    def test_history_takes_the_example_defaults(self) -> None:
        """Past calls default to the example's purpose, channel, method and campaign."""
        facts = example(
            purpose="debt_collection",
            history=[
                {"hours_ago": 3},
                {"hours_ago": 30, "channel": "sms", "outcome": "conversation"},
            ],
        ).to_facts(national=NATIONAL, states=frozenset(), lists=set())
        first, second = facts.history
        assert first.purpose is Purpose.DEBT_COLLECTION
        assert first.channel is Channel.VOICE
        assert first.outcome is Outcome.NO_ANSWER
        assert first.at == datetime.fromisoformat(AT) - timedelta(hours=3)
        assert second.channel is Channel.SMS
        assert second.outcome is Outcome.CONVERSATION

    def test_predictive_examples_get_campaign_statistics(self) -> None:
        """Predictive dialing without ``abandon`` is a campaign with nothing abandoned."""
        plain = example(method="predictive").to_facts(national=1, states=frozenset(), lists=set())
        assert plain.abandonment is not None
        assert (plain.abandonment.answered_live, plain.abandonment.abandoned) == (0, 0)
        given = example(abandon={"answered": 100, "abandoned": 4}).to_facts(
            national=1, states=frozenset(), lists=set()
        )
        assert given.abandonment is not None
        assert given.abandonment.rate == pytest.approx(0.04)

    def test_emergency_covers_the_candidate_states(self) -> None:
        """``emergency = true`` declares one for each state, a day either side."""
        facts = example(emergency=True).to_facts(
            national=1, states=frozenset({"LA", "TX"}), lists=set()
        )
        assert [e.state for e in facts.emergencies] == ["LA", "TX"]
        at = datetime.fromisoformat(AT)
        assert all(e.covers(e.state, None, at) for e in facts.emergencies)

    def test_attempt(self) -> None:
        """The attempt carries the example's fields and its address when given."""
        attempt = example(
            method="prerecorded", line_type="landline", state="CA", zip="94105"
        ).to_attempt("x")
        assert attempt.method is Method.PRERECORDED
        assert attempt.line_type is LineType.LANDLINE
        assert attempt.address is not None
        assert (attempt.address.state, attempt.address.zip) == ("CA", "94105")
        assert example().to_attempt("y").address is None

    @pytest.mark.parametrize(
        "fields",
        [
            {"at": "2026-04-15T12:00:00"},
            {"consent_days_ago": 5, "consent": "written", "revoked_days_ago": 6},
            {"list_age_days": {"national": -1}},
            {"history": [{"hours_ago": 0}]},
            {"zip": "9410"},
            {"phone": "123"},
        ],
    )
    def test_bad_examples(self, fields: dict[str, object]) -> None:
        """Naive times, revocation before consent, negative ages and bad values are refused."""
        with pytest.raises(ValidationError):
            example(**fields)
