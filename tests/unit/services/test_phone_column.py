"""The vectorized phone normalization agrees with the single check's ``normalize``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from callwarden.core.gate.numbering import normalize
from callwarden.errors import InvalidInput, InvalidPhoneNumber
from callwarden.services.phone_column import _by_layout, find_phone_column, phone_numbers

TRICKY = [
    "(214) 234-5678",
    "+1 214.234.5678",
    "1-214-234-5678",
    "12142345678",
    "2142345678",
    "  214 234 5678\t",
    "\t+1 (214) 234-5678",
    "+12142345678",
    "+ 1 214 234 5678",  # a "+" not followed by 1: refused like the single check
    "+44 20 7946 0958",
    "+61 2 1234 5678",
    "\x1c+44 214 234 5678",  # Python strips this separator before looking at "+"
    "011 214 234 5678",
    "0012142345678",
    "22142345678",  # eleven digits not starting with 1
    "214-234-567",
    "1 (800) FLOWERS",
    "(214) 234-5678 ext. 12",
    "",
    "   ",
    "n/a",
    "9" * 40,
    "1" * 41,
    "(214) 234-5678" + " " * 26,  # exactly 40 characters
    "(214) 234-5678" + " " * 27,  # 41 characters
    "٢١٤٢٣٤٥٦٧٨",  # Arabic-Indic digits: Python's \\d accepts them, and so do we
    "２１４２３４５６７８",  # full-width digits
    "214·234·5678",  # a non-ASCII separator
    "x" * 60,
]


def expected(text: str | None) -> int:
    if text is None:
        return -1
    try:
        return normalize(text)
    except InvalidPhoneNumber:
        return -1


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_text_normalizes_like_the_single_check(kind: pa.DataType) -> None:
    column = pa.array([*TRICKY, None], type=kind)
    assert phone_numbers(column).tolist() == [expected(t) for t in [*TRICKY, None]]


def test_long_batches_split_across_threads_keep_row_order() -> None:
    """Batches long enough to be stripped on two threads come back in row order."""
    rng = np.random.default_rng(5)
    numbers = rng.integers(2_000_000_000, 9_999_999_999, 100_000)
    text = [f"({n // 10**7}) {n // 10**4 % 1000:03d}-{n % 10**4:04d}" for n in numbers.tolist()]
    text[70_000] = "not a phone"
    got = phone_numbers(pa.chunked_array([text[:40_000], text[40_000:]]))
    want = numbers.copy()
    want[70_000] = -1
    assert np.array_equal(got, want)


def test_a_batch_of_digits_only_skips_the_regex_and_agrees() -> None:
    column = pa.array(["2142345678", "12142345678", "214234567", "", None])
    assert phone_numbers(column).tolist() == [2142345678, 2142345678, -1, -1, -1]


def test_integers_are_used_directly_with_the_same_length_rule() -> None:
    values = pa.array([2142345678, 12142345678, 22142345678, 214234567, -2142345678, 0, None])
    assert phone_numbers(values).tolist() == [2142345678, 2142345678, -1, -1, -1, -1, -1]
    assert phone_numbers(values.cast(pa.uint64(), safe=False)).tolist()[:2] == [2142345678] * 2


def test_whole_floats_are_numbers_and_others_are_not() -> None:
    values = pa.array([2142345678.0, 12142345678.0, 2142345678.5, float("nan"), None])
    assert phone_numbers(values).tolist() == [2142345678, 2142345678, -1, -1, -1]


def test_dictionary_encoded_text_is_decoded() -> None:
    column = pa.array(["(214) 234-5678", "bad", "(214) 234-5678"]).dictionary_encode()
    assert phone_numbers(column).tolist() == [2142345678, -1, 2142345678]


def test_other_column_types_are_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="'when' holds timestamp"):
        phone_numbers(pa.array([0], pa.timestamp("s")), "when")


@pytest.mark.parametrize(
    ("names", "given", "found"),
    [
        (["id", "Phone", "zip"], None, "Phone"),
        (["id", "MOBILE", "cell"], None, "MOBILE"),
        (["id", "telephone", "phone_number"], None, "phone_number"),
        (["id", "home", "work"], "work", "work"),
        (["id", "Work"], "work", "Work"),
    ],
)
def test_the_phone_column_is_found(names: list[str], given: str | None, found: str) -> None:
    assert find_phone_column(names, given) == found


def test_a_missing_phone_column_names_the_columns_there_are() -> None:
    with pytest.raises(InvalidInput, match=r"'id', 'home', 'work'") as caught:
        find_phone_column(["id", "home", "work"], None)
    assert "--phone-column" in caught.value.message
    with pytest.raises(InvalidInput, match="no column 'fax'"):
        find_phone_column(["id", "home"], "fax")


def test_a_file_without_a_header_row_is_not_echoed_back() -> None:
    """Its first row became the column names: the phone number is masked, and a hint given."""
    with pytest.raises(InvalidInput, match="header row") as caught:
        find_phone_column(["2142345678", "Ann"], None)
    assert "2142345678" not in caught.value.message
    assert "…5678" in caught.value.message
    assert "2142345678" not in str(caught.value.details)


_ALPHABET = "0123456789" * 4 + " ()-.+\\t/xX#٢２·\\x1c"


@settings(max_examples=300, deadline=None)
@example(["0"])  # digits only, fewer than ten bytes in all: this once crashed the scrub
@example(["0X", None, ""])
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_ALPHABET, max_size=45)), max_size=40))
def test_any_text_normalizes_like_the_single_check(texts: list[str | None]) -> None:
    """Random notations, separators, letters and non-ASCII digits: the single check's answer."""
    assert phone_numbers(pa.array(texts, type=pa.string())).tolist() == [expected(t) for t in texts]


_ASCII_ALPHABET = "0123456789" * 4 + " ()-.+\t/xX#\x1c"


@settings(max_examples=300, deadline=None)
@example(["+", " +", "+1", " ", ""])  # a "+" at a row's end, and rows of spaces only
@example(["(214) 234-5678" + " " * 19, "2142345678"])  # one row over 32 bytes
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_ASCII_ALPHABET, max_size=45)), max_size=60))
def test_ascii_text_read_by_layout_agrees_with_the_single_check(texts: list[str | None]) -> None:
    """ASCII text takes the layout reading (rows over 32 bytes the scan): the same answers."""
    assert phone_numbers(pa.array(texts, type=pa.string())).tolist() == [expected(t) for t in texts]


@pytest.mark.parametrize("width", [16, 32])
def test_a_lead_file_of_many_notations_is_read_by_layout(width: int) -> None:
    """Every notation of a realistic file, padded to each row width, in one large batch."""
    rng = np.random.default_rng(3)
    notations = [t for t in TRICKY if t.isascii() and len(t) <= width]
    texts = [notations[i] for i in rng.integers(0, len(notations), size=5_000)]
    texts += ["(214) 234-5678 ext. 1" + "0" * (width - 21)] if width > 21 else []
    array = pa.array(texts, type=pa.string())
    assert _by_layout(array) is not None
    assert phone_numbers(array).tolist() == [expected(t) for t in texts]


def test_a_batch_of_very_many_layouts_is_still_read_right() -> None:
    """Past the most layouts the reading by layout takes, the scan reads the batch."""
    texts = ["2" * k + "-" + "3" * (10 - k) for k in range(1, 10)]
    texts += ["1" + "-" * k + "2142345678" + "." * j for k in range(1, 9) for j in range(9)]
    array = pa.array(texts, type=pa.string())
    assert len(set(texts)) > 64
    assert _by_layout(array) is None
    assert phone_numbers(array).tolist() == [expected(t) for t in texts]


def test_a_few_rows_over_32_bytes_are_scanned_and_the_rest_read_by_layout() -> None:
    texts = ["(214) 234-5678"] * 50 + ["  +1 (214) 234-5678" + " " * 15, "+44 " + "2" * 30]
    array = pa.array(texts, type=pa.string())
    assert _by_layout(array) is not None
    assert phone_numbers(array).tolist() == [expected(t) for t in texts]
