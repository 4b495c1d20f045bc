"""The scrub batch loop: streaming in and out, the ``.partial`` file, failures that keep output."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from callwarden.core.gate.checks import default_checks
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import NumberingPlan
from callwarden.errors import ConfigurationError, InvalidInput
from callwarden.interfaces.batch import pipeline, ray_runner
from callwarden.services.scrub import ScrubJob, ScrubOptions, ScrubService
from callwarden.storage.rule_files import load_rule_set
from callwarden.testing import FixedClock, MemoryDnc, MemoryUnitOfWork

TESTDATA = Path(__file__).resolve().parents[2] / "rules" / "testdata"
AT = datetime.fromisoformat("2026-03-03T16:00:00+00:00")
OPTIONS = ScrubOptions(at=AT, seller="acme")


@pytest.fixture(scope="module")
def service(plan: NumberingPlan) -> ScrubService:
    gate = Gate(plan=plan, rules=load_rule_set(TESTDATA), checks=default_checks())
    return ScrubService(gate=gate, uow=MemoryUnitOfWork, dnc=MemoryDnc(), clock=FixedClock(AT))


def lead_rows(count: int) -> list[str]:
    return [f"{i},({214 + i % 3}) 234-{i % 10_000:04d},Lead {i}" for i in range(count)]


def write_csv(path: Path, rows: list[str], tail: bytes = b"") -> Path:
    path.write_bytes(("id,phone,name\n" + "\n".join(rows) + "\n").encode() + tail)
    return path


def scrub_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("scrub-")]


def test_many_batches_stream_through_in_order(
    service: ScrubService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "CSV_BLOCK_BYTES", 4096)
    source = write_csv(tmp_path / "leads.csv", lead_rows(5_000))
    target = tmp_path / "out" / "scrubbed.parquet"
    report = pipeline.scrub_file(service, OPTIONS, source, target)
    table = pq.read_table(target)
    assert table.column("id").to_pylist() == [str(i) for i in range(5_000)]
    assert report.tally.rows == 5_000
    assert report.to_dict()["rows"] == 5_000
    assert len(pq.ParquetFile(target).metadata.row_group(0).to_dict()["columns"]) == 6
    assert not scrub_threads()


def test_parquet_columns_are_encoded_by_what_their_first_batch_holds(
    service: ScrubService, tmp_path: Path
) -> None:
    """Repeating text gets a dictionary; digits that barely compress are stored plainly."""
    rng = np.random.default_rng(5)
    phones = [str(n) for n in rng.integers(2_000_000_000, 9_999_999_999, size=4_000).tolist()]
    notes = [f"customer since 20{i % 20:02d} - prefers evenings" for i in range(4_000)]
    rows = [f"lead-{i:08d},{p},{n}" for i, (p, n) in enumerate(zip(phones, notes, strict=True))]
    source = tmp_path / "leads.csv"
    source.write_text("id,phone,note\n" + "\n".join(rows) + "\n")
    target = tmp_path / "out.parquet"
    pipeline.scrub_file(service, OPTIONS, source, target)
    columns = pq.ParquetFile(target).metadata.row_group(0).to_dict()["columns"]
    by_name = {c["path_in_schema"]: c for c in columns}
    assert by_name["phone"]["compression"] == "UNCOMPRESSED"
    assert by_name["phone_e164"]["compression"] == "UNCOMPRESSED"
    assert by_name["id"]["compression"] == "SNAPPY"
    assert "RLE_DICTIONARY" in by_name["note"]["encodings"]
    assert by_name["allowed"]["statistics"] is not None
    assert by_name["phone_e164"]["statistics"] is None
    assert by_name["reasons.list.element"]["statistics"] is None
    assert pq.read_table(target).column("phone").to_pylist() == phones


def test_integer_columns_are_delta_encoded_and_read_back_unchanged(
    service: ScrubService, tmp_path: Path
) -> None:
    """Sequential ids and 10-digit phone numbers as integers: delta-encoded, uncompressed."""
    rng = np.random.default_rng(9)
    phones = rng.integers(2_000_000_000, 9_999_999_999, size=5_000)
    ids = np.arange(1, 5_001, dtype=np.int64)
    source = tmp_path / "leads.parquet"
    pq.write_table(
        pa.table({"lead_id": ids, "phone": phones, "tier": ["gold", "tin"] * 2_500}), source
    )
    target = tmp_path / "out.parquet"
    pipeline.scrub_file(service, OPTIONS, source, target)
    columns = pq.ParquetFile(target).metadata.row_group(0).to_dict()["columns"]
    by_name = {c["path_in_schema"]: c for c in columns}
    for name in ("lead_id", "phone"):
        assert "DELTA_BINARY_PACKED" in by_name[name]["encodings"], name
        assert by_name[name]["compression"] == "UNCOMPRESSED"
        assert by_name[name]["statistics"] is not None
    assert "RLE_DICTIONARY" in by_name["tier"]["encodings"]
    table = pq.read_table(target)
    assert table.column("lead_id").to_pylist() == ids.tolist()
    assert table.column("phone").to_pylist() == phones.tolist()
    e164 = table.column("phone_e164").to_pylist()
    assert all(e in (None, f"+1{n}") for e, n in zip(e164, phones.tolist(), strict=True))
    assert sum(e is not None for e in e164) > 1_000  # the valid ones among random numbers


def test_the_file_is_read_while_the_service_is_built(
    service: ScrubService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a function that builds the service, reading starts first (Arrow parses meanwhile)."""
    monkeypatch.setattr(pipeline, "CSV_BLOCK_BYTES", 4096)
    source = write_csv(tmp_path / "leads.csv", lead_rows(3_000))
    first_read = threading.Event()
    original = pipeline.open_source

    @contextlib.contextmanager
    def watched(path: Path, fmt: pipeline.FileFormat) -> Iterator[pipeline.Source]:
        with original(path, fmt) as opened:

            def batches() -> Iterator[pa.RecordBatch]:
                for batch in opened.batches():
                    first_read.set()
                    yield batch

            yield replace(opened, batches=batches)

    monkeypatch.setattr(pipeline, "open_source", watched)

    def build() -> ScrubService:
        assert first_read.wait(timeout=30), "nothing was read before the service was built"
        return service

    report = pipeline.scrub_file(build, OPTIONS, source, tmp_path / "out.parquet")
    assert report.tally.rows == 3_000
    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist()[-1] == "2999"
    assert not scrub_threads()


def _small_batches(pulled: list[int], count: int) -> Iterator[pa.RecordBatch]:
    for i in range(count):
        pulled.append(i)
        yield pa.record_batch({"phone": pa.array([f"214555{i:04d}"] * 10)})


def _wait_for(condition: Any, timeout: float = 10.0) -> bool:
    stop = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        stop.wait(0.01)
    return True


def test_the_reader_prepares_each_batch_on_its_thread_in_order() -> None:
    """``prepare`` runs on the reading thread; batches come out in order with what it made."""
    pulled: list[int] = []
    threads: set[str] = set()

    def prepare(batch: pa.RecordBatch) -> np.ndarray:
        threads.add(threading.current_thread().name)
        return np.asarray(pipeline.phone_numbers(batch.column("phone")))

    with pipeline._read_ahead(_small_batches(pulled, 30), prepare) as batches:
        out = list(batches)
    assert threads == {"scrub-reader"}
    assert [int(numbers[0]) for _, numbers in out] == [2145550000 + i for i in range(30)]
    assert all(b.num_rows == 10 for b, _ in out)
    assert not scrub_threads()


def test_the_reader_goes_past_its_batch_count_only_within_the_byte_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Small batches are read far ahead (a scrub's start-up is overlapped); large ones not."""
    pulled: list[int] = []
    with pipeline._read_ahead(_small_batches(pulled, 100)) as batches:
        assert _wait_for(lambda: len(pulled) == 100)  # 100 small batches fit the budget
        assert len(list(batches)) == 100
    monkeypatch.setattr(pipeline, "_READ_AHEAD_BYTES", 0)
    pulled.clear()
    with pipeline._read_ahead(_small_batches(pulled, 100)) as batches:
        assert _wait_for(lambda: len(pulled) >= pipeline._READ_AHEAD)
        threading.Event().wait(0.2)
        assert len(pulled) <= pipeline._READ_AHEAD + 1  # one more may be in hand
        assert next(batches)[0].num_rows == 10
    assert not scrub_threads()


def test_an_error_while_preparing_comes_out_after_the_batches_before_it() -> None:
    """A batch ``prepare`` refuses raises in its place; the ones before it come out first."""
    pulled: list[int] = []

    def prepare(batch: pa.RecordBatch) -> None:
        if batch.column("phone")[0].as_py().endswith("0005"):
            raise InvalidInput("bad phone column")

    got = []
    with (
        pytest.raises(InvalidInput, match="bad phone column"),
        pipeline._read_ahead(_small_batches(pulled, 20), prepare) as batches,
    ):
        got.extend(batches)
    assert len(got) == 5
    assert not scrub_threads()


def test_a_failure_half_way_keeps_the_rows_written_in_the_partial_file(
    service: ScrubService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes that are not UTF-8 deep in the file: the error names the rows kept and where."""
    monkeypatch.setattr(pipeline, "CSV_BLOCK_BYTES", 4096)
    source = write_csv(tmp_path / "leads.csv", lead_rows(3_000), tail=b"3001,2142345678,Zo\xeb\n")
    target = tmp_path / "scrubbed.parquet"
    with pytest.raises(InvalidInput) as caught:
        pipeline.scrub_file(service, OPTIONS, source, target)
    error = caught.value
    kept = error.details["rows_written"]
    assert 0 < kept < 3_001
    assert str(target) + ".partial" in error.message
    assert not target.exists()
    partial = pq.read_table(error.details["partial_output"])
    assert partial.column("id").to_pylist() == [str(i) for i in range(kept)]
    assert not scrub_threads()


def test_a_writer_failure_is_raised_and_names_what_was_kept(
    service: ScrubService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "CSV_BLOCK_BYTES", 4096)
    source = write_csv(tmp_path / "leads.csv", lead_rows(3_000))
    original = pipeline.Sink.write
    calls = {"n": 0}

    def flaky(self: pipeline.Sink, batch: pa.RecordBatch) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        original(self, batch)

    monkeypatch.setattr(pipeline.Sink, "write", flaky)
    with pytest.raises(InvalidInput, match="No space left on device") as caught:
        pipeline.scrub_file(service, OPTIONS, source, tmp_path / "out.parquet")
    assert caught.value.details["rows_written"] > 0
    assert not (tmp_path / "out.parquet").exists()
    assert not scrub_threads()


def test_a_failing_batch_stops_the_scrub_threads_and_keeps_the_batches_before_it(
    service: ScrubService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches are scrubbed side by side; an error in one is raised once, in input order."""
    monkeypatch.setattr(pipeline, "CSV_BLOCK_BYTES", 4096)
    source = write_csv(tmp_path / "leads.csv", lead_rows(3_000))
    seen: list[str] = []
    original = ScrubJob.scrub

    def failing(job: ScrubJob, batch: pa.RecordBatch, numbers: Any = None) -> pa.RecordBatch:
        first = batch.column("id")[0].as_py()
        seen.append(first)
        if len(seen) == 4:
            raise RuntimeError("scrub failed")
        return original(job, batch, numbers)

    monkeypatch.setattr(ScrubJob, "scrub", failing)
    with pytest.raises(RuntimeError, match="scrub failed") as caught:
        pipeline.scrub_file(service, OPTIONS, source, tmp_path / "out.parquet")
    assert "rows scrubbed before it" in str(caught.value.__notes__)
    partial = pq.read_table(tmp_path / "out.parquet.partial")
    ids = partial.column("id").to_pylist()
    assert ids == [str(i) for i in range(len(ids))]
    assert str(len(ids)) in seen  # the rows written end where a failing batch began
    assert not scrub_threads()


def test_progress_reports_rows_and_the_known_total(service: ScrubService, tmp_path: Path) -> None:
    source = tmp_path / "leads.parquet"
    table = pa.table({"cell": pa.array(range(2_142_345_000, 2_142_345_000 + 600_000))})
    pq.write_table(table, source, row_group_size=100_000)
    seen: list[tuple[int, int | None]] = []
    pipeline.scrub_file(
        service, OPTIONS, source, tmp_path / "o.csv", progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (600_000, 600_000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_header_only_csv_gives_an_empty_output_with_the_columns(
    service: ScrubService, tmp_path: Path
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text("id,Telephone\n", encoding="utf-8")
    pipeline.scrub_file(service, OPTIONS, source, tmp_path / "o.parquet")
    out = pq.read_table(tmp_path / "o.parquet")
    assert out.num_rows == 0
    assert out.column_names == ["id", "Telephone", "phone_e164", "allowed", "reasons"]


def test_every_csv_column_is_read_as_text(service: ScrubService, tmp_path: Path) -> None:
    """A column that looks numeric in the first block keeps later text and leading zeros."""
    rows = [f"{i},2142345678,{i:05d}" for i in range(3)] + ["3,2142345678,02134-1234"]
    source = tmp_path / "leads.csv"
    source.write_text("id,phone,zip\n" + "\n".join(rows) + "\n", encoding="utf-8")
    pipeline.scrub_file(service, OPTIONS, source, tmp_path / "o.csv")
    text = pacsv.ConvertOptions(column_types={"zip": pa.string()})
    out = pacsv.read_csv(tmp_path / "o.csv", convert_options=text)
    assert out.column("zip").to_pylist() == ["00000", "00001", "00002", "02134-1234"]


def test_csv_output_refuses_nested_columns(service: ScrubService, tmp_path: Path) -> None:
    source = tmp_path / "leads.parquet"
    pq.write_table(pa.table({"phone": ["2142345678"], "tags": [["vip", "fl"]]}), source)
    with pytest.raises(InvalidInput, match=r"'tags'.*write Parquet"):
        pipeline.scrub_file(service, OPTIONS, source, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv.partial").exists()


@pytest.mark.parametrize(
    ("name", "given", "fmt"),
    [
        ("leads.csv", None, "csv"),
        ("leads.CSV.gz", None, "csv"),
        ("leads.parquet", None, "parquet"),
        ("leads.pq", None, "parquet"),
        ("anything", "Parquet", "parquet"),
    ],
)
def test_formats_by_name(name: str, given: str | None, fmt: str) -> None:
    assert pipeline.format_of(Path(name), given) == fmt


def test_formats_by_first_bytes_and_unknown_ones(tmp_path: Path) -> None:
    sniffed = tmp_path / "upload"
    pq.write_table(pa.table({"phone": ["1"]}), sniffed)
    assert pipeline.format_of(sniffed) == "parquet"
    sniffed.write_text("phone\n1\n", encoding="utf-8")
    assert pipeline.format_of(sniffed) == "csv"
    with pytest.raises(InvalidInput, match=r"name it \.csv or \.parquet"):
        pipeline.format_of(tmp_path / "out.xlsx")
    with pytest.raises(InvalidInput, match="unknown format"):
        pipeline.format_of(sniffed, "json")


def test_ray_runner_needs_the_ray_extra(service: ScrubService, tmp_path: Path) -> None:
    if ray_runner.available():
        pytest.skip("ray is installed: the missing-extra error cannot be shown")
    source = write_csv(tmp_path / "leads.csv", lead_rows(10))
    app = type("App", (), {"scrubber": service, "settings": None})()
    with pytest.raises(ConfigurationError, match=r"callwarden\[ray\]"):
        ray_runner.scrub_file(app, OPTIONS, source, tmp_path / "o.parquet")  # type: ignore[arg-type]


def test_ray_runner_writes_what_the_local_pipeline_writes(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("ray", reason="ray is not installed (optional extra 'ray')")
    source = write_csv(tmp_path / "leads.csv", lead_rows(2_000))
    local = pipeline.scrub_file(app.scrubber, OPTIONS, source, tmp_path / "local.parquet")
    ray_report = ray_runner.scrub_file(app, OPTIONS, source, tmp_path / "ray.parquet")
    assert pq.read_table(tmp_path / "ray.parquet").equals(pq.read_table(tmp_path / "local.parquet"))
    assert ray_report.tally.rows == local.tally.rows
    assert ray_report.tally.by_code == local.tally.by_code


def test_reading_errors_do_not_quote_the_input() -> None:
    """Arrow quotes the broken line or value; the message keeps the reason only."""
    import pyarrow as pa

    line = pa.ArrowInvalid("CSV parse error: Expected 2 columns, got 3: 2,2142345678,extra")
    assert pipeline.arrow_reason(line) == "CSV parse error: Expected 2 columns, got 3"
    value = pa.ArrowInvalid(
        "In CSV column #1: CSV conversion error to int64: invalid value '4111111111111111'"
    )
    assert "4111" not in pipeline.arrow_reason(value).replace("…", "")
