"""The single check's reads, straight on the database driver (``FactReads``).

A check of one attempt reads at most a handful of rows: the number's consents to the seller,
its recent call history, a disconnection, the seller's list exemptions, a state's declared
emergencies. Through an ORM session each read costs about 170 µs on SQLite and the session
itself about 300 µs more; on the driver, a read costs under 10 µs and the transaction around
them about 25 µs (figures from the development machine). So these few reads are written here
in plain SQL, once for both databases; the rows become domain objects through the
repositories' own builders, and the integration tests hold the answers to the repositories'
on SQLite and PostgreSQL.

Both databases store instants in UTC: PostgreSQL as ``timestamptz``, SQLite as text
``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's format, which sorts as time does); JSON columns
come back as text from SQLite and parsed from PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, NamedTuple

from sqlalchemy import Engine

from callwarden.core.types import Consent, EmergencyDeclaration, PastAttempt
from callwarden.storage.db.repositories import attempt_of, consent_of, emergency_of

_CONSENTS = (
    "SELECT phone, seller, kind, at, revoked_at, scope, evidence FROM consents"
    " WHERE phone = ? AND seller = ? ORDER BY at, id"
)
_RECENT = (
    "SELECT phone, at, seller, campaign, purpose, channel, method, outcome, connect_delay_s,"
    " ring_s FROM attempts WHERE phone = ? AND seller = ? AND at >= ? ORDER BY at, id"
)
_DISCONNECTED = "SELECT disconnected_at FROM reassigned_numbers WHERE phone = ?"
_EXEMPTIONS = "SELECT list_name, reason FROM list_exemptions WHERE seller = ?"
_EMERGENCIES = (
    "SELECT state, zips, starts_at, ends_at, citation FROM emergencies"
    " WHERE state = ? AND starts_at <= ? AND ends_at > ? ORDER BY id"
)


class _ConsentRow(NamedTuple):
    """A row of ``_CONSENTS`` with its instants and JSON read (for ``consent_of``)."""

    phone: int
    seller: str
    kind: str
    at: datetime
    revoked_at: datetime | None
    scope: str | None
    evidence: Any


class _AttemptRow(NamedTuple):
    """A row of ``_RECENT`` with its instant read (for ``attempt_of``)."""

    phone: int
    at: datetime
    seller: str
    campaign: str
    purpose: str
    channel: str
    method: str
    outcome: str
    connect_delay_s: float | None
    ring_s: float | None


class _EmergencyRow(NamedTuple):
    """A row of ``_EMERGENCIES`` with its instants and JSON read (for ``emergency_of``)."""

    state: str
    zips: Any
    starts_at: datetime
    ends_at: datetime
    citation: str


class SqlFactReads:
    """Opens a ``FactReads`` on a driver connection of the engine.

    On a SQLite file the connections are kept here, idle ones in a list, instead of being
    checked out of the engine's pool and back for every check: the pool's bookkeeping (events,
    the reset on return) cost about as much as the reads themselves (7 % of a single check
    served over HTTP). A connection is taken out of the pool once (``detach``), keeps the
    engine's settings (WAL, busy timeout), and is closed by ``close`` or when an error left
    its transaction in doubt. Other databases (PostgreSQL, an in-memory SQLite database,
    which is a new empty one on every new connection) use the engine's pool as before.
    """

    #: Idle connections kept at most (one per thread that reads at once is enough).
    KEEP = 8

    def __init__(self, engine: Engine) -> None:
        """Use the engine's connections; the SQL's placeholders follow its driver."""
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        database = engine.url.database or ""
        self._own = (
            self._sqlite
            and database not in ("", ":memory:")
            and "mode=memory" not in str(engine.url)
        )
        self._idle: list[Any] = []

    def __call__(self) -> _Reads:
        """A new read; use it in a ``with`` block."""
        return _Reads(self, sqlite=self._sqlite)

    def connect(self) -> Any:
        """A connection for one read: an idle one, else a new one."""
        if self._own:
            try:
                return self._idle.pop()
            except IndexError:
                fairy = self._engine.raw_connection()
                fairy.detach()  # ours from now on: the pool neither resets nor counts it
                return fairy.dbapi_connection
        return self._engine.raw_connection()

    def release(self, connection: Any, *, clean: bool) -> None:
        """Take a connection back after its read (rolled back); ``clean`` False closes it."""
        if self._own and clean and len(self._idle) < self.KEEP:
            self._idle.append(connection)
        else:
            connection.close()  # back to the pool, or closed when ours

    def close(self) -> None:
        """Close the idle connections (new reads open new ones)."""
        while self._idle:
            self._idle.pop().close()


class _Reads:
    """Reads in one transaction on one connection, rolled back at the end."""

    def __init__(self, source: SqlFactReads, *, sqlite: bool) -> None:
        self._source = source
        self._sqlite = sqlite
        self._connection: Any = None
        self._cursor: Any = None

    def __enter__(self) -> _Reads:
        self._connection = self._source.connect()
        try:
            self._cursor = self._connection.cursor()
            if self._sqlite:
                # The driver starts transactions only before writes: begin one, so that every
                # read sees the same snapshot of the database.
                self._cursor.execute("BEGIN")
        except BaseException:
            self._source.release(self._connection, clean=False)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        clean = False
        try:
            self._cursor.close()
            self._connection.rollback()
            clean = exc_type is None
        finally:
            self._source.release(self._connection, clean=clean)

    def consents(self, phone: int, seller: str) -> tuple[Consent, ...]:
        """Every consent of a number to a seller, oldest first."""
        return tuple(
            consent_of(
                _ConsentRow(
                    row[0], row[1], row[2], self._instant(row[3]),
                    self._instant_or_none(row[4]), row[5], self._json(row[6]),
                )
            )
            for row in self._rows(_CONSENTS, (phone, seller))
        )  # fmt: skip

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """Attempts to the number by the seller at or after ``since``, oldest first."""
        return tuple(
            attempt_of(_AttemptRow(row[0], self._instant(row[1]), *row[2:]))
            for row in self._rows(_RECENT, (phone, seller, self._param(since)))
        )

    def disconnected_at(self, phone: int) -> datetime | None:
        """When the number was permanently disconnected, if ever."""
        rows = self._rows(_DISCONNECTED, (phone,))
        return self._instant(rows[0][0]) if rows else None

    def exemptions(self, seller: str) -> Mapping[str, str]:
        """List name -> reason for lists that do not apply to the seller."""
        return {name: why for name, why in self._rows(_EXEMPTIONS, (seller,))}

    def emergencies(self, states: Iterable[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        """Declarations of these states in force at ``at``."""
        moment = self._param(at)
        found: list[EmergencyDeclaration] = []
        for state in sorted(set(states)):
            found.extend(
                emergency_of(
                    _EmergencyRow(
                        row[0], self._json(row[1]), self._instant(row[2]), self._instant(row[3]),
                        row[4],
                    )
                )
                for row in self._rows(_EMERGENCIES, (state, moment, moment))
            )  # fmt: skip
        return tuple(found)

    # --- the two drivers' differences ------------------------------------------------------

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        if not self._sqlite:
            sql = sql.replace("?", "%s")
        self._cursor.execute(sql, params)
        return list(self._cursor.fetchall())

    def _param(self, instant: datetime) -> object:
        if instant.tzinfo is None:
            msg = "naive datetime cannot be compared with stored instants"
            raise ValueError(msg)
        utc = instant.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self._sqlite else utc

    def _instant(self, value: Any) -> datetime:
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def _instant_or_none(self, value: Any) -> datetime | None:
        return None if value is None else self._instant(value)

    def _json(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str | bytes) else value
