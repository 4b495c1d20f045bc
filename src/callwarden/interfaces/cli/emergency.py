"""``callwarden emergency declare|list``: declared states of emergency."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from callwarden.bootstrap import bootstrap
from callwarden.core.types import EmergencyDeclaration
from callwarden.errors import InvalidInput
from callwarden.interfaces.ledger_schemas import EmergencyIn
from callwarden.services.emergency import as_dict

app = typer.Typer(
    help="Declared emergencies during which a state bans telephone solicitation.",
    no_args_is_help=True,
)


@app.command("declare")
def declare(
    state: Annotated[str, typer.Option("--state", help="two-letter state code, e.g. FL")],
    starts_at: Annotated[
        str, typer.Option("--from", help="start, ISO 8601 with offset (2026-09-01T00:00:00-04:00)")
    ],
    ends_at: Annotated[str, typer.Option("--until", help="end (exclusive), ISO 8601 with offset")],
    citation: Annotated[str, typer.Option("--citation", help="the order that declared it")],
    zips: Annotated[
        list[str] | None,
        typer.Option("--zip", help="a covered ZIP code (repeat; none means the whole state)"),
    ] = None,
) -> None:
    """Declare an emergency for a state, or for some of its ZIP codes."""
    try:
        declaration = EmergencyIn.model_validate(
            {
                "state": state,
                "zips": zips or [],
                "starts_at": starts_at,
                "ends_at": ends_at,
                "citation": citation,
            }
        ).to_core()
    except ValidationError as exc:
        raise InvalidInput(_option_error(exc)) from exc
    stored = bootstrap().emergencies.declare(declaration)
    typer.echo(f"declared: {_line(stored, in_force=None)}")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List every declaration, newest first, marking those in force now."""
    declarations = bootstrap().emergencies.list()
    if as_json:
        body = [as_dict(d, in_force=active) for d, active in declarations]
        typer.echo(json.dumps({"emergencies": body}, indent=2))
        return
    if not declarations:
        typer.echo("no emergencies declared")
        return
    for declaration, active in declarations:
        typer.echo(_line(declaration, in_force=active))


def _line(d: EmergencyDeclaration, *, in_force: bool | None) -> str:
    where = f"{d.state} ZIP {', '.join(sorted(d.zips))}" if d.zips else f"{d.state} (statewide)"
    flag = "" if in_force is None else (" [IN FORCE]" if in_force else "")
    span = f"{d.starts_at.isoformat()} .. {d.ends_at.isoformat()}"
    return f"{where}  {span}  {d.citation}{flag}"


_OPTIONS = {
    "state": "--state",
    "starts_at": "--from",
    "ends_at": "--until",
    "zips": "--zip",
    "citation": "--citation",
}


def _option_error(exc: ValidationError) -> str:
    """The first validation error, naming the command's options rather than model fields."""
    first = exc.errors()[0]
    loc = first.get("loc", ())
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    for field in ("starts_at", "ends_at"):
        message = message.replace(field, _OPTIONS[field])
    option = _OPTIONS.get(str(loc[0]), "") if loc else ""
    return f"{option}: {message}" if option else message
