"""The gate's answer: a Decision that explains itself with stable reason codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from callwarden.core._frozen import replaced


class ReasonCode(enum.StrEnum):
    """Stable codes of why an attempt is not allowed (documented in ``docs/reasons.md``)."""

    INVALID_NUMBER = "INVALID_NUMBER"
    DNC_NATIONAL = "DNC_NATIONAL"
    DNC_STATE = "DNC_STATE"
    DNC_INTERNAL = "DNC_INTERNAL"
    LITIGATOR = "LITIGATOR"
    DNC_DATA_STALE = "DNC_DATA_STALE"
    NO_CONSENT = "NO_CONSENT"
    CONSENT_REVOKED = "CONSENT_REVOKED"
    OUTSIDE_CALLING_HOURS = "OUTSIDE_CALLING_HOURS"
    RESTRICTED_DAY = "RESTRICTED_DAY"
    FREQUENCY_CAP = "FREQUENCY_CAP"
    ABANDON_RATE = "ABANDON_RATE"
    REASSIGNED_NUMBER = "REASSIGNED_NUMBER"
    EMERGENCY_DECLARATION = "EMERGENCY_DECLARATION"


#: Reasons that only the clock stands behind: waiting makes them go away.
CLOCK_CODES = frozenset(
    {ReasonCode.OUTSIDE_CALLING_HOURS, ReasonCode.RESTRICTED_DAY, ReasonCode.FREQUENCY_CAP}
)


class Confidence(enum.StrEnum):
    """How sure the rule data is about a rule (see ``docs/rules.md``)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """One reason a check denies an attempt."""

    code: ReasonCode
    rule: str
    citation: str
    message: str
    confidence: Confidence = Confidence.HIGH

    def to_dict(self) -> dict[str, str]:
        """Return the JSON form of design.md; ``confidence`` only where it is not high."""
        out = {
            "code": self.code.value,
            "rule": self.rule,
            "citation": self.citation,
            "message": self.message,
        }
        if self.confidence is not Confidence.HIGH:
            out["confidence"] = self.confidence.value
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class JurisdictionCandidate:
    """A place the called party may be: a state (or None when unknown) and an IANA time zone."""

    state: str | None
    tz: str
    source: str  # "number", "address", "fallback"


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """Whether an attempt may go ahead now, and why not."""

    attempt_id: str
    allowed: bool
    reasons: tuple[Reason, ...]
    next_allowed_at: datetime | None
    jurisdictions: tuple[JurisdictionCandidate, ...]
    rule_set: str
    phone_e164: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        """A denial always carries at least one reason; an allow carries none."""
        if self.allowed == bool(self.reasons):
            msg = "a Decision is allowed exactly when it has no reasons"
            raise ValueError(msg)

    def for_attempt(self, attempt_id: str, phone_e164: str | None) -> Decision:
        """The same decision for another attempt that the rules cannot tell apart.

        ``dataclasses.replace(self, attempt_id=..., phone_e164=...)``, cheaper: the decision
        memo hands one decision to many attempts of a batch.
        """
        return replaced(self, attempt_id=attempt_id, phone_e164=phone_e164)

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes, in order, without duplicates."""
        return tuple(dict.fromkeys(r.code.value for r in self.reasons))

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form of ``callwarden check`` output (design.md).

        ``notes`` (what the gate did not apply, and why) appears only when there are some.
        """
        states = sorted({c.state for c in self.jurisdictions if c.state})
        zones = sorted({c.tz for c in self.jurisdictions})
        out: dict[str, object] = {
            "id": self.attempt_id,
            "allowed": self.allowed,
            "reasons": [r.to_dict() for r in self.reasons],
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
            "jurisdictions": {"states": states, "time_zones": zones},
            "rule_set": self.rule_set,
            "phone_e164": self.phone_e164,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out
