"""The ``callwarden`` command: a thin Typer front over the services.

Each command group lives in its own module, and a run imports only the module of the command
it was given (``callwarden dnc import`` never loads the scrub's pyarrow, the server or the
ledger schemas); ``callwarden --help``, a mistyped command and ``app`` (for the docs and the
tests) load them all.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from callwarden.errors import CallwardenError

#: Top-level commands: name -> (module under callwarden.interfaces.cli, function).
_COMMANDS = {"check": ("check", "check"), "serve": ("serve", "serve"), "scrub": ("scrub", "scrub")}
#: Command groups: name -> module whose ``app`` holds them (in the order help lists them).
_GROUPS = ("apikey", "consent", "dnc", "history", "reassigned", "emergency", "report", "rules")
_HELP = "Contact-center compliance: the pre-contact gate, DNC lists, consent and history."


def build_app(only: str | None = None) -> typer.Typer:
    """The command, with every command and group, or with only the one named ``only``."""
    root = typer.Typer(
        name="callwarden",
        help=_HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for name, (module, function) in _COMMANDS.items():
        if only in (None, name):
            root.command(name)(getattr(_module(module), function))
    for name in _GROUPS:
        if only in (None, name):
            root.add_typer(_module(name).app, name=name)
    if only in _COMMANDS:
        # A Typer with one command would run it without its name: keep the group form.
        root.callback()(_group)
    return root


def _group() -> None:
    """Contact-center compliance: the pre-contact gate, DNC lists, consent and history."""


def _module(name: str) -> Any:
    return importlib.import_module(f"callwarden.interfaces.cli.{name}")


def __getattr__(name: str) -> Any:
    """``app``: the whole command, built on first use (docs generation, tests)."""
    if name == "app":
        built = build_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)


def main() -> None:
    """Entry point: run the app, turning CallwardenError into its exit code and diagnostics."""
    given = sys.argv[1] if len(sys.argv) > 1 else None
    only = given if given in _COMMANDS or given in _GROUPS else None
    try:
        build_app(only)(standalone_mode=False)
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
