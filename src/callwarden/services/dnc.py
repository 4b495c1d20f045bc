"""DNC lists: import list files, add and remove numbers, status, export, seller exemptions.

Which lists a seller must scrub against and how fresh they must be come from the rule data
(``dnc_lists`` rows): the National Do Not Call Registry, accessed at most 31 days before a
call (16 CFR 310.4(b)(3)(iv); 47 CFR 64.1200(c)(2)(i)(D)), and the lists of the states that
keep their own. The seller's own list (47 CFR 64.1200(d)) and a known-litigator list are kept
here too. Every change of a list is recorded with the file it came from (name, size, SHA-256,
row counts) and the list version (generation) it produced.

A full import replaces a list; a change file adds and removes numbers, its records applied in
file order (a number added then deleted in the same file ends up deleted, and the reverse).
A file with malformed lines still stores every good line, then raises ImportRejected naming
the rejects file. A file without a single good line changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from callwarden.core.gate.numbering import normalize
from callwarden.core.ports import (
    Clock,
    DncFiles,
    DncImportEntry,
    DncImportLog,
    DncLists,
    FileFingerprint,
    ListChunk,
    ListExemption,
    ListExemptions,
    ListInfo,
    RejectedLine,
    RejectsSink,
    check_list_name,
)
from callwarden.core.rules.ruleset import RuleSet
from callwarden.errors import ImportRejected, InvalidInput, InvalidPhoneNumber, NotFound
from callwarden.services.dnc_status import DncStatus, build_status

#: Rejected lines kept in memory to show (all of them go to the rejects file).
SHOWN_REJECTS = 20
#: Lists maintained continuously (a manual change refreshes them); others refresh by import.
_SELF_MAINTAINED = ("internal", "litigator")

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What an import did."""

    list_name: str
    kind: str  # "full" or "changes"
    file: FileFingerprint
    accepted: int
    added: int
    removed: int
    rejected: int
    size: int
    generation: int
    rejects_file: str | None
    first_rejects: tuple[RejectedLine, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (rejected lines by number and reason only)."""
        return {
            "list": self.list_name,
            "kind": self.kind,
            "file": {"name": self.file.name, "size": self.file.size, "sha256": self.file.sha256},
            "accepted": self.accepted,
            "added": self.added,
            "removed": self.removed,
            "rejected": self.rejected,
            "size": self.size,
            "generation": self.generation,
            "rejects_file": self.rejects_file,
            "first_rejects": [
                {"line": r.line, "reason": r.reason, **({"member": r.member} if r.member else {})}
                for r in self.first_rejects
            ],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeResult:
    """What a manual add or remove did."""

    list_name: str
    added: int
    removed: int
    size: int
    generation: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "list": self.list_name,
            "added": self.added,
            "removed": self.removed,
            "size": self.size,
            "generation": self.generation,
        }


@dataclass
class _Tally:
    """Counts and rejects gathered while the chunks of a file stream through."""

    sink: RejectsSink
    progress: Progress | None
    accepted: int = 0
    rejected: int = 0
    shown: list[RejectedLine] = field(default_factory=list)

    def take(self, chunk: ListChunk) -> None:
        self.accepted += int(chunk.numbers.size)
        self.rejected += len(chunk.rejects)
        self.sink.write(chunk.rejects)
        room = SHOWN_REJECTS - len(self.shown)
        if room > 0:
            self.shown.extend(chunk.rejects[:room])
        if self.progress is not None:
            self.progress(chunk.position, chunk.total)

    def numbers(self, chunks: Iterable[ListChunk]) -> Iterator[npt.NDArray[np.int64]]:
        """The accepted numbers; refuse a file without any (the list then stays as it was)."""
        for chunk in chunks:
            self.take(chunk)
            yield chunk.numbers
        if self.accepted == 0:
            raise InvalidInput(
                "the file has no valid numbers; the list was not changed",
                details={"rejected": self.rejected},
            )


class DncService:
    """Import, change, inspect and export DNC lists."""

    def __init__(
        self,
        *,
        lists: DncLists,
        files: DncFiles,
        imports: DncImportLog,
        exemptions: ListExemptions,
        rules: RuleSet | Callable[[], RuleSet],
        clock: Clock,
    ) -> None:
        """Compose the list store, the file reader, the import log and the rule set.

        ``rules`` may be a function that loads them: only ``status`` reads the rules, and an
        import should not pay for loading them.
        """
        self.lists = lists
        self.files = files
        self.imports = imports
        self.exemptions = exemptions
        self._rules = rules
        self.clock = clock

    @property
    def rules(self) -> RuleSet:
        """The rule set (loaded on first use when given as a function)."""
        if callable(self._rules):
            self._rules = self._rules()
        return self._rules

    # --- imports -------------------------------------------------------------------------

    def import_list(
        self,
        list_name: str,
        path: Path,
        *,
        changes: bool = False,
        at: datetime | None = None,
        file_name: str | None = None,
        rejects_path: Path | None = None,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Import a full list (replacing it) or a change file; see the module docstring.

        Raises:
            InvalidInput: unknown list, unreadable file, or no valid line at all.
            ImportRejected: some lines were rejected (the good ones were stored first).
        """
        name = check_list_name(list_name)
        at = _aware(at or self.clock.now())
        fingerprint = self.files.fingerprint(path)
        if file_name:
            fingerprint = FileFingerprint(
                name=Path(file_name).name, size=fingerprint.size, sha256=fingerprint.sha256
            )
        kind = "changes" if changes else "full"
        rejects_at = rejects_path or path.with_name(path.name + ".rejects.csv")
        rejects_at.unlink(missing_ok=True)
        tally = _Tally(self.files.open_rejects(rejects_at), progress)
        try:
            info = self._store_file(
                name, path, fingerprint=fingerprint, kind=kind, at=at, tally=tally
            )
        finally:
            tally.sink.close()
        entry = _entry(
            info,
            kind=kind,
            at=at,
            file=fingerprint,
            accepted=tally.accepted,
            rejected=tally.rejected,
        )
        self.imports.record(entry)
        result = ImportResult(
            list_name=name,
            kind=kind,
            file=fingerprint,
            accepted=tally.accepted,
            added=info.added,
            removed=info.removed,
            rejected=tally.rejected,
            size=info.count,
            generation=info.generation,
            rejects_file=str(rejects_at) if tally.rejected else None,
            first_rejects=tuple(tally.shown),
        )
        if tally.rejected:
            raise ImportRejected(
                f"{tally.rejected} line(s) rejected; the {tally.accepted} good line(s) were "
                f"stored; see {rejects_at}",
                details=result.to_dict(),
            )
        return result

    def _store_file(
        self,
        name: str,
        path: Path,
        *,
        fingerprint: FileFingerprint,
        kind: str,
        at: datetime,
        tally: _Tally,
    ) -> ListInfo:
        """Stream the file's numbers into the list: replace it, or apply its changes."""
        source = {
            "file": fingerprint.name,
            "size": fingerprint.size,
            "sha256": fingerprint.sha256,
            "kind": kind,
            "imported_at": at.isoformat(),
        }
        chunks = self.files.read(path, changes=kind == "changes", name=fingerprint.name)
        if kind == "changes":
            return self._apply_change_file(name, chunks, tally, at, source)
        return self.lists.replace(name, tally.numbers(chunks), at, source)

    def _apply_change_file(
        self,
        name: str,
        chunks: Iterable[ListChunk],
        tally: _Tally,
        at: datetime,
        source: dict[str, Any],
    ) -> ListInfo:
        numbers: list[npt.NDArray[np.int64]] = []
        flags: list[npt.NDArray[np.bool_]] = []
        for chunk in chunks:
            tally.take(chunk)
            numbers.append(chunk.numbers)
            flags.append(chunk.adds if chunk.adds is not None else np.ones(0, dtype=bool))
        if tally.accepted == 0:
            raise InvalidInput(
                "the change file has no valid records; the list was not changed",
                details={"rejected": tally.rejected},
            )
        add, remove = net_changes(np.concatenate(numbers), np.concatenate(flags))
        return self.lists.apply_changes(name, add, remove, at, source)

    # --- single numbers ------------------------------------------------------------------

    def add(
        self, list_name: str, numbers: Sequence[str], *, at: datetime | None = None
    ) -> ChangeResult:
        """Put numbers (any common notation) on a list; all or none are stored."""
        return self._change(list_name, numbers, adding=True, at=at)

    def remove(
        self, list_name: str, numbers: Sequence[str], *, at: datetime | None = None
    ) -> ChangeResult:
        """Take numbers off a list (NotFound when the list does not exist)."""
        return self._change(list_name, numbers, adding=False, at=at)

    def _change(
        self, list_name: str, raw: Sequence[str], *, adding: bool, at: datetime | None
    ) -> ChangeResult:
        name = check_list_name(list_name)
        at = _aware(at or self.clock.now())
        numbers = parse_numbers(raw)
        if not adding and name not in self.lists.lists():
            raise NotFound(f"there is no list {name!r}", details={"list": name})
        empty = np.empty(0, dtype=np.int64)
        refresh = at if name.startswith(_SELF_MAINTAINED) else None
        info = self.lists.apply_changes(
            name, numbers if adding else empty, empty if adding else numbers, refresh, None
        )
        kind = "add" if adding else "remove"
        blank = FileFingerprint(name="", size=0, sha256="")
        self.imports.record(
            _entry(info, kind=kind, at=at, file=blank, accepted=int(numbers.size), rejected=0)
        )
        return ChangeResult(
            list_name=name,
            added=info.added,
            removed=info.removed,
            size=info.count,
            generation=info.generation,
        )

    # --- status, export, exemptions ------------------------------------------------------

    def status(self, now: datetime | None = None) -> DncStatus:
        """Every list, and the lists the rules require that are missing or stale at ``now``."""
        now = _aware(now or self.clock.now())
        return build_status(self.lists.lists(), self.rules, self.exemptions.all(), now)

    def export(self, list_name: str, path: Path) -> int:
        """Write a list in the flat format (10 digits a line, ascending); return the count."""
        name = check_list_name(list_name)
        if name not in self.lists.lists():
            raise NotFound(f"there is no list {name!r}", details={"list": name})
        return self.files.write_flat(path, self.lists.number_chunks(name))

    def exempt(self, seller: str, list_name: str, reason: str) -> ListExemption:
        """Record that a national or state list does not apply to a seller, and why."""
        name = check_list_name(list_name)
        if not (name == "national" or name.startswith("state:")):
            raise InvalidInput("only the national and state lists can be declared inapplicable")
        seller, reason = seller.strip(), reason.strip()
        if not seller or len(seller) > 200:  # noqa: PLR2004 - the sellers column's width
            raise InvalidInput("a seller name of 1 to 200 characters is required")
        if not reason or len(reason) > 2000:  # noqa: PLR2004
            raise InvalidInput("a reason of 1 to 2000 characters is required (decisions cite it)")
        exemption = ListExemption(seller=seller, list_name=name, reason=reason)
        self.exemptions.set(exemption)
        return exemption


def net_changes(
    numbers: npt.NDArray[np.int64], adds: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Change records in file order -> (numbers to add, numbers to remove): the last record wins."""
    if numbers.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    backwards = numbers[::-1]
    order = np.argsort(backwards, kind="stable")
    ordered = backwards[order]
    first = np.empty(ordered.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    last_flag = adds[::-1][order][first]
    distinct = ordered[first]
    return distinct[last_flag], distinct[~last_flag]


def parse_numbers(raw: Sequence[str]) -> npt.NDArray[np.int64]:
    """10-digit numbers from strings in any common notation; InvalidInput names the bad ones."""
    values: list[int] = []
    bad: list[dict[str, Any]] = []
    for position, text in enumerate(raw):
        try:
            number = normalize(text)
        except InvalidPhoneNumber as exc:
            bad.append({"index": position, "reason": exc.message})
            continue
        digits = f"{number:010d}"
        if digits[0] in "01" or digits[3] in "01":
            which = "area code" if digits[0] in "01" else "exchange"
            bad.append({"index": position, "reason": f"{which} starts with 0 or 1"})
            continue
        values.append(number)
    if bad:
        raise InvalidInput(
            f"{len(bad)} invalid number(s); nothing was changed", details={"invalid": bad[:100]}
        )
    if not values:
        raise InvalidInput("no numbers given")
    return np.asarray(values, dtype=np.int64)


def _entry(
    info: ListInfo,
    *,
    kind: str,
    at: datetime,
    file: FileFingerprint,
    accepted: int,
    rejected: int,
) -> DncImportEntry:
    return DncImportEntry(
        list_name=info.name,
        kind=kind,
        at=at,
        file_name=file.name,
        file_size=file.size,
        file_sha256=file.sha256,
        accepted=accepted,
        added=info.added,
        removed=info.removed,
        rejected=rejected,
        generation=info.generation,
    )


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput("times must carry a UTC offset")
    return at
