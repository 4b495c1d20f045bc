"""The SQL unit of work: one session, one transaction, the repositories bound to it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from callwarden.storage.db.repositories import (
    SqlAttemptHistory,
    SqlConsentRepository,
    SqlEmergencies,
    SqlReassignedNumbers,
    SqlSellerPolicies,
)


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()`` — rolls back anything not committed."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        """Remember the session factory; the session opens on ``__enter__``."""
        self._factory = session_factory

    def __enter__(self) -> SqlUnitOfWork:
        """Open a session and bind the repositories to it."""
        self.session = self._factory()
        self.consents = SqlConsentRepository(self.session)
        self.history = SqlAttemptHistory(self.session)
        self.reassigned = SqlReassignedNumbers(self.session)
        self.emergencies = SqlEmergencies(self.session)
        self.sellers = SqlSellerPolicies(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed and close the session."""
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        """Commit the transaction."""
        self.session.commit()

    def rollback(self) -> None:
        """Roll the transaction back."""
        self.session.rollback()
