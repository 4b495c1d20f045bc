"""FREQUENCY_CAP: Regulation F's 7-in-7 and quiet days, and state caps, from the history."""

from __future__ import annotations

from datetime import datetime

import pytest

from callwarden.core.gate.calling_hours import CallingHoursCheck
from callwarden.core.gate.context import Facts
from callwarden.core.gate.frequency import FrequencyCheck
from callwarden.core.types import Address, Channel, Method, Outcome, PastAttempt, Purpose

TX = "2142345678"  # Dallas, Central time
EL_PASO = "9152345678"  # El Paso, Mountain time
FL = "3052345678"  # Miami
CHECK = FrequencyCheck()
DEBT = {"purpose": Purpose.DEBT_COLLECTION}
REG_F_AT = "2026-03-10T10:00:00-05:00"  # Tuesday; its window is Mar 4 to Mar 10
WEEK = [f"2026-03-0{d}T10:00:00-06:00" for d in (4, 5, 6, 7)] + [
    "2026-03-08T10:00:00-05:00",  # daylight saving time began at 02:00 that Sunday
    "2026-03-09T10:00:00-05:00",
]


def past(at: str, phone: str = TX, **kw: object) -> PastAttempt:
    fields: dict[str, object] = {
        "seller": "acme",
        "campaign": "spring",
        "purpose": Purpose.DEBT_COLLECTION,
        "channel": Channel.VOICE,
        "method": Method.MANUAL,
        "outcome": Outcome.NO_ANSWER,
    }
    fields.update(kw)
    return PastAttempt(phone=int(phone), at=datetime.fromisoformat(at), **fields)  # type: ignore[arg-type]


def history(*attempts: PastAttempt) -> Facts:
    return Facts(history=attempts)


class TestRegulationF:
    """12 CFR 1006.14(b)(2): 7 calls in 7 days, and 7 quiet days after a conversation."""

    def test_seventh_call_is_allowed(self, judge) -> None:
        """Six calls in the window: the 7th is presumed compliant (12 CFR 1006.14(b)(2)(i))."""
        assert judge([CHECK], TX, REG_F_AT, history(*map(past, WEEK)), **DEBT).allowed

    def test_eighth_call_is_denied(self, judge) -> None:
        """Seven calls in the window: the 8th is presumed a violation (12 CFR 1006.14(b)(2)(i))."""
        calls = history(*map(past, [*WEEK, "2026-03-10T08:30:00-05:00"]))
        decision = judge([CHECK], TX, REG_F_AT, calls, **DEBT)
        assert decision.codes == ("FREQUENCY_CAP",)
        reason = decision.reasons[0]
        assert (reason.rule, reason.citation) == ("T-US-REGF-7-IN-7", "12 CFR 1006.14(b)(2)")
        assert "already placed 7 calls" in reason.message
        assert "2026-03-04 to 2026-03-10 in America/Chicago" in reason.message

    def test_attempts_day_is_day_seven(self, judge) -> None:
        """A call on the 8th day back is outside the 7 consecutive days (12 CFR 1006.14(b)(2))."""
        calls = history(*map(past, ["2026-03-03T20:59:00-06:00", *WEEK]))
        assert judge([CHECK], TX, REG_F_AT, calls, **DEBT).allowed

    @pytest.mark.parametrize(
        ("extra", "why"),
        [
            ({"outcome": Outcome.FAILED}, "a call that never connected to the network"),
            ({"channel": Channel.SMS}, "texts are not counted by Regulation F"),
            ({"campaign": "autumn"}, "another debt (campaign)"),
            ({"seller": "rival"}, "another collector"),
            ({"purpose": Purpose.TELEMARKETING}, "not a collection call"),
        ],
    )
    def test_what_is_not_counted(self, judge, extra: dict[str, object], why: str) -> None:
        """Only placed voice calls about the same debt count (12 CFR 1006.14(b)(2)-(3))."""
        calls = history(*map(past, WEEK), past("2026-03-10T08:30:00-05:00", **extra))
        assert judge([CHECK], TX, REG_F_AT, calls, **DEBT).allowed, why

    @pytest.mark.parametrize("outcome", [Outcome.ANSWERED_MACHINE, Outcome.BUSY, Outcome.ABANDONED])
    def test_unanswered_calls_count(self, judge, outcome: Outcome) -> None:
        """Voicemails, busy signals and abandoned calls are calls placed (12 CFR 1006.14(b)(2))."""
        calls = history(*map(past, WEEK), past("2026-03-10T08:30:00-05:00", outcome=outcome))
        assert not judge([CHECK], TX, REG_F_AT, calls, **DEBT).allowed

    @pytest.mark.parametrize(
        ("talked", "allowed"),
        [
            ("2026-03-04T16:00:00-06:00", False),  # 6 days earlier: today is day 7
            ("2026-03-04T00:05:00-06:00", False),
            ("2026-03-03T23:59:00-06:00", True),  # 7 days earlier: today is day 8
            ("2026-03-03T09:00:00-06:00", True),
        ],
    )
    def test_quiet_days_after_a_conversation(self, judge, talked: str, allowed: bool) -> None:
        """No call within 7 days after a conversation, its day being day 1 (1006.14(b)(2)(ii))."""
        calls = history(past(talked, outcome=Outcome.CONVERSATION))
        decision = judge([CHECK], TX, REG_F_AT, calls, **DEBT)
        assert decision.allowed is allowed
        if not allowed:
            assert "telephone conversation took place on 2026-03-04" in decision.reasons[0].message

    @pytest.mark.parametrize(
        ("at", "allowed"),
        [("2026-03-10T23:59:00-05:00", False), ("2026-03-11T00:00:00-05:00", True)],
    )
    def test_quiet_period_ends_at_local_midnight(self, judge, at: str, allowed: bool) -> None:
        """Day 8 after the conversation starts at local midnight (12 CFR 1006.14(b)(2)(ii))."""
        calls = history(past("2026-03-04T16:00:00-06:00", outcome=Outcome.CONVERSATION))
        assert judge([CHECK], TX, at, calls, **DEBT).allowed is allowed

    def test_text_conversation_starts_no_quiet_period(self, judge) -> None:
        """Only telephone conversations start the quiet period (12 CFR 1006.14(b)(2)(ii))."""
        talk = past("2026-03-08T12:00:00-05:00", outcome=Outcome.CONVERSATION, channel=Channel.SMS)
        assert judge([CHECK], TX, REG_F_AT, history(talk), **DEBT).allowed

    def test_cap_and_quiet_days_are_two_reasons(self, judge) -> None:
        """Both limits are reported when both are reached (12 CFR 1006.14(b)(2))."""
        calls = [past(t) for t in WEEK] + [
            past("2026-03-10T08:30:00-05:00", outcome=Outcome.CONVERSATION)
        ]
        decision = judge([CHECK], TX, "2026-03-10T12:00:00-05:00", history(*calls), **DEBT)
        assert len(decision.reasons) == 2

    @pytest.mark.parametrize(
        ("calls", "expected"),
        [
            ([*WEEK, "2026-03-10T08:30:00-05:00"], "2026-03-11T08:00:00-05:00"),
            (["2026-03-04T16:00:00-06:00"], "2026-03-11T08:00:00-05:00"),
        ],
        ids=["cap", "quiet-days"],
    )
    def test_next_allowed_at(self, judge, calls: list[str], expected: str) -> None:
        """The cap lapses at the local midnight after the window; then the window opens."""
        outcome = Outcome.NO_ANSWER if len(calls) > 1 else Outcome.CONVERSATION
        f = history(*(past(t, outcome=outcome) for t in calls))
        decision = judge([CallingHoursCheck(), CHECK], TX, REG_F_AT, f, **DEBT)
        assert decision.next_allowed_at == datetime.fromisoformat(expected)


class TestSplitTimeZones:
    """Calendar days are counted in every candidate's local time; the strictest wins."""

    CALLS = ("2026-03-03T00:30:00-06:00", *WEEK[:5], "2026-03-09T09:00:00-05:00")
    AT = "2026-03-09T14:00:00-05:00"  # Monday: its window is Mar 3 to Mar 9

    def facts(self, phone: str) -> Facts:
        return history(*(past(t, phone=phone) for t in self.CALLS))

    def test_central_counts_the_call_after_midnight(self, judge) -> None:
        """00:30 in Dallas on Mar 3 is day 1 of the window there (12 CFR 1006.14(b)(2))."""
        assert not judge([CHECK], TX, self.AT, self.facts(TX), **DEBT).allowed

    def test_mountain_does_not(self, judge) -> None:
        """The same instant is 23:30 on Mar 2 in El Paso, outside its window."""
        assert judge([CHECK], EL_PASO, self.AT, self.facts(EL_PASO), **DEBT).allowed

    def test_both_candidates_the_strictest_wins(self, judge) -> None:
        """A Dallas number with an El Paso address is denied, and waits for both zones.

        The cap lapses at midnight in Dallas; 08:00 in El Paso is 09:00 in Dallas.
        """
        address = Address(state="TX", zip="79901")
        decision = judge(
            [CallingHoursCheck(), CHECK], TX, self.AT, self.facts(TX), address=address, **DEBT
        )
        assert {c.tz for c in decision.jurisdictions} == {"America/Chicago", "America/Denver"}
        assert decision.codes == ("FREQUENCY_CAP",)
        assert decision.next_allowed_at == datetime.fromisoformat("2026-03-10T09:00:00-05:00")


class TestFloridaCap:
    """Fla. Stat. 501.616(6)(b): at most 3 sales calls in 24 hours on the same subject."""

    AT = "2026-03-10T15:00:00-04:00"

    def calls(self, *times: str, phone: str = FL, **kw: object) -> Facts:
        fields: dict[str, object] = {"purpose": Purpose.TELEMARKETING, **kw}
        return history(*(past(t, phone=phone, **fields) for t in times))

    @pytest.mark.parametrize(
        ("times", "allowed"),
        [
            (("2026-03-09T16:00:00-04:00", "2026-03-10T09:00:00-04:00"), True),
            (
                (
                    "2026-03-09T16:00:00-04:00",
                    "2026-03-09T18:00:00-04:00",
                    "2026-03-10T09:00:00-04:00",
                ),
                False,
            ),
            (
                (
                    "2026-03-09T15:00:00-04:00",  # exactly 24 hours before: outside
                    "2026-03-09T18:00:00-04:00",
                    "2026-03-10T09:00:00-04:00",
                ),
                True,
            ),
        ],
    )
    def test_three_in_24_hours(self, judge, times: tuple[str, ...], allowed: bool) -> None:
        """A 4th sales call within a rolling 24 hours is denied (Fla. Stat. 501.616(6)(b))."""
        assert judge([CHECK], FL, self.AT, self.calls(*times)).allowed is allowed

    def test_texts_count(self, judge) -> None:
        """Florida's cap counts texts as calls (Fla. Stat. 501.616(6)(b); 501.059)."""
        f = self.calls(
            "2026-03-09T16:00:00-04:00",
            "2026-03-09T18:00:00-04:00",
            "2026-03-10T09:00:00-04:00",
            channel=Channel.SMS,
        )
        assert judge([CHECK], FL, self.AT, f).codes == ("FREQUENCY_CAP",)

    def test_another_subject_is_not_counted(self, judge) -> None:
        """Calls of another campaign are on another subject (Fla. Stat. 501.616(6)(b))."""
        times = ("2026-03-09T16:00:00-04:00", "2026-03-09T18:00:00-04:00")
        f = Facts(history=(*self.calls(*times).history, *self.calls(self.AT, campaign="x").history))
        assert judge([CHECK], FL, self.AT, f).allowed

    def test_only_florida_candidates(self, judge) -> None:
        """A Texas number is not under Florida's cap unless its address is in Florida."""
        times = ("2026-03-09T16:00:00-04:00", "2026-03-09T18:00:00-04:00", "2026-03-10T09:00Z")
        f = self.calls(*times, phone=TX)
        assert judge([CHECK], TX, self.AT, f).allowed
        decision = judge([CHECK], TX, self.AT, f, address=Address(state="FL", zip="33101"))
        assert [r.rule for r in decision.reasons] == ["T-FL-3-IN-24H"]

    def test_next_allowed_is_when_the_oldest_call_leaves(self, judge) -> None:
        """The cap lapses 24 hours after the oldest of the three calls."""
        f = self.calls(
            "2026-03-09T16:00:00-04:00", "2026-03-09T18:00:00-04:00", "2026-03-10T09:00:00-04:00"
        )
        decision = judge([CallingHoursCheck(), CHECK], FL, self.AT, f)
        assert decision.next_allowed_at == datetime.fromisoformat("2026-03-10T16:00:00-04:00")

    @pytest.mark.parametrize(
        ("at", "allowed"),
        [("2026-11-01T19:00:00-05:00", True), ("2026-11-01T18:15:00-05:00", False)],
    )
    def test_rolling_hours_are_real_hours_across_dst(self, judge, at: str, allowed) -> None:
        """Daylight saving time ends Nov 1: 19:30 EDT to 19:00 EST is 24.5 hours, not 23.5."""
        f = self.calls(
            "2026-10-31T19:30:00-04:00", "2026-11-01T10:00:00-05:00", "2026-11-01T12:00:00-05:00"
        )
        decision = judge([CallingHoursCheck(), CHECK], FL, at, f)
        assert decision.allowed is allowed
        if not allowed:
            assert decision.next_allowed_at == datetime.fromisoformat("2026-11-01T18:30:00-05:00")


def test_earliest_keeps_the_asked_offset(context) -> None:
    """``earliest`` answers in the offset it was asked in."""
    f = Facts(
        history=tuple(
            past(t, phone=FL, purpose=Purpose.TELEMARKETING)
            for t in ("2026-03-09T16:00:00-04:00", "2026-03-09T18:00:00-04:00", "2026-03-10T09:00Z")
        )
    )
    ctx = context(FL, "2026-03-10T19:00:00+00:00", f)
    found = CHECK.earliest(ctx, ctx.attempt.at)
    assert found == datetime.fromisoformat("2026-03-10T20:00:00+00:00")
    assert found is not None
    assert found.utcoffset() == ctx.attempt.at.utcoffset()
    assert CHECK.earliest(ctx, found) == found
