"""Scrub on Ray Data: the local pipeline's per-batch function, spread over Ray workers.

This is the only module that imports ``ray``, and only inside its functions, so that
callwarden runs without the optional ``ray`` extra (``pip install 'callwarden[ray]'``).
The driver reads the file's header, fixes the instant and the phone column, and writes the
output in row order with the local pipeline's writer; each Ray worker composes the application
from the same settings (so workers on other machines must see the same ``CALLWARDEN_HOME`` and
database) and scrubs the batches it is given with ``ScrubJob.scrub``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from callwarden.bootstrap import App, bootstrap
from callwarden.config import Settings
from callwarden.errors import ConfigurationError
from callwarden.interfaces.batch import pipeline
from callwarden.services.scrub import ScrubOptions, ScrubTally, find_phone_column, output_schema

#: Ray actors scrubbing at once, unless told otherwise.
DEFAULT_CONCURRENCY = 2


def available() -> bool:
    """Whether the ``ray`` package is installed."""
    return importlib.util.find_spec("ray") is not None


class ScrubBatches:
    """The per-batch function Ray Data calls; one per actor, composed from settings."""

    def __init__(self, settings: Settings, options: ScrubOptions, phone_column: str) -> None:
        """Compose the application in the worker and start the job at the driver's instant."""
        self.job = bootstrap(settings).scrubber.start(options, phone_column)

    def __call__(self, batch: pa.Table) -> pa.Table:
        """Scrub one batch (Ray hands over Arrow tables)."""
        scrubbed = [self.job.scrub(b) for b in batch.to_batches()]
        if not scrubbed:
            return pa.Table.from_batches([], schema=output_schema(batch.schema))
        return pa.Table.from_batches(scrubbed)


def scrub_file(
    app: App,
    options: ScrubOptions,
    source_path: Path,
    target_path: Path,
    *,
    phone_column: str | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> pipeline.ScrubReport:
    """Scrub a lead file with Ray Data; the output is the same as the local pipeline's."""
    ray_data = _ray_data()
    fmt_in = pipeline.format_of(source_path, input_format)
    fmt_out = pipeline.format_of(target_path, output_format)
    with pipeline.open_source(source_path, fmt_in) as source:
        column = find_phone_column(source.schema.names, phone_column)
        job = app.scrubber.start(options, column)  # fixes the instant for every worker
        fixed = replace(options, at=job.at)
        dataset = _read(ray_data, source_path, fmt_in, source.schema)
        scrubbed = dataset.map_batches(
            ScrubBatches,
            fn_constructor_kwargs={
                "settings": app.settings,
                "options": fixed,
                "phone_column": column,
            },
            batch_format="pyarrow",
            concurrency=concurrency,
        )
        tally = ScrubTally()
        ordered = pipeline.Source(
            schema=source.schema,
            total_rows=source.total_rows,
            batches=lambda: _batches(scrubbed),
        )
        sink = pipeline.Sink(target_path, fmt_out, output_schema(source.schema))
        pipeline.run_batches(job, ordered, sink, scrub=lambda b: _counted(b, tally))
    return pipeline.ScrubReport(
        output=target_path, phone_column=column, at=job.at.isoformat(), tally=tally
    )


def _ray_data() -> Any:
    if not available():
        raise ConfigurationError(
            "--ray needs Ray Data, which is not installed; install the extra with "
            "pip install 'callwarden[ray]' or run without --ray"
        )
    import ray.data  # noqa: PLC0415 - the optional extra stays out of every other import

    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # rows come back in input order
    return ray.data


def _read(ray_data: Any, path: Path, fmt: pipeline.FileFormat, schema: pa.Schema) -> Any:
    if fmt is pipeline.FileFormat.PARQUET:
        return ray_data.read_parquet(str(path))
    import pyarrow.csv as pacsv  # noqa: PLC0415

    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(schema.names, pa.string()))
    return ray_data.read_csv(str(path), convert_options=convert)


def _batches(dataset: Any) -> Any:
    for table in dataset.iter_batches(batch_format="pyarrow", batch_size=None):
        yield from table.to_batches()


def _counted(batch: pa.RecordBatch, tally: ScrubTally) -> pa.RecordBatch:
    """Count a scrubbed batch into the driver's totals."""
    tally.rows += batch.num_rows
    tally.allowed += int(pc.sum(batch.column("allowed")).as_py() or 0)
    codes = pc.value_counts(pc.list_flatten(batch.column("reasons")))
    for item in codes.to_pylist():
        tally.by_code[item["values"]] = tally.by_code.get(item["values"], 0) + item["counts"]
    tally.invalid = tally.by_code.get("INVALID_NUMBER", 0)
    return batch
