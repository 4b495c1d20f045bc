"""SQL implementations of the core ports (consent ledger, history, reassigned, emergencies)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from callwarden.core.gate.context import AbandonStats
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
from callwarden.storage.db.tables import (
    AttemptRow,
    ConsentRow,
    EmergencyRow,
    ListExemptionRow,
    ReassignedRow,
)


class SqlConsentRepository:
    """The consent ledger in SQL."""

    def __init__(self, session: Session) -> None:
        """Bind to a session (the unit of work owns the transaction)."""
        self.session = session

    def for_number(self, phone: int, seller: str) -> tuple[Consent, ...]:
        """Every consent of a number to a seller, oldest first."""
        rows = self.session.scalars(
            select(ConsentRow)
            .where(ConsentRow.phone == phone, ConsentRow.seller == seller)
            .order_by(ConsentRow.at, ConsentRow.id)
        )
        return tuple(_consent(r) for r in rows)

    def all_for_number(self, phone: int) -> tuple[Consent, ...]:
        """Every consent of a number to any seller."""
        rows = self.session.scalars(
            select(ConsentRow).where(ConsentRow.phone == phone).order_by(ConsentRow.at)
        )
        return tuple(_consent(r) for r in rows)

    def add(self, consents: Iterable[Consent]) -> int:
        """Store consents."""
        now = datetime.now(UTC)
        rows = [
            ConsentRow(
                phone=c.phone,
                seller=c.seller,
                kind=c.kind.value,
                at=c.at,
                revoked_at=c.revoked_at,
                scope=c.scope,
                evidence=dict(c.evidence),
                created_at=now,
            )
            for c in consents
        ]
        self.session.add_all(rows)
        return len(rows)

    def revoke(self, phone: int, seller: str, at: datetime) -> int:
        """Revoke every consent still active at ``at``."""
        result = self.session.execute(
            update(ConsentRow)
            .where(
                ConsentRow.phone == phone,
                ConsentRow.seller == seller,
                ConsentRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _consent(row: ConsentRow) -> Consent:
    return Consent(
        phone=row.phone,
        seller=row.seller,
        kind=ConsentKind(row.kind),
        at=row.at,
        revoked_at=row.revoked_at,
        scope=row.scope,
        evidence=dict(row.evidence or {}),
    )


class SqlAttemptHistory:
    """Call history in SQL."""

    def __init__(self, session: Session) -> None:
        """Bind to a session."""
        self.session = session

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """Attempts to the number by the seller since ``since``, oldest first."""
        rows = self.session.scalars(
            select(AttemptRow)
            .where(AttemptRow.phone == phone, AttemptRow.seller == seller, AttemptRow.at >= since)
            .order_by(AttemptRow.at, AttemptRow.id)
        )
        return tuple(_attempt(r) for r in rows)

    def add(self, attempts: Sequence[PastAttempt], source: str) -> int:
        """Store attempts."""
        self.session.add_all(
            AttemptRow(
                phone=a.phone,
                at=a.at,
                seller=a.seller,
                campaign=a.campaign,
                purpose=a.purpose.value,
                channel=a.channel.value,
                method=a.method.value,
                outcome=a.outcome.value,
                connect_delay_s=a.connect_delay_s,
                ring_s=a.ring_s,
                source=source,
            )
            for a in attempts
        )
        return len(attempts)

    def abandonment(
        self, campaign: str, since: datetime, until: datetime, connect_within_s: float
    ) -> AbandonStats:
        """Live-answered and abandoned calls of a campaign in [since, until).

        A call counts as answered by a person when its outcome is a conversation or an
        abandonment; it is abandoned when marked so or when the agent connected more than
        ``connect_within_s`` seconds after the greeting.
        """
        live = AttemptRow.outcome.in_((Outcome.CONVERSATION.value, Outcome.ABANDONED.value))
        abandoned = (AttemptRow.outcome == Outcome.ABANDONED.value) | and_(
            AttemptRow.outcome == Outcome.CONVERSATION.value,
            AttemptRow.connect_delay_s > connect_within_s,
        )
        window = and_(
            AttemptRow.campaign == campaign,
            AttemptRow.at >= since,
            AttemptRow.at < until,
            AttemptRow.channel == Channel.VOICE.value,
        )
        answered = self.session.scalar(select(func.count()).where(window, live)) or 0
        lost = self.session.scalar(select(func.count()).where(window, live, abandoned)) or 0
        return AbandonStats(campaign=campaign, answered_live=answered, abandoned=lost)


def _attempt(row: AttemptRow) -> PastAttempt:
    return PastAttempt(
        phone=row.phone,
        at=row.at,
        seller=row.seller,
        campaign=row.campaign,
        purpose=Purpose(row.purpose),
        channel=Channel(row.channel),
        method=Method(row.method),
        outcome=Outcome(row.outcome),
        connect_delay_s=row.connect_delay_s,
        ring_s=row.ring_s,
    )


class SqlReassignedNumbers:
    """Reassigned-number data in SQL."""

    def __init__(self, session: Session) -> None:
        """Bind to a session."""
        self.session = session

    def disconnected_at(self, phone: int) -> datetime | None:
        """When the number was permanently disconnected, if ever."""
        return self.session.scalar(
            select(ReassignedRow.disconnected_at).where(ReassignedRow.phone == phone)
        )

    def upsert(self, phone: int, disconnected_at: datetime, source: str) -> None:
        """Record (or move later) a disconnection."""
        row = self.session.get(ReassignedRow, phone)
        if row is None:
            self.session.add(
                ReassignedRow(phone=phone, disconnected_at=disconnected_at, source=source)
            )
        elif disconnected_at > row.disconnected_at:
            row.disconnected_at = disconnected_at
            row.source = source


class SqlEmergencies:
    """Declared emergencies in SQL."""

    def __init__(self, session: Session) -> None:
        """Bind to a session."""
        self.session = session

    def active(self, states: Iterable[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        """Declarations of these states in force at ``at``."""
        wanted = sorted(set(states))
        if not wanted:
            return ()
        rows = self.session.scalars(
            select(EmergencyRow).where(
                EmergencyRow.state.in_(wanted),
                EmergencyRow.starts_at <= at,
                EmergencyRow.ends_at > at,
            )
        )
        return tuple(_emergency(r) for r in rows)

    def all(self) -> tuple[EmergencyDeclaration, ...]:
        """Every declaration, newest first."""
        rows = self.session.scalars(select(EmergencyRow).order_by(EmergencyRow.starts_at.desc()))
        return tuple(_emergency(r) for r in rows)

    def add(self, declaration: EmergencyDeclaration) -> None:
        """Store a declaration."""
        self.session.add(
            EmergencyRow(
                state=declaration.state,
                zips={"zips": sorted(declaration.zips)},
                starts_at=declaration.starts_at,
                ends_at=declaration.ends_at,
                citation=declaration.citation,
                created_at=datetime.now(UTC),
            )
        )


def _emergency(row: EmergencyRow) -> EmergencyDeclaration:
    return EmergencyDeclaration(
        state=row.state,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        citation=row.citation,
        zips=frozenset((row.zips or {}).get("zips", [])),
    )


class SqlSellerPolicies:
    """Per-seller list exemptions in SQL."""

    def __init__(self, session: Session) -> None:
        """Bind to a session."""
        self.session = session

    def exemptions(self, seller: str) -> Mapping[str, str]:
        """List name -> reason for lists that do not apply to the seller."""
        rows = self.session.scalars(
            select(ListExemptionRow).where(ListExemptionRow.seller == seller)
        )
        return {r.list_name: r.reason for r in rows}

    def set_exemption(self, seller: str, list_name: str, reason: str) -> None:
        """Say that a list does not apply to a seller, with the reason decisions will cite."""
        row = self.session.scalar(
            select(ListExemptionRow).where(
                ListExemptionRow.seller == seller, ListExemptionRow.list_name == list_name
            )
        )
        if row is None:
            self.session.add(
                ListExemptionRow(
                    seller=seller, list_name=list_name, reason=reason, created_at=datetime.now(UTC)
                )
            )
        else:
            row.reason = reason
