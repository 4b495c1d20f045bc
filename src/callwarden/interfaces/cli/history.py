"""``callwarden history import``: call detail records from the dialer into the call history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from callwarden.bootstrap import bootstrap
from callwarden.core.types import PastAttempt
from callwarden.interfaces.imports import CsvLayout, MiB, import_file
from callwarden.interfaces.ledger_schemas import AttemptRecordIn

MAX_LINE_BYTES = 16 * 1024
CSV_LAYOUT = CsvLayout(
    columns=(
        "phone", "at", "seller", "campaign", "purpose", "channel", "method", "outcome",
        "connect_delay_s", "ring_s",
    ),
    required=("phone", "at", "seller", "campaign", "purpose", "channel", "method", "outcome"),
    header="required",
)  # fmt: skip

app = typer.Typer(help="The call history: import call detail records.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="records as .jsonl, or .csv with a header")],
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="where to write rejected lines")
    ] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, help="refuse larger files")] = 2048
    * MiB,
) -> None:
    """Import call detail records; bad lines go to FILE.rejects.jsonl, exit code 2.

    Fields: phone, at, seller, campaign, purpose, channel, method, outcome, and
    optionally connect_delay_s and ring_s (a CSV names them in its header).

    outcome: conversation, answered_machine, no_answer, busy, abandoned or failed.

    All good records are stored in one transaction.
    """
    cw = bootstrap()
    plan = cw.plan

    def convert(value: Any) -> PastAttempt:
        return AttemptRecordIn.model_validate(value).to_core(plan)

    stored = import_file(
        file,
        convert=convert,
        store=lambda attempts: cw.history.record(attempts, source="import").stored,
        max_bytes=max_bytes,
        max_line_bytes=MAX_LINE_BYTES,
        csv_layout=CSV_LAYOUT,
        rejects_to=rejects,
    )
    typer.echo(f"stored {stored} call record(s) from {file.name}")
