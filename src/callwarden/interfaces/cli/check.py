"""``callwarden check``: decide attempts from a JSON-lines file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Annotated

import typer
from pydantic import ValidationError

from callwarden.bootstrap import App, bootstrap, settle_heap
from callwarden.core.decision import Decision
from callwarden.core.types import Attempt
from callwarden.errors import ImportRejected
from callwarden.interfaces.cli._io import json_lines, open_in, open_out
from callwarden.interfaces.schemas import AttemptIn, first_error

BATCH = 1000


def check(
    input_path: Annotated[
        str, typer.Option("--input", "-i", help="attempts.jsonl, or - for stdin")
    ],
    output_path: Annotated[
        str, typer.Option("--output", "-o", help="decisions.jsonl, or - for stdout")
    ] = "-",
    record: Annotated[
        bool, typer.Option("--record", help="store every allowed attempt in the call history")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="where to write malformed lines")
    ] = None,
) -> None:
    """Decide each attempt (one JSON object per line) and write one decision per line."""
    app = bootstrap()
    app.batch_checker.groups  # noqa: B018 - load the rules, plan and lists before the heap settles
    settle_heap()
    bad: list[dict[str, object]] = []
    with open_in(input_path) as source, open_out(output_path) as sink:
        batch = []
        for line_no, obj, parse_error in json_lines(source):
            error = parse_error
            if error is None:
                try:
                    batch.append(AttemptIn.model_validate(obj).to_core())
                except ValidationError as exc:
                    error = first_error(exc)
            if error is not None:
                bad.append({"line": line_no, "error": error})
                continue
            if len(batch) >= BATCH:
                _write(sink, _decide(app, batch, record=record))
                batch = []
        if batch:
            _write(sink, _decide(app, batch, record=record))
    if bad:
        target = rejects or Path((input_path if input_path != "-" else "stdin") + ".rejects.jsonl")
        target.write_text("".join(json.dumps(b) + "\n" for b in bad), encoding="utf-8")
        raise ImportRejected(
            f"{len(bad)} line(s) rejected; see {target}",
            details={"rejected": len(bad), "rejects_file": str(target)},
        )


def _decide(app: App, batch: list[Attempt], *, record: bool) -> Sequence[Decision]:
    """The batch's decisions: column by column, or one by one when they are recorded."""
    from callwarden.services.check_columns import AttemptColumns  # noqa: PLC0415 - pyarrow

    if record:
        return app.checker.check(batch, record=True)
    return app.batch_checker.check(AttemptColumns.of(batch))


def _write(sink: IO[str], decisions: Sequence[Decision]) -> None:
    for decision in decisions:
        sink.write(json.dumps(decision.to_dict()) + "\n")
