"""Ledger records are validated at the boundary: every kind of bad input is refused, unechoed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from callwarden.core.types import ConsentKind, Outcome
from callwarden.errors import InvalidInput, InvalidPhoneNumber
from callwarden.interfaces.imports import describe
from callwarden.interfaces.ledger_schemas import (
    EVIDENCE_MAX_BYTES,
    AttemptRecordIn,
    ConsentIn,
    EmergencyIn,
    ReassignedIn,
    parse_instant,
)

CONSENT: dict[str, Any] = {
    "phone": "+1 (541) 234-5678",
    "seller": "acme",
    "kind": "written",
    "at": "2025-11-14T18:22:05-08:00",
    "evidence": {"form_url": "https://acme.example/signup", "ip": "203.0.113.24"},
}
RECORD: dict[str, Any] = {
    "phone": "214.234.5678",
    "at": "2026-03-02T10:02:11-06:00",
    "seller": "acme",
    "campaign": "spring",
    "purpose": "telemarketing",
    "channel": "voice",
    "method": "predictive",
    "outcome": "conversation",
    "connect_delay_s": 0.6,
    "ring_s": 9,
}


def refused(model: Any, data: object, plan: Any = None) -> str:
    """The rejection message for ``data`` (validation and number checks both)."""
    with pytest.raises((ValidationError, InvalidInput)) as caught:
        value = model.model_validate(data)
        if plan is not None:
            value.to_core(plan)
    return describe(caught.value)


class TestConsentIn:
    def test_a_good_line_becomes_a_consent_in_utc_with_evidence_as_given(self, plan: Any) -> None:
        """Any notation is normalized; the instant is kept, in UTC; evidence is untouched."""
        consent = ConsentIn.model_validate(CONSENT).to_core(plan)
        assert consent.phone == 5412345678
        assert consent.kind is ConsentKind.WRITTEN
        assert consent.at == datetime(2025, 11, 15, 2, 22, 5, tzinfo=UTC)
        assert consent.evidence == CONSENT["evidence"]

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"kind": "verbal"}, "kind: Input should be 'written', 'express'"),
            ({"kind": 3}, "kind: Input should be"),
            ({"at": "2025-11-14T18:22:05"}, "at: Input should have timezone info"),
            ({"at": "2025-11-14"}, "at: Input should have timezone info"),
            ({"at": 1763173325}, "at: must be an ISO 8601 date-time text with a UTC offset"),
            ({"at": "yesterday"}, "at: Input should be a valid datetime"),
            ({"revoked_at": "2025-11-01T00:00:00Z"}, "(line): revoked_at is before at"),
            ({"seller": ""}, "seller: String should have at least 1 character"),
            ({"seller": " acme"}, "seller: String should match pattern"),
            ({"seller": 42}, "seller: Input should be a valid string"),
            ({"evidence": ["form"]}, "evidence: Input should be a valid dictionary"),
            ({"scope": "x" * 1001}, "scope: String should have at most 1000 characters"),
            ({"ssn": "123-45-6789"}, "ssn: Extra inputs are not permitted"),
            ({"phone": None}, "phone: Input should be a valid string"),
            ({"phone": True}, "phone: Input should be a valid string"),
        ],
    )
    def test_bad_fields_are_refused_by_name(self, change: dict[str, Any], expected: str) -> None:
        """Unknown kinds, naive or numeric times, revocation before consent, wrong types."""
        message = refused(ConsentIn, {**CONSENT, **change})
        assert message.startswith(expected)
        assert "123-45-6789" not in message

    @pytest.mark.parametrize("missing", ["phone", "seller", "kind", "at"])
    def test_required_fields_are_required(self, missing: str) -> None:
        """Each of phone, seller, kind and at must be present."""
        data = {k: v for k, v in CONSENT.items() if k != missing}
        assert refused(ConsentIn, data) == f"{missing}: Field required"

    @pytest.mark.parametrize("value", [[CONSENT], "a consent", 5, None])
    def test_a_line_must_be_an_object(self, value: object) -> None:
        """Arrays, strings, numbers and null are not consents."""
        assert refused(ConsentIn, value).startswith("(line): Input should be")

    @pytest.mark.parametrize(
        ("phone", "why"),
        [
            ("214-234-567", "expected 10 digits, got 9"),
            ("+44 20 7946 0958", "only NANP (+1) numbers"),
            ("911-234-5678", "not a valid, dialable NANP number"),
            ("(214) 111-5678", "not a valid, dialable NANP number"),
            ("4111 1111 1111 1111", "expected 10 digits, got 16"),
            ("x" * 41, "at most 40 characters"),
        ],
    )
    def test_bad_numbers_are_refused_without_echo(self, plan: Any, phone: str, why: str) -> None:
        """Short, foreign, N11, 1-leading exchange and card-like numbers are refused."""
        message = refused(ConsentIn, {**CONSENT, "phone": phone}, plan)
        assert why in message
        assert "4111" not in message

    def test_a_consent_revoked_when_given_is_accepted(self, plan: Any) -> None:
        """revoked_at equal to at is not before it (the consent was never in force)."""
        consent = ConsentIn.model_validate({**CONSENT, "revoked_at": CONSENT["at"]}).to_core(plan)
        assert consent.revoked_at == consent.at
        assert not consent.active_at(consent.at)

    def test_evidence_at_the_limit_is_kept_and_over_it_refused(self) -> None:
        """64 KiB of compact JSON evidence is the limit."""
        overhead = len('{"text_shown":""}')
        ok = {"text_shown": "a" * (EVIDENCE_MAX_BYTES - overhead)}
        assert ConsentIn.model_validate({**CONSENT, "evidence": ok}).evidence == ok
        big = {"text_shown": "a" * (EVIDENCE_MAX_BYTES - overhead + 1)}
        message = refused(ConsentIn, {**CONSENT, "evidence": big})
        assert message.startswith("evidence: evidence is 65537 bytes of JSON, over the limit")

    def test_nested_evidence_is_kept_exactly(self, plan: Any) -> None:
        """A recording id, nested objects, numbers and unicode survive as given."""
        evidence = {
            "recording": {"id": "rec-20250601-0042", "seconds": 41.5, "agent": "a.moreno"},
            "text_shown": "Acepto recibir llamadas y mensajes de Acme — responda ALTO.",
            "checkboxes": [True, False],
        }
        consent = ConsentIn.model_validate({**CONSENT, "evidence": evidence}).to_core(plan)
        assert consent.evidence == evidence


class TestAttemptRecordIn:
    def test_a_json_record_becomes_a_past_attempt(self, plan: Any) -> None:
        """Numbers, enums and durations are converted; the instant is in UTC."""
        attempt = AttemptRecordIn.model_validate(RECORD).to_core(plan)
        assert attempt.phone == 2142345678
        assert attempt.outcome is Outcome.CONVERSATION
        assert attempt.at == datetime(2026, 3, 2, 16, 2, 11, tzinfo=UTC)
        assert attempt.ring_s == 9.0

    def test_a_csv_record_of_text_values_is_accepted(self, plan: Any) -> None:
        """CSV fields arrive as text; numbers in text are read."""
        row = {k: str(v) for k, v in RECORD.items()}
        attempt = AttemptRecordIn.model_validate(row).to_core(plan)
        assert attempt.connect_delay_s == 0.6

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"outcome": "hung_up"}, "outcome"),
            ({"purpose": "sales"}, "purpose"),
            ({"channel": "fax"}, "channel"),
            ({"method": "robocall"}, "method"),
            ({"connect_delay_s": -1}, "connect_delay_s"),
            ({"connect_delay_s": True}, "connect_delay_s"),
            ({"connect_delay_s": "two"}, "connect_delay_s"),
            ({"ring_s": 90_000}, "ring_s"),
            ({"ring_s": "inf"}, "ring_s"),
            ({"at": "2026-03-02 10:02:11"}, "at"),
            ({"campaign": None}, "campaign"),
        ],
    )
    def test_bad_fields_are_refused(self, change: dict[str, Any], field: str) -> None:
        """Unknown enums; negative, boolean, absurd or infinite seconds; naive times."""
        assert refused(AttemptRecordIn, {**RECORD, **change}).startswith(field + ":")

    def test_campaign_is_required_even_if_empty(self) -> None:
        """The campaign key must be present; an empty one is allowed (no campaign)."""
        data = {k: v for k, v in RECORD.items() if k != "campaign"}
        assert refused(AttemptRecordIn, data) == "campaign: Field required"
        assert AttemptRecordIn.model_validate({**RECORD, "campaign": ""}).campaign == ""


class TestReassignedIn:
    def test_an_instant_is_kept(self, plan: Any) -> None:
        """An ISO instant with offset is stored as given, in UTC."""
        phone, at = ReassignedIn.model_validate(
            {"phone": "2142345678", "disconnected_at": "2026-01-31T15:00:00-05:00"}
        ).to_core(plan)
        assert (phone, at) == (2142345678, datetime(2026, 1, 31, 20, tzinfo=UTC))

    def test_a_date_means_the_end_of_that_day_anywhere(self, plan: Any) -> None:
        """A bare date counts every consent given that day, anywhere, as before it."""
        _, at = ReassignedIn.model_validate(
            {"phone": "2142345678", "disconnected_at": "2026-01-31"}
        ).to_core(plan)
        assert at == datetime(2026, 2, 1, 12, tzinfo=UTC)
        hawaii_evening = datetime(2026, 1, 31, 23, 59, tzinfo=timezone(timedelta(hours=-10)))
        assert hawaii_evening < at

    @pytest.mark.parametrize(
        "value", ["2026-01-31T15:00:00", "2026-02-30", "31/01/2026", 20260131, ""]
    )
    def test_bad_dates_are_refused(self, value: object) -> None:
        """Naive instants, impossible dates, other formats and numbers are refused."""
        message = refused(ReassignedIn, {"phone": "2142345678", "disconnected_at": value})
        assert message.startswith("disconnected_at:")


class TestEmergencyIn:
    BASE: dict[str, Any] = {  # noqa: RUF012 - read-only test data
        "state": "fl",
        "zips": ["32401", "32402"],
        "starts_at": "2026-09-01T00:00:00-04:00",
        "ends_at": "2026-09-15T00:00:00-04:00",
        "citation": "Executive Order 26-101",
    }

    def test_a_declaration_is_normalized(self) -> None:
        """The state is upper-cased; times are in UTC."""
        declaration = EmergencyIn.model_validate(self.BASE).to_core()
        assert declaration.state == "FL"
        assert declaration.zips == frozenset({"32401", "32402"})
        assert declaration.starts_at == datetime(2026, 9, 1, 4, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"state": "XX"}, "state"),
            ({"state": "Florida"}, "state"),
            ({"zips": ["3240"]}, "zips.0"),
            ({"starts_at": "2026-09-01T00:00:00"}, "starts_at"),
            ({"ends_at": "2026-08-31T00:00:00-04:00"}, "(line)"),
            ({"citation": ""}, "citation"),
        ],
    )
    def test_bad_declarations_are_refused(self, change: dict[str, Any], field: str) -> None:
        """Unknown states, bad ZIPs, naive or inverted times and missing citations."""
        assert refused(EmergencyIn, {**self.BASE, **change}).startswith(field + ":")


class TestParseInstant:
    def test_an_instant_with_offset_is_read_in_utc(self) -> None:
        """Command-line instants keep their meaning and come back in UTC."""
        at = parse_instant("2026-03-03T09:00:00-06:00", "--at")
        assert at == datetime(2026, 3, 3, 15, tzinfo=UTC)

    @pytest.mark.parametrize("text", ["2026-03-03T09:00:00", "2026-03-03", "now", ""])
    def test_anything_else_names_the_option(self, text: str) -> None:
        """Naive, date-only and free text are refused with the option's name."""
        with pytest.raises(InvalidInput, match="--at must be an ISO 8601"):
            parse_instant(text, "--at")


def test_phone_numbers_in_json_numbers_are_accepted(plan: Any) -> None:
    """Dialers often export the phone as a JSON number."""
    consent = ConsentIn.model_validate({**CONSENT, "phone": 5412345678}).to_core(plan)
    assert consent.phone == 5412345678


def test_an_invalid_number_raises_the_phone_error(plan: Any) -> None:
    """The number check raises InvalidPhoneNumber, so callers can tell it apart."""
    with pytest.raises(InvalidPhoneNumber):
        ConsentIn.model_validate({**CONSENT, "phone": "(214) 011-5678"}).to_core(plan)
