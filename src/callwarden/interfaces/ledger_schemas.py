"""Boundary models of the ledgers: consents, call detail records, reassigned numbers, emergencies.

Each model validates one untrusted record (an import line or an API body) and converts it to
core values. Phone numbers are accepted in any common notation, normalized to the 10-digit
national number and checked against the numbering plan. Instants must be ISO 8601 text with a
UTC offset; naive times are refused because the called party's local time cannot be known from
them. No error message repeats the offending value.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from callwarden.core.gate.numbering import US_STATES, NumberingPlan, normalize
from callwarden.core.types import (
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)
from callwarden.errors import InvalidPhoneNumber
from callwarden.interfaces.instants import Instant, instant_text, parse_instant, utc

#: Evidence of a consent is kept as given, up to this many bytes of compact UTF-8 JSON.
EVIDENCE_MAX_BYTES = 64 * 1024
#: The most records one API request may carry.
MAX_BATCH = 10_000
#: Longest plausible ring or connect delay, in seconds.
MAX_SECONDS = 86_400.0
#: "Anywhere on Earth": the last offset at which a calendar day is still current somewhere.
ANYWHERE_ON_EARTH = timezone(timedelta(hours=-12))


def _phone_text(value: object) -> object:
    """Phones may be given as digits in a JSON number; anything else must be text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _seconds(value: object) -> object:
    """Durations are numbers (or numeric text in CSV); booleans are refused."""
    if isinstance(value, bool):
        msg = "must be a number of seconds"
        raise ValueError(msg)
    return value


PhoneText = Annotated[
    str, StringConstraints(min_length=1, max_length=40), BeforeValidator(_phone_text)
]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
Seconds = Annotated[float, BeforeValidator(_seconds), Field(ge=0, le=MAX_SECONDS)]


def national_number(raw: str, plan: NumberingPlan) -> int:
    """The 10-digit national number of ``raw`` if it is a valid, dialable NANP number.

    Raises:
        InvalidPhoneNumber: the text is not a phone number, or not a valid NANP one.
    """
    try:
        number = normalize(raw)
    except InvalidPhoneNumber as exc:
        raise InvalidPhoneNumber(exc.message, details={"field": "phone"}) from exc
    if not plan.is_valid(number):
        raise InvalidPhoneNumber("not a valid, dialable NANP number", details={"field": "phone"})
    return number


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class ConsentIn(_Record):
    """One consent: ``{"phone","seller","kind","at","revoked_at"?,"scope"?,"evidence"?}``."""

    phone: PhoneText
    seller: Name
    kind: ConsentKind
    at: Instant
    revoked_at: Instant | None = None
    scope: str | None = Field(default=None, max_length=1000)
    evidence: dict[str, Any] = Field(default_factory=dict)

    @field_validator("evidence")
    @classmethod
    def _evidence_size(cls, evidence: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(evidence, separators=(",", ":"), ensure_ascii=False).encode())
        if size > EVIDENCE_MAX_BYTES:
            msg = f"evidence is {size} bytes of JSON, over the limit of {EVIDENCE_MAX_BYTES}"
            raise ValueError(msg)
        return evidence

    @model_validator(mode="after")
    def _revoked_after_given(self) -> ConsentIn:
        if self.revoked_at is not None and self.revoked_at < self.at:
            msg = "revoked_at is before at: a consent cannot be revoked before it was given"
            raise ValueError(msg)
        return self

    def to_core(self, plan: NumberingPlan) -> Consent:
        """The core Consent (instants in UTC, evidence as given)."""
        return Consent(
            phone=national_number(self.phone, plan),
            seller=self.seller,
            kind=self.kind,
            at=utc(self.at),
            revoked_at=utc(self.revoked_at) if self.revoked_at else None,
            scope=self.scope,
            evidence=self.evidence,
        )


class ConsentBatchIn(_Record):
    """Up to 10,000 consents in one request."""

    consents: list[ConsentIn] = Field(min_length=1, max_length=MAX_BATCH)


class RevokeIn(_Record):
    """A revocation: every consent of the phone to the seller active at ``at`` ends then."""

    phone: PhoneText
    seller: Name
    at: Instant | None = None


class AttemptRecordIn(_Record):
    """One call detail record, as in ``callwarden history import``."""

    phone: PhoneText
    at: Instant
    seller: Name
    campaign: str = Field(max_length=200)
    purpose: Purpose
    channel: Channel
    method: Method
    outcome: Outcome
    connect_delay_s: Seconds | None = None
    ring_s: Seconds | None = None

    def to_core(self, plan: NumberingPlan) -> PastAttempt:
        """The core PastAttempt."""
        return PastAttempt(
            phone=national_number(self.phone, plan),
            at=utc(self.at),
            seller=self.seller,
            campaign=self.campaign,
            purpose=self.purpose,
            channel=self.channel,
            method=self.method,
            outcome=self.outcome,
            connect_delay_s=self.connect_delay_s,
            ring_s=self.ring_s,
        )


class HistoryBatchIn(_Record):
    """Up to 10,000 call detail records in one request."""

    attempts: list[AttemptRecordIn] = Field(min_length=1, max_length=MAX_BATCH)


def _disconnection(value: object) -> object:
    """A bare date means the whole day: disconnected by its end, anywhere on Earth."""
    if isinstance(value, str) and len(value) == len("2026-01-31"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=ANYWHERE_ON_EARTH)
    return instant_text(value)


class ReassignedIn(_Record):
    """A permanently disconnected number: ``phone,disconnected_at``.

    ``disconnected_at`` is an ISO 8601 instant with offset, or a date (``2026-01-31``) as the
    reassigned-numbers data reports it. A date is read as the end of that day anywhere on
    Earth (UTC-12), so that every consent given on or before that day counts as given before
    the disconnection: the reading that fails closed.
    """

    phone: PhoneText
    disconnected_at: Annotated[AwareDatetime, BeforeValidator(_disconnection)]

    def to_core(self, plan: NumberingPlan) -> tuple[int, datetime]:
        """(national number, disconnection instant in UTC)."""
        return national_number(self.phone, plan), utc(self.disconnected_at)


class EmergencyIn(_Record):
    """A declared emergency during which a state bans telephone solicitation."""

    state: str = Field(min_length=2, max_length=2)
    zips: list[Annotated[str, Field(pattern=r"^\d{5}$")]] = Field(
        default_factory=list, max_length=5000
    )
    starts_at: Instant
    ends_at: Instant
    citation: str = Field(min_length=3, max_length=1000)

    @field_validator("state")
    @classmethod
    def _us_state(cls, state: str) -> str:
        state = state.upper()
        if state not in US_STATES:
            msg = "state must be the two-letter code of a US state or DC"
            raise ValueError(msg)
        return state

    @model_validator(mode="after")
    def _ends_after_start(self) -> EmergencyIn:
        if self.ends_at <= self.starts_at:
            msg = "ends_at must be after starts_at"
            raise ValueError(msg)
        return self

    def to_core(self) -> EmergencyDeclaration:
        """The core EmergencyDeclaration."""
        return EmergencyDeclaration(
            state=self.state,
            starts_at=utc(self.starts_at),
            ends_at=utc(self.ends_at),
            citation=self.citation.strip(),
            zips=frozenset(self.zips),
        )


__all__ = [
    "EVIDENCE_MAX_BYTES",
    "MAX_BATCH",
    "AttemptRecordIn",
    "ConsentBatchIn",
    "ConsentIn",
    "EmergencyIn",
    "HistoryBatchIn",
    "ReassignedIn",
    "RevokeIn",
    "national_number",
    "parse_instant",
]
