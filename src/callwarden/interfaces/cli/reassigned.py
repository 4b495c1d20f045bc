"""``callwarden reassigned import``: permanently disconnected numbers (reassigned-numbers data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from callwarden.bootstrap import bootstrap
from callwarden.interfaces.imports import CsvLayout, MiB, import_file
from callwarden.interfaces.ledger_schemas import ReassignedIn

MAX_LINE_BYTES = 4 * 1024
CSV_LAYOUT = CsvLayout(
    columns=("phone", "disconnected_at"), required=("phone", "disconnected_at"), header="optional"
)

app = typer.Typer(help="Reassigned numbers: import permanent disconnections.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="a CSV of phone,disconnected_at (header optional)")],
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="where to write rejected lines")
    ] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, help="refuse larger files")] = 2048
    * MiB,
) -> None:
    """Import numbers and when each was permanently disconnected.

    disconnected_at: an ISO 8601 instant with offset, or a date; a date counts
    every consent given that day as given before the disconnection.

    Only the latest disconnection per number is kept.

    Bad lines go to FILE.rejects.jsonl and the exit code is 2.
    """
    cw = bootstrap()
    plan = cw.plan
    changed = 0

    def convert(value: Any) -> tuple[int, datetime]:
        return ReassignedIn.model_validate(value).to_core(plan)

    def store(rows: Iterator[tuple[int, datetime]]) -> int:
        nonlocal changed
        result = cw.reassigned.record(rows, source=file.name[:300])
        changed = result.changed
        return result.read

    read = import_file(
        file,
        convert=convert,
        store=store,
        max_bytes=max_bytes,
        max_line_bytes=MAX_LINE_BYTES,
        csv_layout=CSV_LAYOUT,
        rejects_to=rejects,
    )
    typer.echo(f"read {read} disconnection(s) from {file.name}; {changed} number(s) updated")
