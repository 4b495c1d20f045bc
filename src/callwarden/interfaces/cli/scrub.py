"""``callwarden scrub``: the bulk form of ``check`` over a CSV or Parquet lead list."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from callwarden.core.types import Channel, LineType, Method, Purpose
from callwarden.interfaces.instants import parse_instant

if TYPE_CHECKING:
    from callwarden.interfaces.batch import pipeline
    from callwarden.services.scrub import ScrubService


def scrub(  # every option is keyword-only: Typer passes them by name
    *,
    input_path: Annotated[
        Path, typer.Option("--input", "-i", help="leads.csv or leads.parquet", show_default=False)
    ],
    output_path: Annotated[
        Path, typer.Option("--output", "-o", help="out.parquet or out.csv", show_default=False)
    ],
    phone_column: Annotated[
        str | None,
        typer.Option(help="the phone column (default: phone, phone_number, number, ...)"),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="ISO 8601 instant with offset (default: now), judged in local time"),
    ] = None,
    purpose: Annotated[Purpose, typer.Option(help="why the leads are contacted")] = (
        Purpose.TELEMARKETING
    ),
    method: Annotated[Method, typer.Option(help="how they are dialed")] = Method.MANUAL,
    channel: Annotated[Channel, typer.Option(help="voice or sms")] = Channel.VOICE,
    seller: Annotated[str, typer.Option(help="the seller (consents, internal list)")] = "",
    campaign: Annotated[str, typer.Option(help="the campaign (history, abandonment)")] = "",
    line_type: Annotated[LineType, typer.Option(help="the lines' type when known")] = (
        LineType.UNKNOWN
    ),
    use_ray: Annotated[
        bool, typer.Option("--ray", help="run the batches on Ray Data (needs the ray extra)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Scrub a lead list: every input column, plus phone_e164, allowed and reasons.

    Each row is decided as ``callwarden check`` would decide an attempt to its phone at the
    same instant, with the same reason codes. The output is written to OUTPUT.partial and
    renamed when complete.
    """
    from callwarden.interfaces.batch import pipeline  # noqa: PLC0415 - pyarrow only when used
    from callwarden.services.scrub import ScrubOptions  # noqa: PLC0415

    options = ScrubOptions(
        at=parse_instant(at, "--at") if at is not None else None,
        purpose=purpose,
        method=method,
        channel=channel,
        seller=seller,
        campaign=campaign,
        line_type=line_type,
    )
    with _progress() as progress:
        if use_ray:
            from callwarden.bootstrap import bootstrap  # noqa: PLC0415
            from callwarden.interfaces.batch import ray_runner  # noqa: PLC0415 - optional extra

            report = ray_runner.scrub_file(
                bootstrap(), options, input_path, output_path, phone_column=phone_column
            )
        else:
            report = pipeline.scrub_file(
                _scrubber,  # built while the file is being read
                options,
                input_path,
                output_path,
                phone_column=phone_column,
                progress=progress,
            )
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
    else:
        typer.echo(_summary(report), err=True)


def _summary(report: pipeline.ScrubReport) -> str:
    t = report.tally
    codes = ", ".join(f"{code} {count}" for code, count in sorted(t.by_code.items()))
    line = (
        f"scrubbed {t.rows} rows at {report.at}: {t.allowed} allowed, {t.rows - t.allowed} "
        f"denied; phone column {report.phone_column!r}; wrote {report.output}"
    )
    return line + (f"\n  reasons: {codes}" if codes else "")


def _scrubber() -> ScrubService:
    """The scrub service, configuration, logging and rule set loaded (``bootstrap``).

    Imported and built only once the input file is being read: the reader's first batches
    do not wait for the configuration's, the database's and the rules' modules.
    """
    from callwarden.bootstrap import bootstrap  # noqa: PLC0415

    return bootstrap().scrubber


@contextmanager
def _progress() -> Iterator[pipeline.Progress | None]:
    """A Rich progress bar on a terminal (rows done / total when known); nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415 - only on a terminal
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
    )

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("scrubbing rows", total=None)

    def update(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update
