"""Import files are checked before reading, read line by line with numbers, and rejects go aside."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from callwarden.errors import ImportRejected, InvalidInput, PayloadTooLarge
from callwarden.interfaces.imports import (
    CsvLayout,
    Line,
    Rejects,
    accepted,
    check_file,
    csv_lines,
    import_file,
    json_lines,
    parse_json,
    rejects_path,
    text_lines,
)

CDR = CsvLayout(columns=("phone", "at", "outcome", "ring_s"), required=("phone", "at", "outcome"))
RND = CsvLayout(
    columns=("phone", "disconnected_at"), required=("phone", "disconnected_at"), header="optional"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


class TestCheckFile:
    def test_a_missing_file_is_named(self, tmp_path: Path) -> None:
        """A path that does not exist is refused with its name."""
        with pytest.raises(InvalidInput, match=r"not found: nope\.jsonl"):
            check_file(tmp_path / "nope.jsonl", max_bytes=1000)

    def test_a_directory_is_not_a_file(self, tmp_path: Path) -> None:
        """A directory is refused."""
        (tmp_path / "d.jsonl").mkdir()
        with pytest.raises(InvalidInput, match="not a regular file"):
            check_file(tmp_path / "d.jsonl", max_bytes=1000)

    def test_an_empty_file_is_refused(self, tmp_path: Path) -> None:
        """Zero bytes is an error, not a successful import of nothing."""
        with pytest.raises(InvalidInput, match="is empty"):
            check_file(write(tmp_path, "e.jsonl", b""), max_bytes=1000)

    def test_a_200_mb_file_is_refused_before_reading(self, tmp_path: Path) -> None:
        """A file over the limit is refused by its size, naming both sizes (sparse file)."""
        path = tmp_path / "huge.jsonl"
        with path.open("wb") as handle:
            handle.truncate(200 * 1024 * 1024)
        with pytest.raises(PayloadTooLarge, match=r"200\.0 MiB, over the limit of 100\.0 MiB"):
            check_file(path, max_bytes=100 * 1024 * 1024)

    @pytest.mark.parametrize(
        ("data", "what"),
        [
            (gzip.compress(b'{"phone": "2142345678"}\n', mtime=0), "gzip archive"),
            (b"PAR1\x15\x04\x15\x10", "Parquet file"),
            ('{"phone": "2142345678"}\n'.encode("utf-16"), "UTF-16 text"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ],
        ids=["gzip", "parquet", "utf16", "png"],
    )
    def test_binary_files_are_refused_with_what_they_are(
        self, tmp_path: Path, data: bytes, what: str
    ) -> None:
        """Compressed, columnar, UTF-16 and other binary files get a message naming the kind."""
        with pytest.raises(InvalidInput, match=what):
            check_file(write(tmp_path, "f.jsonl", data), max_bytes=10_000)

    def test_a_zip_archive_is_refused(self, tmp_path: Path) -> None:
        """A zip export must be extracted first."""
        path = tmp_path / "c.jsonl"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("c.jsonl", "{}\n")
        with pytest.raises(InvalidInput, match="zip archive"):
            check_file(path, max_bytes=10_000)


class TestTextLines:
    def test_line_numbers_count_blank_lines_but_skip_them(self, tmp_path: Path) -> None:
        """Blank lines are skipped, yet the numbers match what an editor shows."""
        path = write(tmp_path, "a.jsonl", "one\n\n  \nfour\r\nfive")
        assert [(x.number, x.value) for x in text_lines(path, max_line_bytes=100)] == [
            (1, "one"),
            (4, "four"),
            (5, "five"),
        ]

    def test_an_overlong_line_is_rejected_and_reading_goes_on(self, tmp_path: Path) -> None:
        """A line over the limit becomes an error; the next line is read normally."""
        path = write(tmp_path, "a.jsonl", "x" * 5000 + "\nshort\n")
        lines = list(text_lines(path, max_line_bytes=100))
        assert lines[0] == Line(1, error="line longer than 100 bytes")
        assert lines[1] == Line(2, value="short")

    def test_invalid_utf8_is_rejected_per_line(self, tmp_path: Path) -> None:
        """A Latin-1 byte in one line rejects that line only."""
        path = write(tmp_path, "a.jsonl", b"caf\xe9\nok\n")
        lines = list(text_lines(path, max_line_bytes=100))
        assert lines[0].error == "line is not UTF-8 text"
        assert lines[1].value == "ok"

    def test_a_byte_order_mark_is_dropped(self, tmp_path: Path) -> None:
        """Spreadsheet exports start with a BOM; it is not part of the first value."""
        path = write(tmp_path, "a.csv", b"\xef\xbb\xbfphone,at\n")
        assert next(text_lines(path, max_line_bytes=100)).value == "phone,at"


class TestJson:
    @pytest.mark.parametrize(
        ("text", "error"),
        [
            ('{"phone": "2142345678"', "not valid JSON: Expecting ',' delimiter"),
            ("{'phone': 1}", "not valid JSON: Expecting property name"),
            ('{"ring_s": NaN}', "not valid JSON: NaN is not allowed"),
            ("[" * 100_000 + "]" * 100_000, "not valid JSON: nested too deeply"),
        ],
    )
    def test_broken_json_gets_an_error_without_the_text(self, text: str, error: str) -> None:
        """Broken JSON is described, never echoed."""
        value, message = parse_json(text)
        assert value is None
        assert message is not None
        assert message.startswith(error)
        assert "2142345678" not in message

    def test_json_lines_pair_values_with_numbers(self, tmp_path: Path) -> None:
        """Each line is parsed on its own; a broken one does not stop the rest."""
        path = write(tmp_path, "a.jsonl", '{"a": 1}\n{broken\n[1, 2]\n')
        lines = list(json_lines(path, max_line_bytes=1000))
        assert [x.number for x in lines] == [1, 2, 3]
        assert lines[0].value == {"a": 1}
        assert lines[1].error is not None
        assert lines[2].value == [1, 2]


class TestCsv:
    def test_rows_become_dicts_keyed_by_the_header(self, tmp_path: Path) -> None:
        """Columns may come in any order; empty fields are absent."""
        path = write(
            tmp_path,
            "h.csv",
            "outcome,Phone,at,ring_s\nbusy,(214) 234-5678,2026-03-02T10:00:00-06:00,\n",
        )
        (line,) = csv_lines(path, CDR, max_line_bytes=1000)
        assert line == Line(
            2,
            value={"outcome": "busy", "phone": "(214) 234-5678", "at": "2026-03-02T10:00:00-06:00"},
        )

    def test_a_required_header_must_be_there(self, tmp_path: Path) -> None:
        """Without a header a call detail CSV is refused as a whole."""
        path = write(tmp_path, "h.csv", "2142345678,2026-03-02T10:00:00-06:00,busy,\n")
        with pytest.raises(InvalidInput, match="first line must be a header"):
            list(csv_lines(path, CDR, max_line_bytes=1000))

    @pytest.mark.parametrize(
        ("header", "problem"),
        [
            ("phone,at,outcome,card_number", "unknown column"),
            ("phone,at,ring_s", "missing column"),
            ("phone,at,outcome,phone", "repeated column"),
        ],
    )
    def test_a_bad_header_is_refused(self, tmp_path: Path, header: str, problem: str) -> None:
        """Unknown, missing and repeated columns are named."""
        path = write(tmp_path, "h.csv", header + "\n")
        with pytest.raises(InvalidInput, match=problem):
            list(csv_lines(path, CDR, max_line_bytes=1000))

    def test_an_optional_header_may_be_absent(self, tmp_path: Path) -> None:
        """Reassigned-number files may start with data; columns are then positional."""
        path = write(tmp_path, "r.csv", "2142345678,2026-01-31\n5412345678,2026-02-01\n")
        values = [x.value for x in csv_lines(path, RND, max_line_bytes=1000)]
        assert values[0] == {"phone": "2142345678", "disconnected_at": "2026-01-31"}
        assert len(values) == 2

    def test_wrong_field_counts_and_bad_quoting_reject_the_line(self, tmp_path: Path) -> None:
        """A short row and an unterminated quote are rejected with their line numbers."""
        path = write(
            tmp_path,
            "r.csv",
            'phone,disconnected_at\n2142345678\n"5412345678,2026-01-31\n2125551234,2026-01-31\n',
        )
        lines = list(csv_lines(path, RND, max_line_bytes=1000))
        assert [(x.number, x.error is None) for x in lines] == [(2, False), (3, False), (4, True)]
        assert lines[0].error == "expected 2 fields, got 1"


class TestRejectsAndImport:
    def test_rejects_path_sits_beside_the_input(self, tmp_path: Path) -> None:
        """``consents.jsonl`` rejects go to ``consents.jsonl.rejects.jsonl``."""
        assert (
            rejects_path(tmp_path / "consents.jsonl") == tmp_path / "consents.jsonl.rejects.jsonl"
        )

    def test_accepted_sends_failures_to_rejects(self, tmp_path: Path) -> None:
        """Unreadable lines and values that fail conversion are rejected; good ones pass."""

        def convert(value: Any) -> int:
            if not isinstance(value, int):
                msg = "must be a number"
                raise ValueError(msg)
            return value

        lines = iter([Line(1, value=5), Line(2, error="not valid JSON"), Line(3, value="x")])
        with Rejects(tmp_path / "r.jsonl") as rejects:
            assert list(accepted(lines, convert, rejects)) == [5]
        rows = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
        assert rows == [
            {"line": 2, "error": "not valid JSON"},
            {"line": 3, "error": "must be a number"},
        ]

    def test_a_stale_rejects_file_is_removed(self, tmp_path: Path) -> None:
        """A clean rerun leaves no rejects file from the previous run behind."""
        source = write(tmp_path, "a.jsonl", "1\n2\n")
        stale = write(tmp_path, "a.jsonl.rejects.jsonl", '{"line": 9, "error": "old"}\n')
        stored = import_file(
            source, convert=int, store=lambda xs: len(list(xs)), max_bytes=100, max_line_bytes=10
        )
        assert stored == 2
        assert not stale.exists()

    def test_import_raises_after_storing_when_lines_were_rejected(self, tmp_path: Path) -> None:
        """The good lines reach the store; then ImportRejected names the counts and the file."""
        source = write(tmp_path, "a.jsonl", '1\n"two"\n3\n')
        seen: list[int] = []

        def convert(value: Any) -> int:
            if not isinstance(value, int):
                msg = "must be a number"
                raise ValueError(msg)
            return value

        def store(values: Any) -> int:
            seen.extend(values)
            return len(seen)

        with pytest.raises(ImportRejected) as caught:
            import_file(
                source,
                convert=convert,
                store=store,
                max_bytes=100,
                max_line_bytes=10,
            )
        assert seen == [1, 3]
        assert caught.value.details["rejected"] == 1
        assert caught.value.details["stored"] == 2
        assert rejects_path(source).exists()

    def test_a_file_of_blank_lines_has_no_records(self, tmp_path: Path) -> None:
        """Only whitespace is an error rather than a silent import of nothing."""
        source = write(tmp_path, "a.jsonl", "\n \n\t\n")
        with pytest.raises(InvalidInput, match="has no records"):
            import_file(
                source,
                convert=int,
                store=lambda xs: len(list(xs)),
                max_bytes=100,
                max_line_bytes=10,
            )

    def test_unknown_file_types_are_refused(self, tmp_path: Path) -> None:
        """A .xlsx is not read as text."""
        source = write(tmp_path, "a.xlsx", "phone\n")
        with pytest.raises(InvalidInput, match=r"unknown file type \.xlsx"):
            import_file(
                source,
                convert=int,
                store=lambda xs: len(list(xs)),
                max_bytes=100,
                max_line_bytes=10,
            )
