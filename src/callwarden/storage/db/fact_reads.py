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
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Engine

from callwarden.core.types import Consent, EmergencyDeclaration, PastAttempt
from callwarden.storage.db.repositories import (
    SQLITE_HAS_JSON,
    attempt_of,
    consent_of,
    emergency_of,
)

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
_DECLARATIONS = (
    "SELECT state, zips, starts_at, ends_at, citation FROM emergencies"
    " ORDER BY starts_at DESC, id DESC"
)
# The bulk reads: ``{among}`` is the asked numbers as one parameter (``_among``).
_CONSENTS_MANY = (
    "SELECT phone, seller, kind, at, revoked_at, scope, evidence FROM consents"
    " WHERE seller = ? AND phone {among} ORDER BY phone, at, id"
)
_RECENT_MANY = (
    "SELECT phone, at, seller, campaign, purpose, channel, method, outcome, connect_delay_s,"
    " ring_s FROM attempts WHERE seller = ? AND at >= ? AND phone {among} ORDER BY phone, at, id"
)
_DISCONNECTED_MANY = "SELECT phone, disconnected_at FROM reassigned_numbers WHERE phone {among}"
#: Where SQLite has no ``json_each`` (``SQLITE_HAS_JSON``), the numbers go as ``IN`` lists of
#: this many parameters.
_IN_CHUNK = 500


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
        return tuple(map(self._consent, self._rows(_CONSENTS, (phone, seller))))

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """Attempts to the number by the seller at or after ``since``, oldest first."""
        rows = self._rows(_RECENT, (phone, seller, self._param(since)))
        return tuple(map(self._attempt, rows))

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
            found.extend(map(self._emergency, self._rows(_EMERGENCIES, (state, moment, moment))))
        return tuple(found)

    def declarations(self) -> tuple[EmergencyDeclaration, ...]:
        """Every declaration, newest first."""
        return tuple(map(self._emergency, self._rows(_DECLARATIONS, ())))

    # --- bulk reads: a batch's facts, one query per seller (or per chunk on old SQLite) ------

    def consents_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str
    ) -> dict[int, tuple[Consent, ...]]:
        """Every consent of each number to a seller, oldest first; numbers without any left out."""
        found: dict[int, list[Consent]] = {}
        for sql, among in self._among(_CONSENTS_MANY, phones):
            for row in self._rows(sql, (seller, among)):
                found.setdefault(row[0], []).append(self._consent(row))
        return {phone: tuple(items) for phone, items in found.items()}

    def recent_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str, since: datetime
    ) -> dict[int, tuple[PastAttempt, ...]]:
        """``recent`` for many numbers; numbers without attempts left out."""
        found: dict[int, list[PastAttempt]] = {}
        moment = self._param(since)
        for sql, among in self._among(_RECENT_MANY, phones):
            for row in self._rows(sql, (seller, moment, among)):
                found.setdefault(row[0], []).append(self._attempt(row))
        return {phone: tuple(items) for phone, items in found.items()}

    def disconnected_for_numbers(self, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
        """When each number was permanently disconnected; numbers never disconnected left out."""
        found: dict[int, datetime] = {}
        for sql, among in self._among(_DISCONNECTED_MANY, phones):
            found.update((phone, self._instant(at)) for phone, at in self._rows(sql, (among,)))
        return found

    # --- rows to domain objects (the repositories' builders), shared by single and bulk reads

    def _consent(self, row: tuple[Any, ...]) -> Consent:
        """A row of ``_CONSENTS`` or ``_CONSENTS_MANY``."""
        return consent_of(
            _ConsentRow(
                row[0], row[1], row[2], self._instant(row[3]), self._instant_or_none(row[4]),
                row[5], self._json(row[6]),
            )
        )  # fmt: skip

    def _attempt(self, row: tuple[Any, ...]) -> PastAttempt:
        """A row of ``_RECENT`` or ``_RECENT_MANY``."""
        return attempt_of(_AttemptRow(row[0], self._instant(row[1]), *row[2:]))

    def _emergency(self, row: tuple[Any, ...]) -> EmergencyDeclaration:
        """A row of ``_EMERGENCIES`` or ``_DECLARATIONS``."""
        return emergency_of(
            _EmergencyRow(
                row[0], self._json(row[1]), self._instant(row[2]), self._instant(row[3]), row[4]
            )
        )

    # --- the two drivers' differences ------------------------------------------------------

    def _among(self, sql: str, phones: npt.NDArray[np.int64]) -> Iterator[tuple[str, object]]:
        """``sql`` with ``{among}`` filled in, and the parameter that holds the numbers.

        One statement and one parameter for all the numbers: a PostgreSQL array, a JSON array
        read by SQLite's ``json_each``; where SQLite has no ``json_each``, ``IN`` lists in
        chunks (the last parameter of the statement is then a tuple, spread by ``_rows``).
        """
        numbers = np.unique(np.asarray(phones, dtype=np.int64)).tolist()
        if not numbers:
            return
        if not self._sqlite:
            yield sql.format(among="= ANY(?::bigint[])"), numbers
        elif SQLITE_HAS_JSON:
            text = orjson.dumps(numbers).decode()  # text: SQLite reads a blob as JSONB
            yield sql.format(among="IN (SELECT value FROM json_each(?))"), text
        else:
            for start in range(0, len(numbers), _IN_CHUNK):
                chunk = tuple(numbers[start : start + _IN_CHUNK])
                yield sql.format(among=f"IN ({','.join('?' * len(chunk))})"), chunk

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        if params and type(params[-1]) is tuple:  # an IN list's numbers (``_among``)
            params = (*params[:-1], *params[-1])
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
        if not isinstance(value, str | bytes):
            return value
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:  # what orjson refuses and json takes (NaN, huge ints)
            return json.loads(value)
