"""The DNC import log (``dnc_imports``) and sellers' list exemptions (``list_exemptions``) in SQL.

Each call is its own short transaction: an import records its row once the new list version
is in place.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callwarden.core.ports import DncImportEntry, ListExemption
from callwarden.storage.db.repositories import SqlSellerPolicies
from callwarden.storage.db.tables import DncImportRow, ListExemptionRow


class SqlDncImportLog:
    """Every change of every DNC list (implements ``core.ports.DncImportLog``)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        """Open a session per call."""
        self._factory = session_factory

    def record(self, entry: DncImportEntry) -> None:
        """Store one entry; ``total`` holds the records accepted from the file."""
        with self._factory() as session, session.begin():
            session.add(
                DncImportRow(
                    list_name=entry.list_name,
                    kind=entry.kind,
                    at=entry.at,
                    file_name=entry.file_name[:500],
                    file_size=entry.file_size,
                    file_sha256=entry.file_sha256,
                    added=entry.added,
                    removed=entry.removed,
                    rejected=entry.rejected,
                    total=entry.accepted,
                    generation=entry.generation,
                )
            )

    def recent(self, list_name: str | None = None, limit: int = 50) -> tuple[DncImportEntry, ...]:
        """The latest entries, newest first."""
        query = select(DncImportRow).order_by(DncImportRow.at.desc(), DncImportRow.id.desc())
        if list_name is not None:
            query = query.where(DncImportRow.list_name == list_name)
        with self._factory() as session:
            rows = session.scalars(query.limit(limit)).all()
            return tuple(_entry(row) for row in rows)


def _entry(row: DncImportRow) -> DncImportEntry:
    return DncImportEntry(
        list_name=row.list_name,
        kind=row.kind,
        at=row.at,
        file_name=row.file_name,
        file_size=row.file_size,
        file_sha256=row.file_sha256,
        accepted=row.total,
        added=row.added,
        removed=row.removed,
        rejected=row.rejected,
        generation=row.generation,
    )


class SqlListExemptions:
    """Sellers' list exemptions (implements ``core.ports.ListExemptions``)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        """Open a session per call."""
        self._factory = session_factory

    def set(self, exemption: ListExemption) -> None:
        """Store or replace a seller's exemption from a list."""
        with self._factory() as session, session.begin():
            SqlSellerPolicies(session).set_exemption(
                exemption.seller, exemption.list_name, exemption.reason
            )

    def all(self) -> tuple[ListExemption, ...]:
        """Every exemption, by seller and list."""
        query = select(ListExemptionRow).order_by(
            ListExemptionRow.seller, ListExemptionRow.list_name
        )
        with self._factory() as session:
            return tuple(
                ListExemption(seller=r.seller, list_name=r.list_name, reason=r.reason)
                for r in session.scalars(query)
            )
