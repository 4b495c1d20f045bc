"""SQL implementations of the core ports (consent ledger, history, reassigned, emergencies)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    and_,
    any_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from callwarden.core.gate.context import AbandonStats
from callwarden.core.ports import HourlyCalls
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

#: Rows per executemany batch of a bulk insert.
BULK_ROWS = 5_000
#: Keys per ``IN (...)`` list (well under SQLite's and PostgreSQL's parameter limits).
_IN_CHUNK = 1_000
#: Numbers per query where they are bound as one array (``_among``).
_LIST_CHUNK = 20_000


class SqlConsentRepository:
    """The consent ledger in SQL."""

    def __init__(self, session: Session) -> None:
        """Bind to a session (the unit of work owns the transaction)."""
        self.session = session

    def for_number(self, phone: int, seller: str) -> tuple[Consent, ...]:
        """Every consent of a number to a seller, oldest first."""
        # Columns, not entities: the gate's hot path skips the ORM's identity map.
        rows = self.session.execute(
            select(*_CONSENT_COLUMNS)
            .where(ConsentRow.phone == phone, ConsentRow.seller == seller)
            .order_by(ConsentRow.at, ConsentRow.id)
        )
        return tuple(consent_of(r) for r in rows)

    def consents_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str
    ) -> dict[int, tuple[Consent, ...]]:
        """Every consent of each number to a seller, oldest first (chunked ``IN`` queries)."""
        where = [ConsentRow.seller == seller]
        found: dict[int, list[Consent]] = {}
        for chunk in _numbers_in(self.session, ConsentRow.phone, where, phones):
            rows = self.session.execute(
                select(*_CONSENT_COLUMNS)
                .where(_among(self.session, ConsentRow.phone, chunk), *where)
                .order_by(ConsentRow.phone, ConsentRow.at, ConsentRow.id)
            )
            for row in rows:
                found.setdefault(row.phone, []).append(consent_of(row))
        return {phone: tuple(items) for phone, items in found.items()}

    def any_for_seller(self, seller: str) -> bool:
        """Whether the seller holds any consent (stops at the first row)."""
        query = select(ConsentRow.id).where(ConsentRow.seller == seller).limit(1)
        return self.session.scalar(query) is not None

    def all_for_number(self, phone: int) -> tuple[Consent, ...]:
        """Every consent of a number to any seller."""
        rows = self.session.scalars(
            select(ConsentRow).where(ConsentRow.phone == phone).order_by(ConsentRow.at)
        )
        return tuple(consent_of(r) for r in rows)

    def add(self, consents: Iterable[Consent]) -> int:
        """Store consents with bulk inserts of ``BULK_ROWS`` rows."""
        now = datetime.now(UTC)
        rows = (
            {
                "phone": c.phone,
                "seller": c.seller,
                "kind": c.kind.value,
                "at": c.at,
                "revoked_at": c.revoked_at,
                "scope": c.scope,
                "evidence": dict(c.evidence),
                "created_at": now,
            }
            for c in consents
        )
        return _insert_chunks(self.session, ConsentRow, rows)

    def revoke(self, phone: int, seller: str, at: datetime) -> int:
        """Revoke every consent active at ``at``: given by then and not yet revoked.

        A consent whose revocation was set for a later instant is revoked at ``at`` instead;
        a consent given after ``at`` is left alone (a person may consent again).
        """
        result = self.session.execute(
            update(ConsentRow)
            .where(
                ConsentRow.phone == phone,
                ConsentRow.seller == seller,
                ConsentRow.at <= at,
                or_(ConsentRow.revoked_at.is_(None), ConsentRow.revoked_at > at),
            )
            .values(revoked_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _numbers_in(
    session: Session, column: Any, where: Sequence[Any], phones: npt.NDArray[np.int64]
) -> Iterator[list[int]]:
    """The asked numbers that may have rows, in ``IN``-sized chunks.

    When the table holds fewer rows than numbers are asked for, its matching numbers are read
    once and intersected in memory; otherwise every asked number is looked up by index. The
    table's rows are counted only up to that many (a full count, or one filtered on a column
    without an index, reads the whole table).
    """
    if len(phones) == 0:
        return
    wanted = _distinct(np.asarray(phones, dtype=np.int64))
    first = select(column).limit(wanted.size).subquery()
    stored = session.scalar(select(func.count()).select_from(first)) or 0
    if stored == 0:
        return
    if stored < wanted.size:
        present = np.fromiter(session.scalars(select(column).where(*where)), dtype=np.int64)
        at = np.minimum(np.searchsorted(wanted, present), wanted.size - 1)
        wanted = _distinct(present[wanted[at] == present])
    step = _LIST_CHUNK if _takes_a_list(session) else _IN_CHUNK
    for start in range(0, wanted.size, step):
        yield wanted[start : start + step].tolist()


def _among(session: Session, column: Any, numbers: list[int]) -> ColumnElement[bool]:
    """``column IN numbers`` with the numbers bound as one value where the database allows.

    PostgreSQL takes an array (``= ANY(:numbers)``), SQLite a JSON array read by
    ``json_each``: one parameter, so the statement is compiled once and cached, where an
    ``IN`` list of a thousand parameters is rendered anew each time (about three quarters of
    the time of a read of a batch's consents, measured on SQLite).
    """
    clause: ColumnElement[bool]
    if not _takes_a_list(session):
        clause = column.in_(numbers)
    elif session.get_bind().dialect.name == "postgresql":
        # Imported here: the PostgreSQL dialect costs an embedded SQLite process 60 ms to load.
        from sqlalchemy.dialects.postgresql import ARRAY  # noqa: PLC0415

        clause = column == any_(bindparam(None, numbers, ARRAY(BigInteger)))
    else:
        listed = func.json_each(bindparam(None, json.dumps(numbers)))
        clause = column.in_(select(literal_column("value")).select_from(listed))
    return clause


def _takes_a_list(session: Session) -> bool:
    """Whether the database takes the asked numbers as one value (``_among``)."""
    dialect = session.get_bind().dialect.name
    return dialect == "postgresql" or (dialect == "sqlite" and SQLITE_HAS_JSON)


#: SQLite has ``json_each`` built in from 3.38 (earlier, only where JSON1 was compiled in).
SQLITE_HAS_JSON = sqlite3.sqlite_version_info >= (3, 38, 0)


def _distinct(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sorted distinct numbers (sorting is much faster than hashing for phone numbers)."""
    ordered = np.sort(numbers)
    return (
        ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if ordered.size else ordered
    )


_CONSENT_COLUMNS = (
    ConsentRow.phone,
    ConsentRow.seller,
    ConsentRow.kind,
    ConsentRow.at,
    ConsentRow.revoked_at,
    ConsentRow.scope,
    ConsentRow.evidence,
)


# Stored values to members by dictionary (calling an enum class costs a Python call per value;
# a value not found is left to the class, which rejects it as before).
_KINDS = {k.value: k for k in ConsentKind}
_PURPOSES = {p.value: p for p in Purpose}
_CHANNELS = {c.value: c for c in Channel}
_METHODS = {m.value: m for m in Method}
_OUTCOMES = {o.value: o for o in Outcome}


def consent_of(row: Any) -> Consent:
    """A Consent from an entity or a row of ``_CONSENT_COLUMNS`` (aware datetimes)."""
    return Consent(
        phone=row.phone,
        seller=row.seller,
        kind=_KINDS.get(row.kind) or ConsentKind(row.kind),
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
        rows = self.session.execute(
            select(*_ATTEMPT_COLUMNS)
            .where(AttemptRow.phone == phone, AttemptRow.seller == seller, AttemptRow.at >= since)
            .order_by(AttemptRow.at, AttemptRow.id)
        )
        return tuple(attempt_of(r) for r in rows)

    def recent_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str, since: datetime
    ) -> dict[int, tuple[PastAttempt, ...]]:
        """``recent`` for many numbers (chunked ``IN`` queries), oldest first per number."""
        where = [AttemptRow.seller == seller, AttemptRow.at >= since]
        found: dict[int, list[PastAttempt]] = {}
        for chunk in _numbers_in(self.session, AttemptRow.phone, where, phones):
            rows = self.session.execute(
                select(*_ATTEMPT_COLUMNS)
                .where(_among(self.session, AttemptRow.phone, chunk), *where)
                .order_by(AttemptRow.phone, AttemptRow.at, AttemptRow.id)
            )
            for row in rows:
                found.setdefault(row.phone, []).append(attempt_of(row))
        return {phone: tuple(items) for phone, items in found.items()}

    def any_for_seller(self, seller: str, since: datetime) -> bool:
        """Whether the seller made any attempt at or after ``since`` (stops at the first)."""
        query = (
            select(AttemptRow.id)
            .where(AttemptRow.seller == seller, AttemptRow.at >= since)
            .limit(1)
        )
        return self.session.scalar(query) is not None

    def add(self, attempts: Sequence[PastAttempt], source: str) -> int:
        """Store attempts with bulk inserts of ``BULK_ROWS`` rows."""
        rows = (
            {
                "phone": a.phone,
                "at": a.at,
                "seller": a.seller,
                "campaign": a.campaign,
                "purpose": a.purpose.value,
                "channel": a.channel.value,
                "method": a.method.value,
                "outcome": a.outcome.value,
                "connect_delay_s": a.connect_delay_s,
                "ring_s": a.ring_s,
                "source": source,
            }
            for a in attempts
        )
        return _insert_chunks(self.session, AttemptRow, rows)

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
        # One pass over the covering index ix_attempts_campaign_live (migration 0002).
        answered, lost = self.session.execute(
            select(func.count(), func.coalesce(func.sum(case((abandoned, 1), else_=0)), 0)).where(
                window, live
            )
        ).one()
        return AbandonStats(campaign=campaign, answered_live=int(answered), abandoned=int(lost))

    def live_calls_by_hour(
        self, campaign: str | None, since: datetime, until: datetime, connect_within_s: float
    ) -> tuple[HourlyCalls, ...]:
        """Live-answered and abandoned voice calls per campaign and UTC hour in [since, until).

        Counted exactly as ``abandonment`` counts them, grouped in SQL so that only one row
        per campaign and hour leaves the database.
        """
        live = AttemptRow.outcome.in_((Outcome.CONVERSATION.value, Outcome.ABANDONED.value))
        abandoned = (AttemptRow.outcome == Outcome.ABANDONED.value) | and_(
            AttemptRow.outcome == Outcome.CONVERSATION.value,
            AttemptRow.connect_delay_s > connect_within_s,
        )
        hour = _utc_hour(AttemptRow.at, self.session.get_bind().dialect.name)
        conditions = [
            AttemptRow.at >= since,
            AttemptRow.at < until,
            AttemptRow.channel == Channel.VOICE.value,
            live,
        ]
        if campaign is not None:
            conditions.append(AttemptRow.campaign == campaign)
        query = (
            select(
                AttemptRow.campaign,
                hour,
                func.count(),
                func.sum(case((abandoned, 1), else_=0)),
            )
            .where(*conditions)
            .group_by(AttemptRow.campaign, hour)
            .order_by(AttemptRow.campaign, hour)
        )
        return tuple(
            (name, _hour_start(text), int(total), int(lost or 0))
            for name, text, total, lost in self.session.execute(query)
        )


def _utc_hour(column: Any, dialect: str) -> Any:
    """The UTC hour of an instant as ``YYYY-MM-DD HH`` text, on SQLite and PostgreSQL."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    # SQLite holds the UTC instant as ISO text ("YYYY-MM-DD HH:MM:SS.ffffff").
    return func.strftime("%Y-%m-%d %H", column)


def _hour_start(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC)


def _insert_chunks(session: Session, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows as executemany batches of ``BULK_ROWS``; return how many.

    The statement targets the Core table, not the ORM entity: rows are plain dicts either way,
    and skipping the ORM's bulk bookkeeping more than halves the time per row.
    """
    table = cast(Table, model.__table__)
    total = 0
    source = iter(rows)
    while chunk := list(islice(source, BULK_ROWS)):
        session.execute(insert(table), chunk)
        total += len(chunk)
    return total


_ATTEMPT_COLUMNS = (
    AttemptRow.phone,
    AttemptRow.at,
    AttemptRow.seller,
    AttemptRow.campaign,
    AttemptRow.purpose,
    AttemptRow.channel,
    AttemptRow.method,
    AttemptRow.outcome,
    AttemptRow.connect_delay_s,
    AttemptRow.ring_s,
)


def attempt_of(row: Any) -> PastAttempt:
    """A PastAttempt from an entity or a row of ``_ATTEMPT_COLUMNS`` (aware datetimes)."""
    return PastAttempt(
        phone=row.phone,
        at=row.at,
        seller=row.seller,
        campaign=row.campaign,
        purpose=_PURPOSES.get(row.purpose) or Purpose(row.purpose),
        channel=_CHANNELS.get(row.channel) or Channel(row.channel),
        method=_METHODS.get(row.method) or Method(row.method),
        outcome=_OUTCOMES.get(row.outcome) or Outcome(row.outcome),
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

    def disconnected_for_numbers(self, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
        """``disconnected_at`` for many numbers (chunked ``IN`` queries)."""
        found: dict[int, datetime] = {}
        for chunk in _numbers_in(self.session, ReassignedRow.phone, [], phones):
            rows = self.session.execute(
                select(ReassignedRow.phone, ReassignedRow.disconnected_at).where(
                    _among(self.session, ReassignedRow.phone, chunk)
                )
            )
            found.update((phone, at) for phone, at in rows)
        return found

    def record(self, disconnections: Mapping[int, datetime], source: str) -> int:
        """Store disconnections in bulk, keeping the latest per number.

        Returns how many numbers were added or had their disconnection moved later.
        """
        changed = 0
        pending = list(disconnections.items())
        for start in range(0, len(pending), _IN_CHUNK):
            chunk = dict(pending[start : start + _IN_CHUNK])
            query = select(ReassignedRow.phone, ReassignedRow.disconnected_at).where(
                ReassignedRow.phone.in_(chunk)
            )
            known = {phone: at for phone, at in self.session.execute(query)}
            new = [
                {"phone": p, "disconnected_at": at, "source": source}
                for p, at in chunk.items()
                if p not in known
            ]
            later = [
                {"phone": p, "disconnected_at": at, "source": source}
                for p, at in chunk.items()
                if p in known and at > known[p]
            ]
            if new:
                self.session.execute(insert(ReassignedRow), new)
            if later:
                self.session.execute(update(ReassignedRow), later)
            changed += len(new) + len(later)
        return changed

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
        return tuple(emergency_of(r) for r in rows)

    def all(self) -> tuple[EmergencyDeclaration, ...]:
        """Every declaration, newest first."""
        rows = self.session.scalars(select(EmergencyRow).order_by(EmergencyRow.starts_at.desc()))
        return tuple(emergency_of(r) for r in rows)

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


def emergency_of(row: Any) -> EmergencyDeclaration:
    """An EmergencyDeclaration from an entity or a row with the same fields."""
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
        rows = self.session.execute(
            select(ListExemptionRow.list_name, ListExemptionRow.reason).where(
                ListExemptionRow.seller == seller
            )
        )
        return {name: why for name, why in rows}

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
