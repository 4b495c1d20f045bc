"""CSV list files (state, internal and litigator lists), and the rejects file of an import.

A CSV list has a header row. The phone column is found by name (``phone``, ``number``,
``telephone``, ``phone_number``, ``tel``, ``mobile``, ...; case, spaces and punctuation
ignored); a file with one column uses it whatever its name; an area code column (``area_code``,
``npa``) is put in front of a 7-digit number column. Numbers may be written in any common
notation (``(214) 555-0100``, ``214.555.0100``, ``+1 214 555 0100``, ``1-214-555-0100``) and
are normalized in batches with Arrow's string kernels; only the rows they reject are looked
at one by one, to say why.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from callwarden.core.ports import ListChunk, RejectedLine
from callwarden.errors import InvalidInput
from callwarden.storage.dnc_lines import number_problem

BATCH = 200_000
PHONE_COLUMNS = (
    "phone", "phonenumber", "telephone", "telephonenumber", "number", "tel", "phoneno",
    "mobile", "cell", "cellphone", "wireless", "landline", "contactnumber", "tn",
)  # fmt: skip
AREA_COLUMNS = ("areacode", "npa", "area")
_SEPARATORS = r"[\s().\-/]+"
_VALID = r"^[2-9][0-9]{2}[2-9][0-9]{6}$"
_SEPARATORS_RE = re.compile(_SEPARATORS)
_MAX_CELL = 64


def read_csv(stream: Any, member: str) -> Iterator[ListChunk]:
    """Parse a CSV list (header row first) from a binary stream with a ``consumed`` count."""
    text = io.TextIOWrapper(
        io.BufferedReader(stream), encoding="utf-8-sig", errors="replace", newline=""
    )
    reader = csv.reader(text)
    header = _header(reader)
    phone, area = _columns(header)
    lines: list[int] = []
    cells: list[str] = []
    pending: list[RejectedLine] = []
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            pending.append(_reject(reader.line_num, f"malformed CSV: {exc}", "", member))
            continue
        if row is not None and (not row or not any(c.strip() for c in row)):
            continue
        if row is not None:
            lines.append(reader.line_num)
            cells.append(_cell(row, phone, area))
        if len(cells) >= BATCH or (row is None and (cells or pending)):
            yield _batch(lines, cells, pending, member, stream.consumed)
            lines, cells, pending = [], [], []
        if row is None:
            return


def _header(reader: Any) -> list[str]:
    for row in reader:
        if row and any(c.strip() for c in row):
            return [c.strip() for c in row]
    raise InvalidInput("the CSV file has no header row")


def _columns(header: Sequence[str]) -> tuple[int, int | None]:
    """Index of the phone column and of the area code column (if the number is split)."""
    names = [re.sub(r"[^a-z0-9]", "", h.lower()) for h in header]
    area = next((names.index(n) for n in AREA_COLUMNS if n in names), None)
    for wanted in PHONE_COLUMNS:
        if wanted in names and names.index(wanted) != area:
            return names.index(wanted), area
    if len(header) == 1:
        return 0, None
    shown = ", ".join(h[:30] for h in header[:12])
    raise InvalidInput(
        f"no phone column in the CSV header ({shown}); name it phone, number or telephone",
        details={"expected": list(PHONE_COLUMNS[:5])},
    )


def _cell(row: Sequence[str], phone: int, area: int | None) -> str:
    value = row[phone] if len(row) > phone else ""
    if area is not None:
        value = (row[area] if len(row) > area else "") + " " + value
    return value[: _MAX_CELL + 1]


def _batch(
    lines: list[int], cells: list[str], pending: list[RejectedLine], member: str, consumed: int
) -> ListChunk:
    numbers, ok = normalize_many(cells)
    rejects = list(pending)
    for i in np.flatnonzero(~ok).tolist():
        rejects.append(_reject(lines[i], cell_problem(cells[i]), cells[i], member))
    rejects.sort(key=lambda r: r.line)
    return ListChunk(numbers=numbers[ok], rejects=tuple(rejects), position=consumed)


def normalize_many(cells: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """10-digit numbers of phone strings in common notations, and which ones were valid."""
    if not cells:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    import pyarrow as pa  # noqa: PLC0415 - only CSV lists need it; change files start faster
    import pyarrow.compute as pc  # noqa: PLC0415

    array = pa.array(cells, type=pa.string())
    bare = pc.replace_substring_regex(array, _SEPARATORS, "")
    national = pc.replace_substring_regex(bare, r"^\+?1([0-9]{10})$", r"\1")
    ok = pc.fill_null(pc.match_substring_regex(national, _VALID), False)
    digits = pc.if_else(ok, national, "0")
    numbers = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    return numbers.astype(np.int64), ok.to_numpy(zero_copy_only=False).astype(bool)


def cell_problem(cell: str) -> str:
    """Why a phone cell was rejected (the rows ``normalize_many`` refused)."""
    if len(cell) > _MAX_CELL:
        return f"phone longer than {_MAX_CELL} characters"
    text = _SEPARATORS_RE.sub("", cell)
    if text.startswith("+") and not text.startswith("+1"):
        return "country code other than +1"
    text = text.removeprefix("+")
    if len(text) == 11 and text.startswith("1") and text.isdigit():  # noqa: PLR2004
        text = text[1:]
    return number_problem(text) or "not a phone number"


def _reject(line: int, reason: str, text: str, member: str) -> RejectedLine:
    shown = text[:40] if text.isascii() and text.isprintable() else ""
    return RejectedLine(line=line, reason=reason, text=shown, member=member)


class RejectsFile:
    """Rejected lines written as CSV (``line,reason,text,member``), created on first write."""

    def __init__(self, path: Path) -> None:
        """Write to ``path`` once something is rejected."""
        self.path = path
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def write(self, rejects: Sequence[RejectedLine]) -> None:
        """Append rejected lines."""
        if not rejects:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["line", "reason", "text", "member"])
        self._writer.writerows([r.line, r.reason, r.text, r.member] for r in rejects)
        self.count += len(rejects)

    def close(self) -> None:
        """Close the file (if one was written)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
