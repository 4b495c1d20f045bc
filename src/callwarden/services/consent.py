"""The consent ledger use cases: record consents with their evidence, revoke them, show them.

A consent is a person's permission to one seller: prior express written consent
(47 CFR 64.1200(f)(9)), prior express consent (47 CFR 64.1200(a)(1)), or an established
business relationship by purchase or inquiry (47 CFR 64.1200(f)(5); 16 CFR 310.2). A person may
revoke consent by any reasonable means (47 CFR 64.1200(a)(10)-(12)); the ledger records the
instant the revocation was made and the gate blocks from then on, stricter than the ten business
days the rule allows for honoring it. Rows are never deleted: the ledger is the seller's proof
of what it knew and when.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from callwarden.core.gate.numbering import e164
from callwarden.core.ports import Clock, UnitOfWork
from callwarden.core.types import Consent
from callwarden.errors import InvalidInput, NotFound


class ConsentState(enum.StrEnum):
    """Where a consent stands at an instant."""

    ACTIVE = "active"
    REVOKED = "revoked"
    NOT_YET = "not_yet"  # given with a start in the future


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentStatus:
    """A stored consent and its state as of ``as_of``."""

    consent: Consent
    state: ConsentState
    as_of: datetime

    def to_dict(self) -> dict[str, object]:
        """The JSON form used by ``consent show --json`` and the API."""
        c = self.consent
        return {
            "phone": e164(c.phone),
            "seller": c.seller,
            "kind": c.kind.value,
            "at": c.at.isoformat(),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "scope": c.scope,
            "evidence": c.evidence,
            "state": self.state.value,
        }


def state_of(consent: Consent, instant: datetime) -> ConsentState:
    """The state of a consent at ``instant``."""
    if instant < consent.at:
        return ConsentState.NOT_YET
    if consent.active_at(instant):
        return ConsentState.ACTIVE
    return ConsentState.REVOKED


@dataclass(frozen=True, slots=True, kw_only=True)
class Revocation:
    """What a revocation did."""

    phone: int
    seller: str
    at: datetime
    revoked: int


class ConsentService:
    """Record, revoke and show consents."""

    def __init__(self, *, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        """Compose with a unit-of-work factory and a clock."""
        self.uow = uow
        self.clock = clock

    def record(self, consents: Iterable[Consent]) -> int:
        """Store consents in one transaction; return how many were stored.

        ``consents`` may be a generator over a large file: it is consumed inside the
        transaction, so an error while reading it stores nothing.
        """
        with self.uow() as uow:
            stored = uow.consents.add(consents)
            uow.commit()
        return stored

    def revoke(self, phone: int, seller: str, at: datetime | None = None) -> Revocation:
        """End every consent of ``phone`` to ``seller`` active at ``at`` (default: now).

        Raises:
            InvalidInput: ``at`` is naive.
            NotFound: the ledger holds no consent of the number to the seller.
        """
        instant = at if at is not None else self.clock.now()
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise InvalidInput("the revocation time needs a UTC offset")
        instant = instant.astimezone(UTC)
        with self.uow() as uow:
            if not uow.consents.for_number(phone, seller):
                raise NotFound(
                    f"no consent of the number ending {phone % 10_000:04d} to seller {seller!r}",
                    details={"seller": seller},
                )
            revoked = uow.consents.revoke(phone, seller, instant)
            uow.commit()
        return Revocation(phone=phone, seller=seller, at=instant, revoked=revoked)

    def show(self, phone: int) -> list[ConsentStatus]:
        """Every consent of a number to any seller, oldest first, with its state now."""
        now = self.clock.now()
        with self.uow() as uow:
            consents = uow.consents.all_for_number(phone)
        return [ConsentStatus(consent=c, state=state_of(c, now), as_of=now) for c in consents]
