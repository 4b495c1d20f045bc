"""``callwarden rules list|show|validate|decisions``: read and check the versioned rule data.

``list`` and ``show`` render the rule set the gate uses (shipped data plus configured
overrides) as a table or JSON; ``validate`` loads the shipped data, or a compliance officer's
override directory layered on it, and exits 0 with a summary or 2 with the file, rule and
field of the first problem; ``decisions`` prints what the rules answer in a state for a fixed
grid of attempts (``services.decision_grid``).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from callwarden.bootstrap import bootstrap
from callwarden.config import get_settings
from callwarden.core.rules.ruleset import RuleSet
from callwarden.errors import InvalidInput
from callwarden.services.rules import FAMILIES, RuleSummary, for_state, state_name, summarize

app = typer.Typer(
    help="Rule data: list, show and validate the cited, versioned rules.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="only rules in force on this day (YYYY-MM-DD; default: all)"),
]


@app.command("list")
def list_(
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help='"US" or a state code such as TX')
    ] = None,
    family: Annotated[
        str | None, typer.Option("--family", "-f", help=f"one of {', '.join(FAMILIES)}")
    ] = None,
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every rule: id, jurisdiction, family, effective dates, citation, confidence."""
    rules = bootstrap().rules
    wanted = None if jurisdiction is None else {_jurisdiction(jurisdiction)}
    rows = summarize(rules, jurisdictions=wanted, family=family, on=_day(on))
    if as_json:
        _print_json(rules, rows)
        return
    table = _table(f"Rule set {rules.label}: {len(rows)} rules", with_scope=False)
    for row in rows:
        table.add_row(*_cells(row, with_scope=False))
    _console().print(table)


@app.command("show")
def show(
    state: Annotated[str, typer.Argument(help="two-letter state code, e.g. TX")],
    on: Annotated[
        str | None,
        typer.Option("--on", help="the day whose rules to show (YYYY-MM-DD; default: today)"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show every rule in force in a state on a day, federal rules included."""
    rules = bootstrap().rules
    day = _day(on) or datetime.now(UTC).date()
    rows = for_state(rules, state, on=day)
    code = state.strip().upper()
    if as_json:
        _print_json(rules, rows, state=code, on=day)
        return
    title = f"{state_name(code)} ({code}) on {day.isoformat()}: {len(rows)} rules, {rules.label}"
    table = _table(title, with_scope=True)
    for row in rows:
        table.add_row(*_cells(row, with_scope=True))
    _console().print(table)
    zones = rules.zones_of(code)
    if zones is not None:
        _console().print(f"Time zones: {', '.join(zones.zones)}")


@app.command("validate")
def validate(
    directory: Annotated[
        Path | None,
        typer.Argument(help="an override directory to layer on the shipped rules"),
    ] = None,
) -> None:
    """Validate the rule data, or an override directory layered on it; exit 2 on a problem."""
    settings = get_settings()
    if directory is not None:
        overrides = [*settings.rules_overrides, directory]
        settings = settings.model_copy(update={"rules_overrides": overrides})
    rules = bootstrap(settings).rules
    counts = {family: len(getattr(rules, family)) for family in FAMILIES}
    total = sum(counts.values())
    low = sum(1 for row in rules.all_rows() if row.meta.confidence.value == "low")
    typer.echo(f"rule set {rules.label}: valid")
    typer.echo(f"  {total} rules, {low} of low confidence, {len(rules.time_zones)} states' zones")
    for family, count in counts.items():
        typer.echo(f"  {family}: {count}")
    if directory is not None:
        typer.echo(f"  override directory {directory} layered on the shipped rules")


@app.command("decisions")
def decisions(
    state: Annotated[str, typer.Argument(help="two-letter state code, e.g. TX")],
    week_of: Annotated[
        str | None,
        typer.Option("--week-of", help="a day of the week to decide (YYYY-MM-DD; default: today)"),
    ] = None,
    phone: Annotated[
        str | None,
        typer.Option("--phone", help="a number of the state (default: one of its area codes)"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What the rules answer in a state for a fixed grid of attempts, every list fresh.

    The week's Wednesday (07:30 to 21:30) and Sunday (10:00, 12:30) and the year's
    Thanksgiving and Christmas Day at noon, local time; a live telemarketing call, a
    prerecorded call to a landline, an autodialed text to a wireless number and a
    debt-collection call; with no facts, with the seller's written consent, and on the
    national and state lists. Overrides included: review what your rules change.
    """
    from callwarden.services.decision_grid import grid  # noqa: PLC0415 - this command only

    code = _jurisdiction(state).removeprefix("US-")
    if code == "US":
        raise InvalidInput("decisions are per state: give a two-letter state code such as TX")
    day = _day(week_of, option="--week-of") or datetime.now(UTC).date()
    found = grid(bootstrap().gate, code, week_of=day, phone=phone)
    if as_json:
        typer.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return
    typer.echo(found.text(), nl=False)


def _jurisdiction(text: str) -> str:
    code = text.strip().upper()
    if code == "US":
        return code
    code = code.removeprefix("US-")
    if len(code) != 2 or not code.isalpha():  # noqa: PLR2004
        raise InvalidInput(f"{text[:10]!r} is not US or a two-letter state code")
    return f"US-{code}"


def _day(text: str | None, option: str = "--on") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{option} {text[:20]!r} is not a date YYYY-MM-DD") from exc


def _table(title: str, *, with_scope: bool) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("id", no_wrap=True)
    table.add_column("jurisdiction", no_wrap=True)
    table.add_column("family")
    table.add_column("effective", no_wrap=True)
    if with_scope:
        table.add_column("requires")
        table.add_column("applies to")
    table.add_column("citation")
    table.add_column("confidence")
    return table


def _cells(row: RuleSummary, *, with_scope: bool) -> list[str]:
    cells = [row.id, row.jurisdiction, row.family, row.dates]
    if with_scope:
        cells += [row.requires, row.scope]
    confidence = row.confidence if row.confidence == "high" else f"[bold]{row.confidence}[/bold]"
    return [*cells, row.citation, confidence]


def _console() -> Console:
    console = Console()
    if not console.is_terminal:
        console = Console(width=200, no_color=True, highlight=False)
    return console


def _print_json(
    rules: RuleSet, rows: list[RuleSummary], state: str | None = None, on: date | None = None
) -> None:
    body: dict[str, object] = {
        "rule_set": rules.label,
        "version": rules.version,
        "content_hash": rules.content_hash,
    }
    if state is not None:
        zones = rules.zones_of(state)
        body |= {
            "state": state,
            "on": on.isoformat() if on else None,
            "time_zones": list(zones.zones) if zones else [],
        }
    body |= {"count": len(rows), "rules": [row.to_dict() for row in rows]}
    typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
