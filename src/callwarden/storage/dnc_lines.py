"""Vectorized parsing of DNC list lines over raw bytes, and the per-line path for the rest.

A block of whole lines is parsed with numpy: line bounds from the newline positions, then a
fixed window of bytes per line, so that a number is checked and converted for millions of
lines at once (eight digits at a time, as one 64-bit word). Only lines in the canonical shapes
take this path:

- a full list: ``NNNNNNNNNN`` (10 digits) or ``NPA,NXXXXXX`` (area code, comma, 7 digits);
- a change file: the same number, then ``,A`` / ``,D`` / ``,ADD`` / ``,DEL`` (any case), then
  optionally ``,`` and a date; or the number alone, whose flag then comes from the file.

Every other line goes through ``parse_line``, the reference parser, which accepts the same
lines and a few more (quotes, spaces around fields, the flag before the number, long flag
words) and otherwise says why it rejects the line. The fast path never accepts a line that
``parse_line`` would reject; a test holds them to that.

A number is valid when it has 10 digits and neither its area code nor its exchange starts
with 0 or 1 (47 CFR 52.15 and the NANP numbering plan: NXX-NXX-XXXX).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided

MAX_LINE = 4096
#: Bytes of zero padding the caller leaves after a block, so that windows never overrun.
PAD = 32
_DATE_BYTES = np.zeros(256, dtype=bool)
_DATE_BYTES[[*range(48, 58), ord("-"), ord("/"), ord(":"), ord(" "), ord("T")]] = True
_DATE = re.compile(r"[0-9/:T -]{6,20}")
_ADD_WORDS = frozenset({"a", "add", "added", "addition"})
_DELETE_WORDS = frozenset({"d", "del", "delete", "deleted", "deletion"})
_COMMA, _ZERO, _TWO = ord(","), ord("0"), ord("2")
_ASCII_8 = np.uint64(0x3030303030303030)
_HIGH_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_PLUS_6 = np.uint64(0x0606060606060606)
_ASCII_2, _ASCII_TWO, _ASCII_ZERO = np.uint64(0x3030), np.uint64(ord("2")), np.uint64(ord("0"))
_BYTE, _TWO_BYTES = np.uint64(0xFF), np.uint64(0xFFFF)
_LOW3, _MID4 = np.uint64(0x0000000000FFFFFF), np.uint64(0x00FFFFFFFF000000)
_COMMA_WORD, _NINE = np.uint64(ord(",")), np.uint64(9)
_TEN, _HUNDRED = np.uint64(10), np.uint64(100)
_U8, _U16, _U24, _U32, _U56 = (np.uint64(n) for n in (8, 16, 24, 32, 56))
#: Lines handled per vectorized step (keeps the temporaries in cache).
STEP_LINES = 1 << 14

Bytes = npt.NDArray[np.uint8]
Int64s = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Lines:
    """Bounds of the lines of a block (ends exclusive; surrounding blanks trimmed)."""

    starts: Int64s
    ends: Int64s

    @property
    def lengths(self) -> Int64s:
        """Length of each trimmed line."""
        return self.ends - self.starts


@dataclass(frozen=True, slots=True)
class Parsed:
    """What the fast path made of a block."""

    count: int  # lines in the block
    rows: Int64s  # indices of the accepted lines
    numbers: Int64s
    adds: Bools | None  # change files only: True = add
    others: Int64s  # indices of non-empty lines left to ``parse_line``
    other_starts: Int64s  # their bounds in the block
    other_ends: Int64s


def parse_block(buf: Bytes, size: int, *, changes: bool, default_add: bool = True) -> Parsed:
    """The fast path over a block of whole lines (``buf[:size]``, padded with ``PAD`` bytes)."""
    if not changes:
        fixed = parse_fixed(buf, size)
        if fixed is not None:
            return fixed
    lines = split_lines(buf, size)
    if changes:
        return parse_changes(buf, lines, default_add=default_add)
    return parse_full(buf, lines)


def split_lines(buf: Bytes, size: int) -> Lines:
    """Bounds of every line of ``buf[:size]`` (which ends with a newline), without its CR.

    Other blanks around a line are left to ``parse_line``: canonical lines have none.
    """
    newlines = np.flatnonzero(buf[:size] == ord("\n"))
    starts = np.empty(newlines.size, dtype=np.int64)
    if newlines.size:
        starts[0] = 0
        starts[1:] = newlines[:-1] + 1
    ends = newlines.astype(np.int64)
    ends -= (ends > starts) & (buf[ends - 1] == ord("\r"))
    return Lines(starts, ends)


def windows(buf: Bytes, starts: Int64s, width: int) -> Bytes:
    """A copy of ``width`` bytes from each start (the block is padded: nothing overruns)."""
    view = as_strided(buf, shape=(buf.size - width + 1, width), strides=(1, 1), writeable=False)
    return np.asarray(view[starts])


def to_numbers(digits: Bytes) -> tuple[Int64s, Bools]:
    """Values of rows of 10 ASCII digits (in a 16-byte-wide matrix), and which rows are valid.

    The first eight digits are one little-endian word: checked in one step, then combined
    pairwise (2, then 4, then 8 digits) by multiply-and-shift.
    """
    words = np.ascontiguousarray(digits[:, :8]).view("<u8").ravel()
    all_digits = ((words & _HIGH_NIBBLES) == _ASCII_8) & (
        ((words + _PLUS_6) & _HIGH_NIBBLES) == _ASCII_8
    )
    tail = digits[:, 8:10] - np.uint8(_ZERO)
    valid = all_digits & (tail <= np.uint8(9)).all(axis=1)
    valid &= (digits[:, 0] >= _TWO) & (digits[:, 3] >= _TWO)
    x = words - _ASCII_8
    t = np.empty_like(x)
    for shift, factor, mask in (
        (8, 10, 0x00FF00FF00FF00FF),
        (16, 100, 0x0000FFFF0000FFFF),
        (32, 10000, 0x00000000FFFFFFFF),
    ):
        np.right_shift(x, np.uint64(shift), out=t)
        x *= np.uint64(factor)
        x += t
        x &= np.uint64(mask)
    values = x.astype(np.int64) * 100 + tail[:, 0].astype(np.int64) * 10 + tail[:, 1]
    return values, valid


def _number_digits(rows: Bytes, comma_form: Bools) -> Bytes:
    """The 10 digits of each row's number, whichever of the two forms it is written in."""
    digits = rows[:, :16].copy()
    digits[comma_form, 3:10] = rows[comma_form, 4:11]
    return digits


def parse_full(buf: Bytes, lines: Lines) -> Parsed:
    """Fast path of a full list: lines that are exactly a number in one of its two forms.

    Works in steps of ``STEP_LINES`` lines so that the temporaries stay in the CPU cache.
    """
    words = _words(buf)
    length = lines.lengths
    numbers = np.empty(length.size, dtype=np.int64)
    valid = np.empty(length.size, dtype=bool)
    for first in range(0, length.size, STEP_LINES):
        part = slice(first, first + STEP_LINES)
        numbers[part], valid[part] = _full_words(words, lines.starts[part], length[part])
    accepted = np.flatnonzero(valid)
    return _parsed(lines, accepted, numbers[accepted], None)


def parse_fixed(buf: Bytes, size: int) -> Parsed | None:
    r"""Fast path of a block of canonical full-list lines only (None when it is not one).

    Without their commas (each must be the fourth byte of its line) such lines are all
    ``NNNNNNNNNN\n``: the block is read in place as 11-byte rows, the first eight digits of a
    row as one 64-bit word, without finding the lines one by one.
    """
    data = buf[:size]
    commas = np.flatnonzero(data == _COMMA)
    comma_lines = commas - np.arange(commas.size)  # where the commas sit once removed
    if commas.size:
        if (comma_lines % 11 != 3).any():  # noqa: PLR2004
            return None
        comma_lines //= 11
        if (comma_lines[1:] <= comma_lines[:-1]).any():
            return None  # two commas on one line
        keep = np.ones(size, dtype=bool)
        keep[commas] = False
        data = data[keep]
    if data.size == 0 or data.size % 11 or not (data[10::11] == ord("\n")).all():
        return None
    count = data.size // 11
    words = np.ndarray(buffer=data, dtype="<u8", shape=(count,), strides=(11,))
    rows = data.reshape(count, 11)
    numbers = np.empty(count, dtype=np.int64)
    valid = np.empty(count, dtype=bool)
    for first in range(0, count, STEP_LINES):
        part = slice(first, first + STEP_LINES)
        d8 = rows[part, 8].astype(np.uint64) - _ASCII_ZERO
        d9 = rows[part, 9].astype(np.uint64) - _ASCII_ZERO
        numbers[part], valid[part] = _value(np.ascontiguousarray(words[part]), d8, d9)
    accepted = np.flatnonzero(valid)
    others = np.flatnonzero(~valid)
    before = np.searchsorted(comma_lines, others)  # lines with a comma before each one
    has_comma = np.zeros(others.size, dtype=bool)
    if comma_lines.size:
        has_comma = comma_lines[np.minimum(before, comma_lines.size - 1)] == others
    starts = others * 11 + before
    ends = starts + 10 + has_comma
    return Parsed(count, accepted, numbers[accepted], None, others, starts, ends)


def _parsed(lines: Lines, accepted: Int64s, numbers: Int64s, adds: Bools | None) -> Parsed:
    rest = lines.lengths > 0
    rest[accepted] = False
    others = np.flatnonzero(rest)
    return Parsed(
        int(lines.starts.size),
        accepted,
        numbers,
        adds,
        others,
        lines.starts[others],
        lines.ends[others],
    )


def _words(buf: Bytes) -> npt.NDArray[np.uint64]:
    """The little-endian 64-bit word starting at every byte of the (padded) block."""
    return np.ndarray(buffer=buf, dtype="<u8", shape=(buf.size - 7,), strides=(1,))


def _full_words(
    words: npt.NDArray[np.uint64], starts: Int64s, length: Int64s
) -> tuple[Int64s, Bools]:
    """Values and validity of lines of 10 digits or ``NPA,NXXXXXX``, from two words each."""
    low = words[starts]  # bytes 0-7 of the line
    high = words[starts + 8]  # bytes 8-15
    comma = (length == 11) & (((low >> _U24) & _BYTE) == _COMMA_WORD)  # noqa: PLR2004
    shape_ok = (length == 10) | comma  # noqa: PLR2004
    # "NPA,NXXXXXX": drop byte 3 (the comma), pull byte 8 in as byte 7.
    joined = (low & _LOW3) | ((low >> _U8) & _MID4) | (high << _U56)
    low = np.where(comma, joined, low)
    high = np.where(comma, high >> _U8, high)
    tail = (high & _TWO_BYTES) - _ASCII_2
    values, valid = _value(low, tail & _BYTE, tail >> _U8)
    return values, valid & shape_ok


def _value(
    low: npt.NDArray[np.uint64], d8: npt.NDArray[np.uint64], d9: npt.NDArray[np.uint64]
) -> tuple[Int64s, Bools]:
    """Number and validity from the first eight ASCII digits (one word) and the last two."""
    valid = ((low & _HIGH_NIBBLES) == _ASCII_8) & (((low + _PLUS_6) & _HIGH_NIBBLES) == _ASCII_8)
    valid &= (d8 <= _NINE) & (d9 <= _NINE)
    valid &= ((low & _BYTE) >= _ASCII_TWO) & (((low >> _U24) & _BYTE) >= _ASCII_TWO)
    eight = _swar8(low - _ASCII_8)
    return (eight * _HUNDRED + d8 * _TEN + d9).view(np.int64), valid


def _swar8(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Eight digit values (one per byte, first digit lowest) combined into one number."""
    x = (x * _TEN + (x >> _U8)) & np.uint64(0x00FF00FF00FF00FF)
    x = (x * _HUNDRED + (x >> _U16)) & np.uint64(0x0000FFFF0000FFFF)
    return (x * np.uint64(10000) + (x >> _U32)) & np.uint64(0x00000000FFFFFFFF)


def parse_changes(buf: Bytes, lines: Lines, *, default_add: bool) -> Parsed:
    """Fast path of a change file: number, then an optional flag and an optional date."""
    length = lines.lengths
    candidates = np.flatnonzero((length >= 10) & (length <= 32))  # noqa: PLR2004
    rows = windows(buf, lines.starts[candidates], 32)
    size = length[candidates]
    comma = (rows[:, 3] == _COMMA) & (size >= 11)  # noqa: PLR2004
    numbers, valid = to_numbers(_number_digits(rows, comma))
    after = np.where(comma, 11, 10)  # first byte after the number
    flag_add, rest_ok = _flags(rows, after, size, default_add=default_add)
    valid &= rest_ok
    accepted = candidates[valid]
    return _parsed(lines, accepted, numbers[valid], flag_add[valid])


def _flags(rows: Bytes, after: Int64s, size: Int64s, *, default_add: bool) -> tuple[Bools, Bools]:
    """Each row's add flag, and whether what follows the number is a canonical flag + date."""
    take = np.arange(rows.shape[0])
    col = np.arange(rows.shape[1])

    def at(offset: int) -> Bytes:
        return np.asarray(rows[take, np.minimum(after + offset, rows.shape[1] - 1)])

    bare = size == after  # the number alone: the file's default flag
    lower = [at(k) | np.uint8(0x20) for k in (1, 2, 3)]
    ends_at = [(size == after + k) | (at(k) == _COMMA) for k in (2, 4)]
    one = (at(0) == _COMMA) & np.isin(lower[0], [ord("a"), ord("d")]) & ends_at[0]
    add3 = (lower[0] == ord("a")) & (lower[1] == ord("d")) & (lower[2] == ord("d"))
    del3 = (lower[0] == ord("d")) & (lower[1] == ord("e")) & (lower[2] == ord("l"))
    three = (at(0) == _COMMA) & (add3 | del3) & ends_at[1] & ~one
    flag_end = np.where(one, after + 2, after + 4)
    date_start = flag_end + 1
    has_date = (one | three) & (size > flag_end)
    in_date = (col >= date_start[:, None]) & (col < size[:, None])
    date_ok = ~(in_date & ~_DATE_BYTES[rows]).any(axis=1)
    date_len = size - date_start
    date_ok &= (date_len >= 6) & (date_len <= 20)  # noqa: PLR2004
    ok = bare | ((one | three) & (~has_date | date_ok))
    adds = np.where(bare, default_add, lower[0] == ord("a"))
    return adds, ok


def parse_line(
    raw: bytes, *, changes: bool, default_add: bool = True
) -> tuple[int, bool] | str | None:
    """The reference parser of one line.

    Returns:
        (number, add flag); or the reason the line is rejected; or None for a blank line.
    """
    text, problem = _text(raw)
    if text is None:
        return problem
    fields = [f.strip().strip('"').strip() for f in text.split(",")]
    flag: bool | None = None
    if changes and fields[0].lower() in _ADD_WORDS | _DELETE_WORDS:
        flag, fields = fields[0].lower() in _ADD_WORDS, fields[1:]
    found = _number(fields)
    if isinstance(found, str):
        return found
    number, rest = found
    if not changes:
        return (number, True) if not rest else "expected only a number on the line"
    return _change(number, rest, flag, default_add)


def _text(raw: bytes) -> tuple[str | None, str | None]:
    """(the stripped text of a line, None) or (None, why it is not text); (None, None): blank."""
    if len(raw) > MAX_LINE:
        return None, f"line longer than {MAX_LINE} bytes"
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None, "not text: the line holds non-ASCII or binary bytes"
    if not text.isprintable():
        return None, "not text: the line holds control characters"
    return text or None, None


def _change(
    number: int, rest: list[str], flag: bool | None, default_add: bool
) -> tuple[int, bool] | str:
    dates = 0
    for value in rest:
        word = value.lower()
        if flag is None and word in _ADD_WORDS | _DELETE_WORDS:
            flag = word in _ADD_WORDS
        elif dates == 0 and _DATE.fullmatch(value):
            dates = 1
        else:
            return "unknown field after the number (expected A/D or ADD/DEL, and a date)"
    return number, default_add if flag is None else flag


def _number(fields: list[str]) -> tuple[int, list[str]] | str:
    """The number at the start of the fields (one field of 10 digits, or 3 then 7)."""
    first = fields[0]
    if len(fields) > 1 and len(first) == 3 and first.isdigit() and fields[1].isdigit():  # noqa: PLR2004
        if len(fields[1]) != 7:  # noqa: PLR2004
            return f"area code followed by {len(fields[1])} digits; expected 7"
        digits, rest = first + fields[1], fields[2:]
    else:
        digits, rest = first, fields[1:]
    reason = number_problem(digits)
    return reason if reason else (int(digits), rest)


def number_problem(digits: str) -> str | None:
    """Why a string is not a valid 10-digit NANP number (None when it is one)."""
    problem = None
    if not digits:
        problem = "no number on the line"
    elif not (digits.isascii() and digits.isdigit()):
        alpha = any(c.isalpha() for c in digits)
        problem = "letters in the number" if alpha else "unexpected characters in the number"
    elif len(digits) != 10:  # noqa: PLR2004
        problem = f"{len(digits)} digits; expected 10"
    elif digits[0] in "01":
        problem = "area code starts with 0 or 1"
    elif digits[3] in "01":
        problem = "exchange starts with 0 or 1"
    return problem
