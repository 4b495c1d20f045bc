"""``callwarden apikey``: create, list and revoke the API's keys.

A key is printed once, by ``create``, on standard output alone (so ``KEY=$(callwarden apikey
create ...)`` captures it); only its SHA-256 is stored and nothing can show it again.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from callwarden.bootstrap import bootstrap
from callwarden.core.identity import ApiKeyInfo, Role

app = typer.Typer(
    help="Manage API keys: create (shown once), list, revoke.",
    no_args_is_help=True,
)


@app.command("create")
def create(
    name: Annotated[
        str, typer.Option("--name", help="unique name of the key's holder, e.g. dialer1")
    ],
    role: Annotated[
        Role,
        typer.Option(
            "--role",
            case_sensitive=False,
            help="admin (everything), compliance, dialer or readonly",
        ),
    ],
) -> None:
    """Create a key and print it once; store it now, it cannot be shown again."""
    info, key = bootstrap().apikeys.create(name, role)
    typer.echo(key)
    typer.echo(
        f"created API key {info.name!r} (role {info.role.value}, prefix {info.prefix}); "
        "store it now: it is not shown again",
        err=True,
    )


@app.command("list")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON array")] = False,
) -> None:
    """List keys (name, role, prefix, created, revoked); never a key or its hash."""
    keys = bootstrap().apikeys.list()
    if as_json:
        typer.echo(json.dumps([k.to_dict() for k in keys], indent=2))
        return
    if not keys:
        typer.echo("no API keys; create one with: callwarden apikey create --name N --role R")
        return
    typer.echo(_table(keys))


@app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="the key's name")],
) -> None:
    """Revoke a key: the API refuses it at once here, and within 30 s in running servers."""
    info = bootstrap().apikeys.revoke(name)
    when = info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "now"
    typer.echo(f"revoked API key {info.name!r} at {when}")


def _table(keys: list[ApiKeyInfo]) -> str:
    header = ("NAME", "ROLE", "PREFIX", "CREATED", "REVOKED")
    rows = [
        (
            k.name,
            k.role.value,
            k.prefix,
            k.created_at.isoformat(timespec="seconds"),
            k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "-",
        )
        for k in keys
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )
