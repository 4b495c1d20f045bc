"""Domain values of the pre-contact gate: attempts, channels, purposes, consents, past attempts.

All are frozen dataclasses; every datetime is timezone-aware. Parsing of untrusted input into
these types happens at the edges (CLI, API, importers), never here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from callwarden.core._frozen import replaced


class Channel(enum.StrEnum):
    """How the contact is made. Texts are calls under the TCPA."""

    VOICE = "voice"
    SMS = "sms"


class Purpose(enum.StrEnum):
    """Why the contact is made; decides which rules apply."""

    TELEMARKETING = "telemarketing"
    INFORMATIONAL = "informational"
    DEBT_COLLECTION = "debt_collection"
    HEALTHCARE = "healthcare"
    EMERGENCY = "emergency"


class Method(enum.StrEnum):
    """How the number is dialed or the message delivered."""

    MANUAL = "manual"
    AUTODIALER = "autodialer"
    PREDICTIVE = "predictive"
    PRERECORDED = "prerecorded"


class LineType(enum.StrEnum):
    """The called line's type; unknown is treated as the stricter wireless where it matters."""

    WIRELESS = "wireless"
    LANDLINE = "landline"
    UNKNOWN = "unknown"


class ConsentKind(enum.StrEnum):
    """Kinds of permission a person can give a seller."""

    WRITTEN = "written"  # prior express written consent (47 CFR 64.1200(f)(9))
    EXPRESS = "express"  # prior express consent
    EBR_PURCHASE = "ebr_purchase"  # established business relationship by purchase (18 months)
    EBR_INQUIRY = "ebr_inquiry"  # established business relationship by inquiry (3 months)


class Outcome(enum.StrEnum):
    """Disposition of a past attempt, as the dialer reports it."""

    CONVERSATION = "conversation"
    ANSWERED_MACHINE = "answered_machine"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    ABANDONED = "abandoned"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """The called party's postal address as far as it is known."""

    state: str | None = None
    zip: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One intended contact, as the dialer asks about it."""

    id: str
    phone: str
    at: datetime
    channel: Channel = Channel.VOICE
    purpose: Purpose = Purpose.TELEMARKETING
    method: Method = Method.MANUAL
    campaign: str = ""
    seller: str = ""
    address: Address | None = None
    line_type: LineType = LineType.UNKNOWN

    def __post_init__(self) -> None:
        """Refuse naive datetimes: local time is meaningless without an offset."""
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            msg = "Attempt.at must be timezone-aware"
            raise ValueError(msg)

    def at_instant(self, at: datetime) -> Attempt:
        """The same attempt at another instant: ``dataclasses.replace(self, at=at)``, cheaper.

        The gate moves an attempt forward while it searches ``next_allowed_at``; every other
        field is copied as is.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            msg = "Attempt.at must be timezone-aware"
            raise ValueError(msg)
        return replaced(self, at=at)


@dataclass(frozen=True, slots=True, kw_only=True)
class Consent:
    """A person's permission to a seller, with its evidence and revocation."""

    phone: int
    seller: str
    kind: ConsentKind
    at: datetime
    revoked_at: datetime | None = None
    scope: str | None = None
    evidence: dict[str, object] = field(default_factory=dict)

    def active_at(self, instant: datetime) -> bool:
        """Whether the consent had been given and not yet revoked at ``instant``."""
        if instant < self.at:
            return False
        return self.revoked_at is None or instant < self.revoked_at


@dataclass(frozen=True, slots=True, kw_only=True)
class PastAttempt:
    """A call or text that already happened (from call detail records or ``check --record``)."""

    phone: int
    at: datetime
    seller: str
    campaign: str
    purpose: Purpose
    channel: Channel
    method: Method
    outcome: Outcome
    connect_delay_s: float | None = None
    ring_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyDeclaration:
    """A declared state of emergency during which a state bans telephone solicitation."""

    state: str
    starts_at: datetime
    ends_at: datetime
    citation: str
    zips: frozenset[str] = frozenset()

    def covers(self, state: str, zip_code: str | None, instant: datetime) -> bool:
        """Whether the declaration applies to that place at that instant."""
        if state != self.state or not (self.starts_at <= instant < self.ends_at):
            return False
        if not self.zips:
            return True
        # A declaration limited to some ZIP codes covers an unknown ZIP: fail closed.
        return zip_code is None or zip_code[:5] in self.zips
