"""``callwarden report abandonment``: the abandonment rate per campaign and day."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from callwarden.bootstrap import bootstrap
from callwarden.errors import InvalidInput
from callwarden.services.reports import AbandonmentReport

app = typer.Typer(help="Reports over the call history.", no_args_is_help=True)


@app.command("abandonment")
def abandonment(
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="one campaign (default: all)")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="first day, YYYY-MM-DD")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="last day, YYYY-MM-DD (default: today)")
    ] = None,
    tz: Annotated[
        str, typer.Option("--tz", help="time zone whose days are reported (IANA name)")
    ] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Abandonment per campaign and day: daily and rolling rates against the limit.

    A call answered by a person is abandoned when so marked, or when the agent
    connected later than the rule allows after the greeting.

    Flags: DAY when the day's own rate is at or over the limit, 30-DAY when the
    rolling window the safe harbor measures is.
    """
    report = bootstrap().reports.abandonment(
        campaign=campaign,
        since=_day(since, "--since"),
        until=_day(until, "--until"),
        time_zone=tz,
    )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(_table(report))


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{option} must be a date such as 2026-03-01") from exc


def _table(report: AbandonmentReport) -> str:
    rule = report.rule
    head = (
        f"abandonment {report.since} .. {report.until} ({report.time_zone} days); "
        f"limit {rule.max_rate:.0%} over {rule.window_days} days, "
        f"agent within {rule.connect_within_s:g} s ({rule.meta.citation})"
    )
    if not report.days:
        return head + "\nno calls answered by a person in this range"
    width = max(len("campaign"), *(len(d.campaign) for d in report.days))
    lines = [
        head,
        f"{'campaign':<{width}}  day         answered  abandoned  daily    "
        f"{rule.window_days}-day   flag",
    ]
    for d in report.days:
        flags = [
            name
            for name, on in (
                ("DAY", d.daily_at_or_over),
                (f"{rule.window_days}-DAY", d.rolling_at_or_over),
            )
            if on
        ]
        lines.append(
            f"{d.campaign:<{width}}  {d.day}  {d.answered:>8}  {d.abandoned:>9}  "
            f"{d.daily_rate:>6.2%}  {d.rolling_rate:>6.2%}  {' '.join(flags)}"
        )
    return "\n".join(lines)
