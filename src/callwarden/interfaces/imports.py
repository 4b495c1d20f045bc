"""Reading import files: JSON lines and CSV, line by line, with line numbers and a rejects file.

Before a line is read the file is checked: it must exist, be a regular file, not be empty, not
exceed a size limit and be UTF-8 text (a compressed archive, a UTF-16 export or any file with NUL
bytes is refused with a message that says so). Lines are read with a bounded length, so one
enormous line cannot exhaust memory. Every problem with a single line becomes a ``Line`` with an
``error`` that names what is wrong without repeating the line itself, because import files carry
phone numbers and sometimes card numbers or SSNs typed into the wrong column.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from callwarden.errors import ImportRejected, InvalidInput, PayloadTooLarge

MiB = 1024 * 1024
#: Leading bytes of container formats that are sometimes passed where text is expected.
_MAGIC = (
    (b"\x1f\x8b", "a gzip archive; decompress it first"),
    (b"PK\x03\x04", "a zip archive; extract it first"),
    (b"BZh", "a bzip2 archive; decompress it first"),
    (b"\xfd7zXZ\x00", "an xz archive; decompress it first"),
    (b"PAR1", "a Parquet file; this command reads JSON lines or CSV"),
    (b"\xff\xfe", "UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text; save it as UTF-8"),
)
_BOM = b"\xef\xbb\xbf"
_SNIFF_BYTES = 8192
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Line:
    """One record of an import file: its line number and either its value or an error."""

    number: int
    value: Any = None
    error: str | None = None


def check_file(path: Path, *, max_bytes: int) -> int:
    """Refuse what cannot be an import file; return its size in bytes.

    Raises:
        InvalidInput: the path is missing, not a regular file, empty or binary.
        PayloadTooLarge: the file is larger than ``max_bytes``.
    """
    name = path.name
    if not path.exists():
        raise InvalidInput(f"input file not found: {name}", details={"file": str(path)})
    if not path.is_file():
        raise InvalidInput(f"{name} is not a regular file", details={"file": str(path)})
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput(f"{name} is empty", details={"file": str(path)})
    if size > max_bytes:
        raise PayloadTooLarge(
            f"{name} is {size / MiB:.1f} MiB, over the limit of {max_bytes / MiB:.1f} MiB "
            "(split the file, or raise the limit with --max-bytes)",
            details={"file": str(path), "size": size, "limit": max_bytes},
        )
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InvalidInput(f"{name} is {what}", details={"file": str(path)})
    if b"\x00" in head:
        raise InvalidInput(f"{name} is a binary file, not text", details={"file": str(path)})
    return size


def text_lines(path: Path, *, max_line_bytes: int) -> Iterator[Line]:
    """Yield each non-blank line as text (``value``), or an error for unreadable lines."""
    with path.open("rb") as handle:
        number = 0
        while True:
            raw = handle.readline(max_line_bytes + 1)
            if not raw:
                return
            number += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                _skip_rest_of_line(handle)
                yield Line(number, error=f"line longer than {max_line_bytes} bytes")
                continue
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield Line(number, error="line is not UTF-8 text")
                continue
            if b"\x00" in raw:
                yield Line(number, error="line contains NUL bytes")
            elif text.strip():
                yield Line(number, value=text.rstrip("\r\n"))


def _skip_rest_of_line(handle: IO[bytes]) -> None:
    while True:
        chunk = handle.readline(MiB)
        if not chunk or chunk.endswith(b"\n"):
            return


def _refuse_constant(name: str) -> float:
    msg = f"{name} is not allowed in JSON"
    raise ValueError(msg)


#: One decoder for every line (building one per call costs more than the parse itself).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def parse_json(text: str) -> tuple[Any, str | None]:
    """Parse one JSON text; return (value, None) or (None, an input-free error)."""
    try:
        return _DECODER.decode(text), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at column {exc.colno}"
    except ValueError as exc:
        return None, f"not valid JSON: {exc}"
    except RecursionError:
        return None, "not valid JSON: nested too deeply"


def json_lines(path: Path, *, max_line_bytes: int) -> Iterator[Line]:
    """Yield each line of a JSON-lines file parsed, with line numbers."""
    for line in text_lines(path, max_line_bytes=max_line_bytes):
        if line.error is not None:
            yield line
            continue
        value, error = parse_json(line.value)
        yield Line(line.number, value=value, error=error)


@dataclass(frozen=True, slots=True, kw_only=True)
class CsvLayout:
    """The columns a CSV import understands and how its header is treated."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    header: Literal["required", "optional"] = "required"
    #: A header is recognised (when optional) by this column name in its first field.
    header_marker: str = "phone"


def csv_lines(path: Path, layout: CsvLayout, *, max_line_bytes: int) -> Iterator[Line]:
    """Yield each data row of a CSV file as a dict of column -> text ("" read as absent).

    Each physical line is one record: fields may be quoted, but a quoted field may not span
    lines (no call detail record or reassigned-numbers export needs that).

    Raises:
        InvalidInput: the header is missing where required, names an unknown column, or lacks
            a required one.
    """
    columns: Sequence[str] | None = None
    for line in text_lines(path, max_line_bytes=max_line_bytes):
        if line.error is not None:
            yield line
            continue
        fields, error = _split(line.value)
        if error is not None:
            yield Line(line.number, error=error)
            continue
        if columns is None:
            header = _header(path, fields, layout)
            columns = header or layout.columns
            if header is not None:
                continue
        yield _record(line.number, fields, columns)


def _split(text: str) -> tuple[list[str], str | None]:
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as exc:
        return [], f"not valid CSV: {exc}"
    return ([f.strip() for f in rows[0]] if rows else []), None


def _header(path: Path, fields: list[str], layout: CsvLayout) -> Sequence[str] | None:
    """The header's columns, or None when the first line is data (optional header only)."""
    names = [f.lower() for f in fields]
    looks_like_header = layout.header_marker in names or bool(set(names) & set(layout.columns))
    if not looks_like_header:
        if layout.header == "required":
            raise InvalidInput(
                f"{path.name}: the first line must be a header naming the columns "
                f"({', '.join(layout.columns)})",
                details={"file": str(path), "line": 1},
            )
        return None
    unknown = sorted(set(names) - set(layout.columns))
    missing = sorted(set(layout.required) - set(names))
    duplicated = sorted({n for n in names if names.count(n) > 1})
    problem = (
        (unknown and f"unknown column(s) {', '.join(unknown)}")
        or (missing and f"missing column(s) {', '.join(missing)}")
        or (duplicated and f"repeated column(s) {', '.join(duplicated)}")
    )
    if problem:
        raise InvalidInput(
            f"{path.name}: header has {problem}; expected {', '.join(layout.columns)}",
            details={"file": str(path), "line": 1},
        )
    return names


def _record(number: int, fields: list[str], columns: Sequence[str]) -> Line:
    if len(fields) != len(columns):
        return Line(number, error=f"expected {len(columns)} fields, got {len(fields)}")
    return Line(number, value={c: v for c, v in zip(columns, fields, strict=True) if v != ""})


def rejects_path(source: Path) -> Path:
    """Where the rejects of an import go: beside the input, ``<input>.rejects.jsonl``."""
    return source.with_name(source.name + ".rejects.jsonl")


class Rejects:
    """Collects rejected lines and writes them as ``{"line", "error"}`` JSON lines.

    The file is written only when something was rejected; a stale one from an earlier run of
    the same input is removed first so that it is never mistaken for this run's.
    """

    def __init__(self, target: Path) -> None:
        """Remember where rejects go and clear an old rejects file there."""
        self.target = target
        self.count = 0
        self._handle: IO[str] | None = None
        target.unlink(missing_ok=True)

    def add(self, number: int, error: str) -> None:
        """Record one rejected line."""
        if self._handle is None:
            self._handle = self.target.open("w", encoding="utf-8")
        self._handle.write(json.dumps({"line": number, "error": error}) + "\n")
        self.count += 1

    def close(self) -> None:
        """Flush and close the rejects file."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Rejects:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the file."""
        self.close()

    def finish(self, source: Path, stored: int) -> None:
        """Close the file; raise when lines were rejected or the file held no record at all.

        Raises:
            ImportRejected: at least one line was rejected; the good lines were stored.
            InvalidInput: the file had no record (only blank lines, or only a header).
        """
        self.close()
        if self.count:
            raise ImportRejected(
                f"{self.count} line(s) rejected, {stored} stored; see {self.target}",
                details={
                    "rejected": self.count,
                    "stored": stored,
                    "rejects_file": str(self.target),
                },
            )
        if stored == 0:
            raise InvalidInput(f"{source.name} has no records", details={"file": str(source)})


def accepted(lines: Iterator[Line], convert: Callable[[Any], T], rejects: Rejects) -> Iterator[T]:
    """Convert each good line; send every bad one (unreadable or failing ``convert``) to rejects.

    ``convert`` signals a bad value by raising ValueError (pydantic's ValidationError is one)
    or InvalidInput; their messages never include the input.
    """
    for line in lines:
        if line.error is not None:
            rejects.add(line.number, line.error)
            continue
        try:
            yield convert(line.value)
        except (ValueError, InvalidInput) as exc:
            rejects.add(line.number, describe(exc))


def describe(exc: Exception) -> str:
    """A short, input-free description of why a value was refused."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "(line)"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        return f"{loc}: {message}"
    if isinstance(exc, InvalidInput):
        field = exc.details.get("field")
        return f"{field}: {exc.message}" if field else exc.message
    return str(exc)


def records(
    path: Path, *, csv_layout: CsvLayout | None, max_line_bytes: int
) -> tuple[Iterator[Line], Literal["jsonl", "csv"]]:
    """Lines of a JSON-lines or CSV file, chosen by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if csv_layout is None:
            raise InvalidInput(f"{path.name}: this command reads JSON lines only")
        return csv_lines(path, csv_layout, max_line_bytes=max_line_bytes), "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return json_lines(path, max_line_bytes=max_line_bytes), "jsonl"
    accepted_kinds = ".jsonl or .csv" if csv_layout is not None else ".jsonl"
    raise InvalidInput(
        f"{path.name}: unknown file type {suffix or '(none)'}; expected {accepted_kinds}",
        details={"file": str(path)},
    )


def import_file(
    path: Path,
    *,
    convert: Callable[[Any], T],
    store: Callable[[Iterator[T]], int],
    max_bytes: int,
    max_line_bytes: int,
    csv_layout: CsvLayout | None = None,
    rejects_to: Path | None = None,
) -> int:
    """Check, read, convert and store one import file; return how many records were read.

    ``store`` receives a generator of converted records and must consume it inside one
    transaction. Bad lines go to ``rejects_to`` (default ``<input>.rejects.jsonl``).

    Raises:
        InvalidInput: the file cannot be read as an import file, or has no records.
        PayloadTooLarge: the file exceeds ``max_bytes``.
        ImportRejected: some lines were rejected (the others were stored).
    """
    check_file(path, max_bytes=max_bytes)
    lines, _ = records(path, csv_layout=csv_layout, max_line_bytes=max_line_bytes)
    with Rejects(rejects_to or rejects_path(path)) as rejects:
        stored = store(accepted(lines, convert, rejects))
    rejects.finish(path, stored)
    return stored
