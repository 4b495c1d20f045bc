"""SQLAlchemy 2 models of what the gate stores. The schema itself is made by Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite's naive values come back marked UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime cannot be stored"
            raise ValueError(msg)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes on every backend."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class ConsentRow(Base):
    """A consent in the ledger (append and revoke; never deleted)."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[int] = mapped_column(BigInteger, nullable=False)
    seller: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    scope: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    __table_args__ = (Index("ix_consents_phone_seller", "phone", "seller"),)


class AttemptRow(Base):
    """A past contact attempt (call detail record or a recorded allowed check)."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[int] = mapped_column(BigInteger, nullable=False)
    at: Mapped[datetime] = mapped_column(nullable=False)
    seller: Mapped[str] = mapped_column(String(200), nullable=False)
    campaign: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    method: Mapped[str] = mapped_column(String(20), nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    connect_delay_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    ring_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="import")
    __table_args__ = (
        Index("ix_attempts_phone_seller_at", "phone", "seller", "at"),
        Index("ix_attempts_campaign_at", "campaign", "at"),
        Index(
            "ix_attempts_campaign_live", "campaign", "channel", "at", "outcome", "connect_delay_s"
        ),
    )


class ReassignedRow(Base):
    """A number permanently disconnected at some time (from a reassigned-numbers file)."""

    __tablename__ = "reassigned_numbers"
    phone: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    disconnected_at: Mapped[datetime] = mapped_column(nullable=False)
    source: Mapped[str] = mapped_column(String(300), nullable=False, default="")


class EmergencyRow(Base):
    """A declared emergency during which a state bans telephone solicitation."""

    __tablename__ = "emergencies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    zips: Mapped[dict[str, Any]] = mapped_column(nullable=False, default=dict)
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    citation: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)


class DncImportRow(Base):
    """One import into a DNC list: what file, when, how many rows."""

    __tablename__ = "dnc_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # full, changes, add, remove
    at: Mapped[datetime] = mapped_column(nullable=False)
    file_name: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    file_size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    added: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    removed: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    total: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ListExemptionRow(Base):
    """A seller's statement that a list does not apply to it, with the reason decisions cite."""

    __tablename__ = "list_exemptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seller: Mapped[str] = mapped_column(String(200), nullable=False)
    list_name: Mapped[str] = mapped_column(String(40), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    __table_args__ = (UniqueConstraint("seller", "list_name"),)


class ApiKeyRow(Base):
    """An API key: only its SHA-256 is stored; the key is shown once at creation."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SellerRow(Base):
    """A seller's gate policy."""

    __tablename__ = "sellers"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    litigator_blocks: Mapped[bool] = mapped_column(nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)


__all__ = ["Base", "ForeignKey"]
