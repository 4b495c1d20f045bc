"""``callwarden consent import|revoke|show``: the consent ledger from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from callwarden.bootstrap import bootstrap
from callwarden.core.gate.numbering import e164
from callwarden.core.types import Consent
from callwarden.interfaces.imports import MiB, import_file
from callwarden.interfaces.ledger_schemas import ConsentIn, national_number, parse_instant
from callwarden.services.consent import ConsentStatus

#: A consent line holds at most 64 KiB of evidence plus its other fields.
MAX_LINE_BYTES = 256 * 1024

app = typer.Typer(
    help="The consent ledger: import consents with their evidence, revoke, show.",
    no_args_is_help=True,
)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="consents.jsonl, one consent per line")],
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="where to write rejected lines")
    ] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, help="refuse larger files")] = 100
    * MiB,
) -> None:
    """Import consents; bad lines go to FILE.rejects.jsonl and the exit code is 2.

    Lines: {"phone", "seller", "kind", "at", "revoked_at"?, "scope"?, "evidence"?}.

    kind: written, express, ebr_purchase or ebr_inquiry. Times need a UTC offset.

    All good lines are stored in one transaction.
    """
    cw = bootstrap()
    plan = cw.plan

    def convert(value: Any) -> Consent:
        return ConsentIn.model_validate(value).to_core(plan)

    stored = import_file(
        file,
        convert=convert,
        store=cw.consents.record,
        max_bytes=max_bytes,
        max_line_bytes=MAX_LINE_BYTES,
        rejects_to=rejects,
    )
    typer.echo(f"stored {stored} consent(s) from {file.name}")


@app.command("revoke")
def revoke(
    phone: Annotated[str, typer.Option("--phone", help="the number, in any common notation")],
    seller: Annotated[str, typer.Option("--seller", help="the seller the consent was given to")],
    at: Annotated[
        str | None,
        typer.Option("--at", help="when the person revoked (ISO 8601 with offset; default now)"),
    ] = None,
) -> None:
    """Revoke every consent of PHONE to SELLER active at the given time."""
    cw = bootstrap()
    number = national_number(phone, cw.plan)
    instant = parse_instant(at, "--at") if at is not None else None
    result = cw.consents.revoke(number, seller, instant)
    typer.echo(
        f"revoked {result.revoked} consent(s) of {e164(number)} to {seller} "
        f"at {result.at.isoformat()}"
    )


@app.command("show")
def show(
    phone: Annotated[str, typer.Argument(help="the number, in any common notation")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List every consent of PHONE with its evidence and state (active, revoked, not yet)."""
    cw = bootstrap()
    number = national_number(phone, cw.plan)
    statuses = cw.consents.show(number)
    if as_json:
        body = {"phone": e164(number), "consents": [s.to_dict() for s in statuses]}
        typer.echo(json.dumps(body, indent=2))
        return
    if not statuses:
        typer.echo(f"{e164(number)}: no consents")
        return
    typer.echo(f"{e164(number)}: {len(statuses)} consent(s)")
    for status in statuses:
        typer.echo(_render(status))


def _render(status: ConsentStatus) -> str:
    c = status.consent
    revoked = c.revoked_at.isoformat() if c.revoked_at else "-"
    lines = [
        f"- {c.seller}  {c.kind.value}  {status.state.value.replace('_', ' ')}",
        f"    given:    {c.at.isoformat()}",
        f"    revoked:  {revoked}",
    ]
    if c.scope:
        lines.append(f"    scope:    {c.scope}")
    if c.evidence:
        lines.append(f"    evidence: {json.dumps(c.evidence, ensure_ascii=False)}")
    return "\n".join(lines)
