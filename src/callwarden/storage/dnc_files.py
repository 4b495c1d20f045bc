"""DNC list files as subscribers receive them: read, check and stream as arrays; write back.

Formats (each plain or inside a zip archive with one or more members, read in name order):

- **flat full lists** (the FTC's National Do Not Call Registry downloads, many state lists):
  one number per line, 10 digits or ``NPA,NXXXXXX``;
- **change files** (``changes=True``): comma-separated records of the number (10 digits, or
  area code and number in two fields), an add/delete flag (``A``/``D``, ``ADD``/``DEL``,
  ``add``/``delete``, any case) and, where present, the change date. A file without a flag
  column is a list of additions, or of deletions when its name says so (``delete``, ``del``);
- **CSV lists** (state, internal and litigator lists): a header row naming a phone column
  (``phone``, ``number``, ``telephone``, ``phone_number``, ...; or an area code column plus a
  7-digit number column) with the number in any common notation, ``(214) 555-0100``.

A file whose first non-blank line has letters is CSV (full imports) or has a header line that
is skipped (change files). UTF-8 byte order marks, CRLF line ends and blank lines are accepted.
Files are read in blocks of ``BLOCK`` bytes, so memory stays bounded whatever their size.
Malformed lines never stop the good ones: each is reported with its line number and reason.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from callwarden.core.ports import FileFingerprint, ListChunk, RejectedLine
from callwarden.errors import InvalidInput
from callwarden.storage import dnc_csv
from callwarden.storage.dnc_blocks import line_blocks, read_ahead
from callwarden.storage.dnc_lines import (
    MAX_LINE,
    Parsed,
    parse_block,
    parse_line,
)

BLOCK = 64 * 2**20
_BOM = b"\xef\xbb\xbf"
_DELETE_NAME = re.compile(r"(?:^|[^a-z])del(?:ete[ds]?|etions?|s)?(?:[^a-z]|$)")
_POW10 = 10 ** np.arange(9, -1, -1, dtype=np.int64)


def is_delete_file(name: str) -> bool:
    """Whether a change file's name says it lists deletions (``...-deletes.txt``, ``del_...``)."""
    return _DELETE_NAME.search(Path(name).name.lower()) is not None


@dataclass(frozen=True, slots=True)
class _Member:
    """One text to parse: a plain file, or a member of a zip archive."""

    name: str  # "" for a plain file
    size: int
    open: Callable[[], IO[bytes]]


class DncFileReader:
    """Reads and writes list files (implements ``core.ports.DncFiles``)."""

    def __init__(self, block: int = BLOCK) -> None:
        """Read in blocks of ``block`` bytes (smaller in tests)."""
        self.block = block

    def fingerprint(self, path: Path) -> FileFingerprint:
        """Name, size and SHA-256 of a file."""
        _require_file(path)
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(8 * 2**20):
                digest.update(chunk)
        return FileFingerprint(name=path.name, size=path.stat().st_size, sha256=digest.hexdigest())

    def read(self, path: Path, *, changes: bool, name: str | None = None) -> Iterator[ListChunk]:
        """Parse a full list or a change file, chunk by chunk (InvalidInput if unreadable).

        Parsing runs one or two chunks ahead in a thread, so that it overlaps with what the
        caller does with each chunk (numpy releases the interpreter lock while it works).
        """
        _require_file(path)
        return read_ahead(self._chunks(path, changes=changes, name=name), depth=2)

    def _chunks(self, path: Path, *, changes: bool, name: str | None) -> Iterator[ListChunk]:
        members = _members(path)
        total = sum(m.size for m in members)
        done = 0
        for member in members:
            default_add = not is_delete_file(member.name or name or path.name)
            for chunk in self._read_member(member, changes=changes, default_add=default_add):
                yield ListChunk(
                    numbers=chunk.numbers,
                    adds=chunk.adds,
                    rejects=chunk.rejects,
                    position=done + chunk.position,
                    total=total,
                )
            done += member.size

    def open_rejects(self, path: Path) -> dnc_csv.RejectsFile:
        """A CSV sink for rejected lines (``line,reason,text,member``)."""
        return dnc_csv.RejectsFile(path)

    def write_flat(self, path: Path, chunks: Iterable[npt.NDArray[np.int64]]) -> int:
        """Write numbers one per line as 10 digits (the flat format); return how many."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".partial")
        count = 0
        with tmp.open("wb") as out:
            for chunk in chunks:
                for start in range(0, chunk.size, 1_000_000):
                    part = chunk[start : start + 1_000_000]
                    rows = np.empty((part.size, 11), dtype=np.uint8)
                    rows[:, :10] = (part[:, None] // _POW10) % 10 + ord("0")
                    rows[:, 10] = ord("\n")
                    out.write(rows.tobytes())
                    count += part.size
        tmp.replace(path)
        return count

    def _read_member(
        self, member: _Member, *, changes: bool, default_add: bool
    ) -> Iterator[ListChunk]:
        try:
            with member.open() as raw:
                head, skipped = _peek(raw)
                if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise InvalidInput("UTF-16 text is not supported; save the file as UTF-8")
                stream: Any = _Rewound(head, raw, skipped)
                if not changes and _first_line_has_letters(head):
                    yield from dnc_csv.read_csv(stream, member.name)
                else:
                    yield from self._read_flat(stream, member.name, changes, default_add)
        except (zipfile.BadZipFile, EOFError, RuntimeError, OSError) as exc:
            raise InvalidInput(
                f"cannot read {member.name or 'the file'}: {exc}", details={"member": member.name}
            ) from exc

    def _read_flat(
        self, stream: IO[bytes], member: str, changes: bool, default_add: bool
    ) -> Iterator[ListChunk]:
        line_no = 1
        header_pending = True
        for buf, size, consumed in line_blocks(stream, self.block):
            parsed = parse_block(buf, size, changes=changes, default_add=default_add)
            numbers, adds, rejects = _complete(buf, parsed, changes, default_add)
            if header_pending and (parsed.rows.size or rejects):
                rejects = _drop_header(parsed, rejects)
                header_pending = False
            rejected = tuple(
                RejectedLine(line=line_no + int(i), reason=why, text=text, member=member)
                for i, why, text in rejects
            )
            line_no += parsed.count
            yield ListChunk(numbers=numbers, adds=adds, rejects=rejected, position=consumed)


def _complete(
    buf: npt.NDArray[np.uint8], parsed: Parsed, changes: bool, default_add: bool
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_] | None, list[tuple[int, str, str]]]:
    """Merge the fast path's numbers with the per-line path's, in file order."""
    rows = [parsed.rows]
    numbers = [parsed.numbers]
    adds = [parsed.adds] if parsed.adds is not None else []
    extra_rows: list[int] = []
    extra_numbers: list[int] = []
    extra_adds: list[bool] = []
    rejects: list[tuple[int, str, str]] = []
    bounds = zip(parsed.other_starts.tolist(), parsed.other_ends.tolist(), strict=True)
    for i, (start, end) in zip(parsed.others.tolist(), bounds, strict=True):
        raw = bytes(buf[start:end])
        found = parse_line(raw, changes=changes, default_add=default_add)
        if found is None:
            continue
        if isinstance(found, str):
            rejects.append((i, found, _printable(raw)))
        else:
            extra_rows.append(i)
            extra_numbers.append(found[0])
            extra_adds.append(found[1])
    if extra_rows:
        rows.append(np.asarray(extra_rows, dtype=np.int64))
        numbers.append(np.asarray(extra_numbers, dtype=np.int64))
        if changes:
            adds.append(np.asarray(extra_adds, dtype=bool))
    order = np.argsort(np.concatenate(rows), kind="stable") if len(rows) > 1 else None
    all_numbers = np.concatenate(numbers)
    all_adds = np.concatenate(adds) if changes else None
    if order is not None:
        all_numbers = all_numbers[order]
        all_adds = all_adds[order] if all_adds is not None else None
    return all_numbers, all_adds, rejects


def _drop_header(parsed: Parsed, rejects: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """A first line with words, before any accepted line, is a header, not a rejected record."""
    if not rejects:
        return rejects
    first, _, text = rejects[0]
    before_numbers = parsed.rows.size == 0 or first < int(parsed.rows[0])
    if before_numbers and re.search(r"[A-Za-z]{2}", text):
        return rejects[1:]
    return rejects


def _printable(raw: bytes) -> str:
    """The line for a rejects file: printable ASCII cut to 40 characters, else nothing."""
    if len(raw) > MAX_LINE:
        return ""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return ""
    return text[:40] if text.isprintable() else ""


def _peek(stream: IO[bytes]) -> tuple[bytes, int]:
    """The first bytes of a stream without a UTF-8 byte order mark, and the bytes skipped."""
    head = stream.read(MAX_LINE)
    return (head[len(_BOM) :], len(_BOM)) if head.startswith(_BOM) else (head, 0)


def _first_line_has_letters(head: bytes) -> bool:
    for line in head.splitlines():
        if line.strip():
            return re.search(rb"[A-Za-z]", line) is not None
    return False


class _Rewound(io.RawIOBase):
    """A stream that first gives back the bytes already peeked, and counts what it gave."""

    def __init__(self, head: bytes, rest: IO[bytes], skipped: int) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self.consumed = skipped

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if self._head:
            n = min(len(target), len(self._head))
            target[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            n = self._rest.readinto(target) or 0  # type: ignore[attr-defined]
        self.consumed += n
        return n


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise InvalidInput(f"input file not found: {path.name}", details={"file": str(path)})


def _members(path: Path) -> list[_Member]:
    """The texts of a file: its members when it is a zip archive, else itself."""
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            if handle.read(4) == b"PK\x03\x04":
                raise InvalidInput(f"damaged zip archive {path.name}: no central directory")
        return [_Member("", path.stat().st_size, lambda: path.open("rb"))]
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"damaged zip archive {path.name}: {exc}") from exc
    infos = sorted(
        (i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX")),
        key=lambda i: i.filename,
    )
    if not infos:
        raise InvalidInput(f"the zip archive {path.name} holds no files")
    return [_Member(i.filename, i.file_size, _opener(archive, i)) for i in infos]


def _opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: archive.open(info)


__all__ = ["BLOCK", "DncFileReader", "is_delete_file"]
