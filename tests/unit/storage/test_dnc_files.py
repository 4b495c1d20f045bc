"""List files as subscribers receive them: every format, and every way a file can be broken."""

from __future__ import annotations

import csv
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from callwarden.core.ports import ListChunk, RejectedLine
from callwarden.errors import InvalidInput
from callwarden.storage.dnc_files import DncFileReader, is_delete_file
from callwarden.storage.dnc_lines import MAX_LINE

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "dnc"


def read_all(
    path: Path, *, changes: bool = False, block: int = 1 << 16, name: str | None = None
) -> tuple[list[int], list[bool] | None, list[RejectedLine], list[ListChunk]]:
    chunks = list(DncFileReader(block=block).read(path, changes=changes, name=name))
    numbers = [int(n) for c in chunks for n in c.numbers]
    adds = [bool(a) for c in chunks for a in c.adds] if changes else None
    rejects = [r for c in chunks for r in c.rejects]
    return numbers, adds, rejects, chunks


def reasons(rejects: list[RejectedLine]) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in rejects]


def test_flat_file_with_bom_crlf_blank_lines_and_both_number_forms(tmp_path: Path) -> None:
    """The FTC's flat format: 10 digits or NPA,NXXXXXX; CRLF, blank lines and a BOM are fine."""
    path = tmp_path / "national.txt"
    path.write_bytes(b"\xef\xbb\xbf2145550100\r\n\r\n214,5550101\r\n   \r\n9725550102")
    numbers, _, rejects, chunks = read_all(path)
    assert numbers == [2145550100, 2145550101, 9725550102]
    assert rejects == []
    assert chunks[-1].position == chunks[-1].total == path.stat().st_size


def test_bad_lines_are_reported_with_line_numbers_and_good_ones_kept(tmp_path: Path) -> None:
    """Letters, 9 and 11 digits, 0/1-leading codes and binary bytes: each named, none fatal."""
    path = tmp_path / "mixed.txt"
    path.write_bytes(
        b"2145550100\n214555010\n21455501000\n1145550100\n2140550100\n"
        b"CALL-ME-NOT\n\x00\x9f\xfe\xff\n9725550101\n"
    )
    numbers, _, rejects, _ = read_all(path)
    assert numbers == [2145550100, 9725550101]
    assert reasons(rejects) == [
        (2, "9 digits; expected 10"),
        (3, "11 digits; expected 10"),
        (4, "area code starts with 0 or 1"),
        (5, "exchange starts with 0 or 1"),
        (6, "letters in the number"),
        (7, "not text: the line holds non-ASCII or binary bytes"),
    ]
    assert rejects[0].text == "214555010"
    assert rejects[5].text == ""  # binary is never echoed


def test_line_numbers_stay_right_across_block_boundaries(tmp_path: Path) -> None:
    """Blocks much smaller than the file: every line is counted once, in order."""
    rng = np.random.default_rng(3)
    good = rng.integers(2_000_000_000, 9_999_999_999, 500)
    good = good[good // 1_000_000 % 10 >= 2]
    lines = [f"{n:010d}" if i % 3 else f"{n // 10**7},{n % 10**7:07d}" for i, n in enumerate(good)]
    lines.insert(100, "bad line")
    lines.insert(301, "12345")
    path = tmp_path / "big.txt"
    path.write_text("\n".join(lines) + "\n")
    numbers, _, rejects, chunks = read_all(path, block=97)
    assert len(chunks) > 10
    assert numbers == [int(n) for n in good]
    assert reasons(rejects) == [(101, "letters in the number"), (302, "5 digits; expected 10")]


def test_header_line_makes_a_csv_list(tmp_path: Path) -> None:
    """A first line with letters is a header: the phone column is found by name."""
    path = tmp_path / "state.csv"
    path.write_text(
        "Name,Phone Number,City\n"
        "A,(214) 555-0100,Dallas\n"
        "B,+1 214.555.0101,Plano\n"
        "C,n/a,Irving\n"
        "D,1-214-555-0102,Frisco\n"
        "\n"
        "E,555-0100,Austin\n"
        "F,+44 20 7946 0958,London\n"
        "G,(214) 155-0103,Allen\n",
        encoding="utf-8-sig",
    )
    numbers, _, rejects, _ = read_all(path)
    assert numbers == [2145550100, 2145550101, 2145550102]
    assert reasons(rejects) == [
        (4, "letters in the number"),
        (7, "7 digits; expected 10"),
        (8, "country code other than +1"),
        (9, "exchange starts with 0 or 1"),
    ]
    assert rejects[0].text == "n/a"  # the phone cell only, never the whole row


def test_csv_with_area_code_column_and_single_column(tmp_path: Path) -> None:
    """An area code column is joined to the number; a one-column file needs no known name."""
    split = tmp_path / "split.csv"
    split.write_text("area_code,number\n214,555-0100\n972,5550101\n")
    assert read_all(split)[0] == [2145550100, 9725550101]
    single = tmp_path / "single.csv"
    single.write_text("Do not call\r\n214-555-0100\r\n")
    assert read_all(single)[0] == [2145550100]


def test_csv_without_a_phone_column_is_refused(tmp_path: Path) -> None:
    """Several columns and none of them a phone: nothing is guessed."""
    path = tmp_path / "people.csv"
    path.write_text("name,city\nAnn,Dallas\n")
    with pytest.raises(InvalidInput, match="no phone column"):
        read_all(path)


def test_zip_with_two_members_is_read_in_name_order(tmp_path: Path) -> None:
    """The FTC ships zips; members are read in name order and rejects name their member."""
    path = tmp_path / "download.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("b-972.txt", "9725550100\n972,5550101\n")
        archive.writestr("a-214.txt", "2145550100\nnot a number\n")
        archive.writestr("folder/", "")
    numbers, _, rejects, chunks = read_all(path)
    assert numbers == [2145550100, 9725550100, 9725550101]
    assert [(r.member, r.line) for r in rejects] == [("a-214.txt", 2)]
    assert chunks[-1].position == chunks[-1].total


def test_damaged_zip_is_refused(tmp_path: Path) -> None:
    """A truncated archive or a member failing its CRC is an error, not a short list."""
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.txt", "2145550100\n" * 5000)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidInput, match="damaged zip"):
        read_all(truncated)
    flipped = bytearray(data)
    flipped[1000:1010] = b"9725550199"
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(bytes(flipped))
    with pytest.raises(InvalidInput, match="CRC"):
        read_all(corrupt)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    """An empty file yields nothing; a missing one is an error naming it."""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert read_all(empty)[0] == []
    with pytest.raises(InvalidInput, match="not found"):
        read_all(tmp_path / "absent.txt")


def test_binary_garbage_is_all_rejected_without_echo(tmp_path: Path) -> None:
    """Random bytes: no number comes out, every line is rejected, nothing is echoed."""
    path = tmp_path / "garbage.bin"
    path.write_bytes(np.random.default_rng(9).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    numbers, _, rejects, _ = read_all(path, block=4096)
    assert numbers == []
    assert rejects
    assert all(r.text == "" or r.text.isprintable() for r in rejects)


def test_utf16_is_refused_with_advice(tmp_path: Path) -> None:
    """Spreadsheet exports in UTF-16 are named, not silently rejected line by line."""
    path = tmp_path / "export.txt"
    path.write_text("2145550100\n", encoding="utf-16")
    with pytest.raises(InvalidInput, match="UTF-16"):
        read_all(path)


def test_overlong_line_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    """A line longer than the limit does not grow memory: it is skipped and reported."""
    path = tmp_path / "long.txt"
    path.write_bytes(b"2145550100\n" + b"9" * (3 * MAX_LINE) + b"\n2145550101\n")
    numbers, _, rejects, _ = read_all(path, block=1000)
    assert numbers == [2145550100, 2145550101]
    assert reasons(rejects) == [(2, f"line longer than {MAX_LINE} bytes")]
    assert rejects[0].text == ""


def test_change_file_with_header_flags_and_dates(tmp_path: Path) -> None:
    """Records keep file order; a header line is skipped, not rejected."""
    path = tmp_path / "changes.txt"
    path.write_text(
        "AreaCode,PhoneNumber,ChangeType,ChangeDate\r\n"
        "214,5550100,A,2026-03-01\r\n"
        "2145550101,D,2026-03-01\r\n"
        "2145550100,DEL\r\n"
        "2145550102,X\r\n"
    )
    numbers, adds, rejects, _ = read_all(path, changes=True)
    assert numbers == [2145550100, 2145550101, 2145550100]
    assert adds == [True, False, False]
    assert reasons(rejects) == [
        (5, "unknown field after the number (expected A/D or ADD/DEL, and a date)")
    ]


def test_separate_add_and_delete_files(tmp_path: Path) -> None:
    """Without a flag column, the file name decides: a deletions file deletes."""
    deletes = tmp_path / "national-deletes-20260301.txt"
    deletes.write_text("2145550100\n214,5550101\n")
    adds = tmp_path / "national-additions-20260301.txt"
    adds.write_text("2145550102\n")
    assert read_all(deletes, changes=True)[1] == [False, False]
    assert read_all(adds, changes=True)[1] == [True]
    # An upload keeps its original name for this decision.
    assert read_all(adds, changes=True, name="del_20260301.txt")[1] == [False]


@pytest.mark.parametrize(
    ("name", "deletes"),
    [
        ("national-deletes.txt", True),
        ("DEL_20260301.TXT", True),
        ("changes.delete.txt", True),
        ("deletions-214.txt", True),
        ("model-adds.txt", False),
        ("delaware-list.txt", False),
        ("national-adds.txt", False),
    ],
)
def test_delete_file_names(name: str, deletes: bool) -> None:
    """``del`` must be a word of the name: ``model`` or ``delaware`` do not delete."""
    assert is_delete_file(name) is deletes


def test_example_lists_parse_cleanly() -> None:
    """The shipped examples are valid in every format they show."""
    national, _, rejects, _ = read_all(EXAMPLES / "national-sample.txt")
    assert len(national) == 25
    assert rejects == []
    assert 8502345678 in national
    state, _, rejects, _ = read_all(EXAMPLES / "tx-state.csv")
    assert 2142345678 in state
    assert rejects == []
    changes, adds, rejects, _ = read_all(EXAMPLES / "national-changes.txt", changes=True)
    assert rejects == []
    assert adds is not None
    assert len(changes) == len(adds) == 8


def test_write_flat_and_rejects_file(tmp_path: Path) -> None:
    """Export writes 10 digits a line; the rejects file is CSV with a header."""
    reader = DncFileReader()
    out = tmp_path / "out" / "list.txt"
    count = reader.write_flat(out, [np.array([2145550100, 9725550101]), np.array([2015550102])])
    assert count == 3
    assert out.read_text() == "2145550100\n9725550101\n2015550102\n"
    sink = reader.open_rejects(tmp_path / "r.csv")
    sink.write([RejectedLine(line=3, reason="9 digits; expected 10", text="214555010")])
    sink.close()
    rows = list(csv.reader((tmp_path / "r.csv").open()))
    assert rows == [
        ["line", "reason", "text", "member"],
        ["3", "9 digits; expected 10", "214555010", ""],
    ]


def test_fingerprint_names_size_and_hash(tmp_path: Path) -> None:
    """The import log's record of the file."""
    path = tmp_path / "a.txt"
    path.write_bytes(b"2145550100\n")
    fingerprint = DncFileReader().fingerprint(path)
    assert (fingerprint.name, fingerprint.size) == ("a.txt", 11)
    assert fingerprint.sha256 == hashlib.sha256(b"2145550100\n").hexdigest()
