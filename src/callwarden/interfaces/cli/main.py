"""The ``callwarden`` command: a thin Typer front over the services."""

from __future__ import annotations

import sys

import typer

from callwarden.errors import CallwardenError
from callwarden.interfaces.cli import (
    apikey,
    consent,
    dnc,
    emergency,
    history,
    reassigned,
    report,
    rules,
)
from callwarden.interfaces.cli import check as check_cmd
from callwarden.interfaces.cli import scrub as scrub_cmd
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
app.command("scrub")(scrub_cmd.scrub)
app.add_typer(apikey.app, name="apikey")
app.add_typer(consent.app, name="consent")
app.add_typer(dnc.app, name="dnc")
app.add_typer(history.app, name="history")
app.add_typer(reassigned.app, name="reassigned")
app.add_typer(emergency.app, name="emergency")
app.add_typer(report.app, name="report")
app.add_typer(rules.app, name="rules")


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
    except typer.TyperException as exc:
        # Usage errors (bad option values, missing arguments): one line, no traceback.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        sys.exit(int(getattr(exc, "exit_code", 2)))
