"""The vectorized line parser agrees with the per-line reference parser on every line shape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callwarden.storage.dnc_lines import (
    PAD,
    number_problem,
    parse_block,
    parse_changes,
    parse_fixed,
    parse_full,
    parse_line,
    split_lines,
)


def block(*lines: bytes) -> tuple[np.ndarray, int]:
    data = b"\n".join(lines) + b"\n"
    buf = np.zeros(len(data) + PAD, dtype=np.uint8)
    buf[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    return buf, len(data)


def fast_then_slow(lines: list[bytes], *, changes: bool, default_add: bool = True) -> list[object]:
    """What each line became: (number, flag) from either path, a reason, or None when blank."""
    buf, size = block(*lines)
    parsed = parse_block(buf, size, changes=changes, default_add=default_add)
    assert parsed.count == len(lines)
    out: list[object] = [None] * len(lines)
    for position, row in enumerate(parsed.rows.tolist()):
        flag = bool(parsed.adds[position]) if parsed.adds is not None else True
        out[row] = ("fast", int(parsed.numbers[position]), flag)
    bounds = zip(parsed.other_starts.tolist(), parsed.other_ends.tolist(), strict=True)
    for row, (start, end) in zip(parsed.others.tolist(), bounds, strict=True):
        assert bytes(buf[start:end]) == lines[row].removesuffix(b"\r")
        out[row] = (
            "slow",
            parse_line(bytes(buf[start:end]), changes=changes, default_add=default_add),
        )
    return out


def test_full_list_shapes_take_the_fast_path() -> None:
    """10 digits and NPA,NXXXXXX (with CR line ends) are parsed without the slow path."""
    got = fast_then_slow(
        [b"2145550100", b"214,5550101\r", b"  2145550102 \t", b"", b"   ", b"\r"], changes=False
    )
    assert got == [
        ("fast", 2145550100, True),
        ("fast", 2145550101, True),
        ("slow", (2145550102, True)),  # blanks around: accepted, one by one
        None,
        ("slow", None),  # only blanks: skipped, not rejected
        None,
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"214555010", "9 digits; expected 10"),
        (b"21455501000", "11 digits; expected 10"),
        (b"1145550100", "area code starts with 0 or 1"),
        (b"0145550100", "area code starts with 0 or 1"),
        (b"2141550100", "exchange starts with 0 or 1"),
        (b"2140550100", "exchange starts with 0 or 1"),
        (b"21455501OO", "letters in the number"),
        (b"214-555-0100", "unexpected characters in the number"),
        (b"214,555,0100", "area code followed by 3 digits; expected 7"),
        (b"2145550100,A", "expected only a number on the line"),
        (b"\x00\xff\xfe\x80abc", "not text: the line holds non-ASCII or binary bytes"),
        (b"2145550100\x07", "not text: the line holds control characters"),
    ],
)
def test_full_list_rejects_say_why(line: bytes, reason: str) -> None:
    """Malformed lines fall to the reference parser, which names the problem."""
    assert fast_then_slow([line], changes=False) == [("slow", reason)]


def test_quoted_numbers_are_accepted_by_the_reference_parser() -> None:
    """Quotes and spaces around fields are not canonical, but they are not errors either."""
    assert fast_then_slow([b'"2145550100"', b"214 , 5550101"], changes=False) == [
        ("slow", (2145550100, True)),
        ("slow", (2145550101, True)),
    ]


def test_change_records_in_every_spelling() -> None:
    """Flags A/D/ADD/DEL in any case, with or without a date, one or two number fields."""
    lines = [
        b"2145550100,A,2026-03-01",
        b"214,5550101,d",
        b"2145550102,ADD",
        b"2145550103,Del,20260301",
        b"2145550104",
        b"D,2145550105,2026-03-01",
        b"2145550106,2026-03-01,delete",
        b"2145550107,added",
    ]
    got = fast_then_slow(lines, changes=True)
    assert got[:5] == [
        ("fast", 2145550100, True),
        ("fast", 2145550101, False),
        ("fast", 2145550102, True),
        ("fast", 2145550103, False),
        ("fast", 2145550104, True),
    ]
    assert got[5:] == [
        ("slow", (2145550105, False)),
        ("slow", (2145550106, False)),
        ("slow", (2145550107, True)),
    ]


def test_a_change_file_without_flags_takes_the_files_default() -> None:
    """A deletions file lists bare numbers: each is a deletion."""
    got = fast_then_slow([b"2145550100", b"214,5550101"], changes=True, default_add=False)
    assert got == [("fast", 2145550100, False), ("fast", 2145550101, False)]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"2145550100,X", "unknown field after the number"),
        (b"2145550100,A,D", "unknown field after the number"),
        (b"2145550100,A,yesterday", "unknown field after the number"),
        (b"2145550100,A,", "unknown field after the number"),
        (b"114555010,A", "9 digits; expected 10"),
    ],
)
def test_change_record_rejects(line: bytes, reason: str) -> None:
    """Unknown flags, two flags, or garbage after the number are rejected."""
    result = fast_then_slow([line], changes=True)[0]
    assert isinstance(result, tuple)
    assert result[0] == "slow"
    assert str(result[1]).startswith(reason)


def test_number_problem_accepts_only_valid_nanp_numbers() -> None:
    """The one rule both paths share."""
    assert number_problem("2145550100") is None
    assert number_problem("") == "no number on the line"
    assert number_problem("２１４５５５０１００") == "unexpected characters in the number"


LINE_PARTS = st.sampled_from(
    [
        "2145550100", "9725550199", "214,5550101", "1145550100", "2140550100", "214555010",
        "21455501000", ",", ",A", ",d", ",ADD", ",del", ",Delete", ",X", ",2026-03-01",
        ",20260301", " ", '"', "\r", "\t", "abc", "\x00", "\xff", "",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(LINE_PARTS, min_size=1, max_size=4), min_size=1, max_size=20))
def test_the_fast_path_never_accepts_what_the_reference_parser_refuses(
    pieces: list[list[str]],
) -> None:
    """Every line the fast path accepts is accepted, identically, by ``parse_line``."""
    lines = [
        "".join(parts).encode("latin-1").replace(b"\n", b"") for parts in pieces
    ]  # no newline inside a line
    for changes in (False, True):
        buf, size = block(*lines)
        bounds = split_lines(buf, size)
        if changes:
            parsed = parse_changes(buf, bounds, default_add=True)
        else:
            parsed = parse_full(buf, bounds)
        for position, row in enumerate(parsed.rows.tolist()):
            raw = bytes(buf[bounds.starts[row] : bounds.ends[row]])
            flag = bool(parsed.adds[position]) if parsed.adds is not None else True
            assert parse_line(raw, changes=changes) == (int(parsed.numbers[position]), flag)


def test_a_block_of_canonical_lines_is_read_in_place() -> None:
    """Only 10-digit and NPA,NXXXXXX lines: the fixed-width path, bad digits sent one by one."""
    lines = [b"2145550100", b"214,5550101", b"1145550100", b"972,1550102", b"21455501O3"]
    buf, size = block(*lines)
    assert parse_fixed(buf, size) is not None
    assert fast_then_slow(lines, changes=False) == [
        ("fast", 2145550100, True),
        ("fast", 2145550101, True),
        ("slow", "area code starts with 0 or 1"),
        ("slow", "exchange starts with 0 or 1"),
        ("slow", "letters in the number"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        [b"2145550100", b"214,555010"],  # a short comma line
        [b"2145550100", b"21,45550100"],  # the comma elsewhere
        [b"214,5550100,"],  # two commas
        [b"2145550100\r"],  # CRLF
        [b"2145550100", b""],  # a blank line
    ],
)
def test_blocks_off_the_fixed_shape_take_the_general_path(lines: list[bytes]) -> None:
    """Anything but canonical lines: the fixed path declines; the general path still decides."""
    buf, size = block(*lines)
    assert parse_fixed(buf, size) is None
    assert parse_block(buf, size, changes=False).count == len(lines)


CANONICAL = st.builds(
    lambda digits, comma: (digits[:3] + "," + digits[3:]) if comma else digits,
    st.text(alphabet="0123456789O", min_size=10, max_size=10),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CANONICAL, min_size=1, max_size=40))
def test_the_fixed_path_agrees_with_the_reference_parser(lines: list[str]) -> None:
    """Canonical-shaped lines with random digits (0/1-leading codes, a letter O): same answers."""
    raw = [line.encode() for line in lines]
    for line, got in zip(raw, fast_then_slow(raw, changes=False), strict=True):
        expected = parse_line(line, changes=False)
        if isinstance(expected, tuple):
            assert got in (("fast", *expected), ("slow", expected))
        else:
            assert got == ("slow", expected)
