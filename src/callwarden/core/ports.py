"""Protocols through which services reach storage and the clock.

Implemented by ``storage`` and, in memory, by ``callwarden.testing``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from callwarden.core.gate.context import AbandonStats
from callwarden.core.identity import ApiKeyInfo, Principal
from callwarden.core.types import Consent, EmergencyDeclaration, PastAttempt
from callwarden.errors import InvalidInput

#: Live-answered calls of one campaign in one UTC hour: (campaign, hour start, answered by a
#: person, of which abandoned).
HourlyCalls = tuple[str, datetime, int, int]


class Clock(Protocol):
    """Where services get the current time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class DncLookup(Protocol):
    """Membership of numbers in the loaded do-not-call lists."""

    def hits(
        self, national: int, seller: str, states: Collection[str] | None = None
    ) -> frozenset[str]:
        """Names of the lists containing the number ("internal" for this seller's own list).

        With ``states``, only those states' lists are asked (the gate ignores the others).
        """
        ...

    def contains_many(
        self, list_name: str, numbers: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Vectorized membership of 10-digit numbers in one list (False where absent)."""
        ...

    def refreshed(self) -> Mapping[str, datetime]:
        """When each loaded list was last refreshed (a full or change import)."""
        ...

    def names(self) -> frozenset[str]:
        """The names of the lists that hold a version (any other list contains nothing)."""
        ...


class ConsentRepository(Protocol):
    """The consent ledger."""

    def for_number(self, phone: int, seller: str) -> tuple[Consent, ...]:
        """Every consent (active or revoked) of a number to a seller."""
        ...

    def all_for_number(self, phone: int) -> tuple[Consent, ...]:
        """Every consent of a number to any seller, oldest first."""
        ...

    def consents_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str
    ) -> dict[int, tuple[Consent, ...]]:
        """Every consent of each number to a seller, oldest first; numbers without any left out."""
        ...

    def any_for_seller(self, seller: str) -> bool:
        """Whether the seller holds any consent at all (active or revoked)."""
        ...

    def add(self, consents: Iterable[Consent]) -> int:
        """Store consents; return how many were stored."""
        ...

    def revoke(self, phone: int, seller: str, at: datetime) -> int:
        """Revoke every active consent of the number to the seller at ``at``."""
        ...


class AttemptHistory(Protocol):
    """Past attempts (call detail records)."""

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """Attempts to the number by the seller at or after ``since``, oldest first."""
        ...

    def recent_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str, since: datetime
    ) -> dict[int, tuple[PastAttempt, ...]]:
        """``recent`` for many numbers at once; numbers without attempts left out."""
        ...

    def any_for_seller(self, seller: str, since: datetime) -> bool:
        """Whether the seller made any attempt at or after ``since``."""
        ...

    def add(self, attempts: Sequence[PastAttempt], source: str) -> int:
        """Store attempts; return how many were stored."""
        ...

    def abandonment(
        self, campaign: str, since: datetime, until: datetime, connect_within_s: float
    ) -> AbandonStats:
        """A campaign's calls answered by a person and abandoned in [since, until)."""
        ...

    def live_calls_by_hour(
        self, campaign: str | None, since: datetime, until: datetime, connect_within_s: float
    ) -> tuple[HourlyCalls, ...]:
        """Voice calls answered by a person and abandoned, per campaign and UTC hour.

        Counted as in ``abandonment``, over [since, until), for one campaign or (None) all.
        """
        ...


class ReassignedNumbers(Protocol):
    """Numbers permanently disconnected (reassigned-numbers data)."""

    def disconnected_at(self, phone: int) -> datetime | None:
        """When the number was last permanently disconnected, if ever."""
        ...

    def disconnected_for_numbers(self, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
        """``disconnected_at`` for many numbers at once; numbers never disconnected left out."""
        ...

    def record(self, disconnections: Mapping[int, datetime], source: str) -> int:
        """Store disconnections, keeping the latest per number; return rows added or moved."""
        ...


class Emergencies(Protocol):
    """Declared emergencies."""

    def active(self, states: Iterable[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        """Declarations of these states in force at ``at``."""
        ...

    def all(self) -> tuple[EmergencyDeclaration, ...]:
        """Every declaration, newest first."""
        ...

    def add(self, declaration: EmergencyDeclaration) -> None:
        """Store a declaration."""
        ...


class SellerPolicies(Protocol):
    """Per-seller gate configuration."""

    def exemptions(self, seller: str) -> Mapping[str, str]:
        """List name -> reason, for lists the seller says do not apply to it."""
        ...


class ApiKeyStore(Protocol):
    """Stored API keys: only a key's SHA-256 is kept; each call is its own transaction."""

    def add(self, key: ApiKeyInfo, key_hash: str) -> None:
        """Store a new key; raise Conflict when the name or hash exists already."""
        ...

    def active(self, key_hash: str) -> Principal | None:
        """The principal of the unrevoked key with this hash, or None."""
        ...

    def all(self) -> tuple[ApiKeyInfo, ...]:
        """Every key, revoked ones too, ordered by name."""
        ...

    def revoke(self, name: str, at: datetime) -> ApiKeyInfo:
        """Mark a key revoked at ``at`` (kept if already revoked); raise NotFound if unknown."""
        ...


class UnitOfWork(Protocol):
    """A transaction with the repositories bound to it."""

    @property
    def consents(self) -> ConsentRepository:
        """The consent ledger."""
        ...

    @property
    def history(self) -> AttemptHistory:
        """The call history."""
        ...

    @property
    def reassigned(self) -> ReassignedNumbers:
        """Reassigned numbers."""
        ...

    @property
    def emergencies(self) -> Emergencies:
        """Declared emergencies."""
        ...

    @property
    def sellers(self) -> SellerPolicies:
        """Seller policies."""
        ...

    def __enter__(self) -> UnitOfWork:
        """Open the transaction."""
        ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Commit."""
        ...


class FactReads(Protocol):
    """One short read of stored facts: the single check's hot path, and a batch's bulk reads.

    The same answers as the repositories' reads, without a unit of work's machinery (an
    implementation may go straight to the database driver). Every read of one ``FactReads``
    sees the same snapshot of the database.
    """

    def consents(self, phone: int, seller: str) -> tuple[Consent, ...]:
        """As ``ConsentRepository.for_number``."""
        ...

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """As ``AttemptHistory.recent``."""
        ...

    def disconnected_at(self, phone: int) -> datetime | None:
        """As ``ReassignedNumbers.disconnected_at``."""
        ...

    def exemptions(self, seller: str) -> Mapping[str, str]:
        """As ``SellerPolicies.exemptions``."""
        ...

    def emergencies(self, states: Iterable[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        """As ``Emergencies.active``."""
        ...

    def consents_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str
    ) -> dict[int, tuple[Consent, ...]]:
        """As ``ConsentRepository.consents_for_numbers``."""
        ...

    def recent_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str, since: datetime
    ) -> dict[int, tuple[PastAttempt, ...]]:
        """As ``AttemptHistory.recent_for_numbers``."""
        ...

    def disconnected_for_numbers(self, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
        """As ``ReassignedNumbers.disconnected_for_numbers``."""
        ...

    def declarations(self) -> tuple[EmergencyDeclaration, ...]:
        """As ``Emergencies.all``."""
        ...

    def __enter__(self) -> FactReads:
        """Start the read."""
        ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """End the read (nothing is written)."""
        ...


# --- DNC lists: what the list store, the list files and the import log exchange -------------

LIST_NAME_HELP = "national, state:XX, internal, internal:SELLER or litigator"
_LIST_NAME = re.compile(
    r"(?:national|internal|litigator|state:[A-Za-z]{2}|internal:[A-Za-z0-9][A-Za-z0-9 ._@-]{0,30})"
)


def check_list_name(name: str) -> str:
    """Validate a DNC list name and return its canonical form (``state:tx`` -> ``state:TX``).

    Raises:
        InvalidInput: the name is not national, state:XX, internal, internal:SELLER or litigator.
    """
    if not isinstance(name, str) or _LIST_NAME.fullmatch(name) is None:
        raise InvalidInput(f"unknown list {name!r}; expected {LIST_NAME_HELP}")
    return "state:" + name[6:].upper() if name.startswith("state:") else name


@dataclass(frozen=True, slots=True, kw_only=True)
class ListInfo:
    """One version of a list, as the store's manifest records it."""

    name: str
    file: str
    generation: int
    count: int
    refreshed_at: str | None  # ISO 8601; None until an imported file refreshes the list
    source: dict[str, Any]  # the file of the last refresh: name, size, sha256, kind
    backend: str = "sorted"  # "sorted" (int64 array) or "bitmap" (one bit per number)
    changes: str | None = None  # a bitmap's flips file: numbers later changes flipped
    added: int = 0  # what the change that made this version did
    removed: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedLine:
    """A line of a list file that was not accepted, and why."""

    line: int
    reason: str
    text: str = ""  # the line, printable and cut to 40 characters ("" when not printable)
    member: str = ""  # the file inside a zip archive


@dataclass(frozen=True, slots=True, kw_only=True)
class ListChunk:
    """Numbers parsed from part of a list file, in file order."""

    numbers: npt.NDArray[np.int64]
    adds: npt.NDArray[np.bool_] | None = None  # change files: True = add, False = delete
    rejects: tuple[RejectedLine, ...] = ()
    position: int = 0  # bytes of the file read so far
    total: int = 0  # bytes to read in all


@dataclass(frozen=True, slots=True, kw_only=True)
class FileFingerprint:
    """Which file an import read."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DncImportEntry:
    """One recorded change of a list: a file import (full or changes) or a manual add/remove."""

    list_name: str
    kind: str  # "full", "changes", "add" or "remove"
    at: datetime
    file_name: str
    file_size: int
    file_sha256: str
    accepted: int
    added: int
    removed: int
    rejected: int
    generation: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ListExemption:
    """A seller's statement that a list does not apply to it, with the reason decisions cite."""

    seller: str
    list_name: str
    reason: str


class DncLists(DncLookup, Protocol):
    """The DNC list store: versions swapped in atomically."""

    def lists(self) -> Mapping[str, ListInfo]:
        """The current version of every list."""
        ...

    def replace(
        self,
        list_name: str,
        numbers: npt.NDArray[np.int64] | Iterable[npt.NDArray[np.int64]],
        refreshed_at: datetime,
        source: Mapping[str, Any],
    ) -> ListInfo:
        """Make ``numbers`` (one array or chunks) the whole list."""
        ...

    def apply_changes(
        self,
        list_name: str,
        add: npt.NDArray[np.int64],
        remove: npt.NDArray[np.int64],
        refreshed_at: datetime | None,
        source: Mapping[str, Any] | None = None,
    ) -> ListInfo:
        """Add, then remove numbers; None keeps the refresh time and source of the list."""
        ...

    def number_chunks(self, list_name: str) -> Iterator[npt.NDArray[np.int64]]:
        """Every number of a list, ascending, in chunks."""
        ...


class RejectsSink(Protocol):
    """Where rejected lines go while an import runs."""

    def write(self, rejects: Sequence[RejectedLine]) -> None:
        """Append rejected lines."""
        ...

    def close(self) -> None:
        """Finish the rejects file (nothing is written when nothing was rejected)."""
        ...


class DncFiles(Protocol):
    """Reading and writing list files in the formats subscribers receive."""

    def fingerprint(self, path: Path) -> FileFingerprint:
        """Name, size and SHA-256 of a file."""
        ...

    def read(self, path: Path, *, changes: bool, name: str | None = None) -> Iterator[ListChunk]:
        """Parse a full list or a change file (``name``: the file's original name)."""
        ...

    def open_rejects(self, path: Path) -> RejectsSink:
        """A sink writing rejected lines as CSV to ``path``."""
        ...

    def write_flat(self, path: Path, chunks: Iterable[npt.NDArray[np.int64]]) -> int:
        """Write numbers one per line, 10 digits; return how many were written."""
        ...


class DncImportLog(Protocol):
    """The record of every change of every list (the dnc_imports table)."""

    def record(self, entry: DncImportEntry) -> None:
        """Store one entry (its own transaction)."""
        ...

    def recent(self, list_name: str | None = None, limit: int = 50) -> tuple[DncImportEntry, ...]:
        """The latest entries, newest first, of one list or of all."""
        ...


class ListExemptions(Protocol):
    """Sellers' statements that a list does not apply to them."""

    def set(self, exemption: ListExemption) -> None:
        """Store or replace the exemption of a seller from a list."""
        ...

    def all(self) -> tuple[ListExemption, ...]:
        """Every exemption, by seller and list."""
        ...
