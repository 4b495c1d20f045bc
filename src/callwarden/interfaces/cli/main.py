"""The ``callwarden`` command: a thin Typer front over the services."""

from __future__ import annotations

import sys

import typer

from callwarden.errors import CallwardenError
from callwarden.interfaces.cli import check as check_cmd
from callwarden.interfaces.cli import serve as serve_cmd

app = typer.Typer(
    name="callwarden",
    help="Contact-center compliance: the pre-contact gate, DNC lists, consent and history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("check")(check_cmd.check)
app.command("serve")(serve_cmd.serve)


def main() -> None:
    """Entry point: run the app, turning CallwardenError into its exit code and diagnostics."""
    try:
        app(standalone_mode=False)
    except CallwardenError as exc:
        typer.echo(exc.diagnostics(), err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:
        import click  # noqa: PLC0415

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
