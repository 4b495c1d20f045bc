"""``callwarden dnc import|add|remove|status|export|exempt``: the do-not-call lists."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from callwarden.bootstrap import bootstrap
from callwarden.core.ports import LIST_NAME_HELP
from callwarden.errors import ImportRejected
from callwarden.services.dnc import Progress as ProgressCallback
from callwarden.services.dnc_status import DncStatus

app = typer.Typer(
    help="Do-not-call lists: national, state, the seller's own and known litigators.",
    no_args_is_help=True,
)
_BRIEF = ("list", "accepted", "rejected", "rejects_file")
ListOption = Annotated[str, typer.Option("--list", "-l", help=LIST_NAME_HELP)]


def _console() -> Console:
    terminal = sys.stdout.isatty()
    return Console(
        width=None if terminal else 140, highlight=False, emoji=False, soft_wrap=not terminal
    )


@app.command("import")
def import_(
    list_name: ListOption,
    file: Annotated[Path, typer.Argument(help="list file: .txt, .csv or a .zip of them")],
    changes: Annotated[
        bool, typer.Option("--changes", help="a change file: add/delete records")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="where to write rejected lines (CSV)")
    ] = None,
) -> None:
    """Import a full list (replacing the list) or, with --changes, a change file."""
    service = bootstrap().dnc_service
    try:
        with _progress(file.name) as progress:
            result = service.import_list(
                list_name, file, changes=changes, rejects_path=rejects, progress=progress
            )
    except ImportRejected as exc:
        _summary(exc.details)
        brief = {k: v for k, v in exc.details.items() if k in _BRIEF}
        raise ImportRejected(exc.message, details=brief) from exc
    _summary(result.to_dict())


def _summary(result: dict[str, Any]) -> None:
    typer.echo(
        f"{result['list']}: {result['accepted']:,} accepted, {result['added']:,} added, "
        f"{result['removed']:,} removed, {result['rejected']:,} rejected; the list now has "
        f"{result['size']:,} numbers (generation {result['generation']}) "
        f"from {result['file']['name']} (sha256 {result['file']['sha256'][:12]})"
    )
    for reject in result.get("first_rejects", [])[:10]:
        where = f"{reject['member']}:" if reject.get("member") else ""
        typer.echo(f"  rejected {where}line {reject['line']}: {reject['reason']}", err=True)


@contextmanager
def _progress(label: str) -> Iterator[ProgressCallback | None]:
    """A Rich progress bar over the bytes read, when stdout is a terminal."""
    if not sys.stdout.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(f"importing {label}", total=None)

        def update(position: int, total: int) -> None:
            bar.update(task, completed=position, total=total or None)

        yield update


@app.command("add")
def add(
    list_name: ListOption,
    numbers: Annotated[list[str], typer.Argument(help="phone numbers, any common notation")],
) -> None:
    """Put numbers on a list (all or none: an invalid number changes nothing)."""
    result = bootstrap().dnc_service.add(list_name, numbers)
    typer.echo(
        f"{result.list_name}: {result.added} added; the list now has {result.size:,} numbers "
        f"(generation {result.generation})"
    )


@app.command("remove")
def remove(
    list_name: ListOption,
    numbers: Annotated[list[str], typer.Argument(help="phone numbers, any common notation")],
) -> None:
    """Take numbers off a list."""
    result = bootstrap().dnc_service.remove(list_name, numbers)
    typer.echo(
        f"{result.list_name}: {result.removed} removed; the list now has {result.size:,} "
        f"numbers (generation {result.generation})"
    )


@app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Every list with its size and freshness, then the required lists missing or stale."""
    report = bootstrap().dnc_service.status()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    _render_status(report, _console())


def _render_status(report: DncStatus, console: Console) -> None:
    table = Table(title=f"DNC lists at {report.at:%Y-%m-%d %H:%M %Z}")
    for column in ("list", "numbers", "refreshed", "age (days)", "source", "stored as"):
        table.add_column(column, justify="right" if column in {"numbers", "age (days)"} else "left")
    for item in report.lists:
        table.add_row(
            escape(item.name),
            f"{item.numbers:,}",
            f"{item.refreshed_at:%Y-%m-%d %H:%M}" if item.refreshed_at else "never",
            f"{item.age_days:.1f}" if item.age_days is not None else "-",
            escape(item.source_file or "-"),
            item.backend,
        )
    console.print(table if report.lists else "no lists imported yet")
    if report.problems:
        console.print("[bold red]missing or stale required lists[/]")
    for p in report.problems:
        age = f", {p.age_days:.1f} days old (at most {p.max_age_days})" if p.age_days else ""
        exempt = f"; not applied for: {', '.join(p.exempt_sellers)}" if p.exempt_sellers else ""
        line = f"  {p.list_name}: {p.problem}{age} — {p.citation}{exempt}"
        console.print(f"[red]{escape(line)}[/]")
    for e in report.exemptions:
        console.print(escape(f"exemption: {e.list_name} does not apply to {e.seller}: {e.reason}"))


@app.command("export")
def export(
    list_name: ListOption,
    file: Annotated[Path, typer.Argument(help="where to write the list (10 digits a line)")],
) -> None:
    """Write a list in the flat format, one 10-digit number a line, ascending."""
    count = bootstrap().dnc_service.export(list_name, file)
    typer.echo(f"wrote {count:,} numbers to {file}")


@app.command("exempt")
def exempt(
    seller: Annotated[str, typer.Option("--seller", help="the seller the list does not bind")],
    list_name: ListOption,
    reason: Annotated[str, typer.Option("--reason", help="why; decisions cite it")],
) -> None:
    """Record that a national or state list does not apply to a seller, and why."""
    exemption = bootstrap().dnc_service.exempt(seller, list_name, reason)
    typer.echo(f"{exemption.list_name} does not apply to {exemption.seller}: {exemption.reason}")
