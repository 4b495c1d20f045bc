"""The call history over HTTP: record call detail records, report abandonment.

``POST /v1/history`` (roles: dialer, compliance, admin) stores up to 10,000 records in one
transaction, all or nothing. ``GET /v1/reports/abandonment`` (compliance, admin) returns the
abandonment rate per campaign and day, as ``callwarden report abandonment --json`` prints it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, status

from callwarden.errors import CallwardenError, InvalidInput
from callwarden.interfaces.api.security import require
from callwarden.interfaces.imports import describe
from callwarden.interfaces.ledger_schemas import HistoryBatchIn
from callwarden.services.apikeys import Role

router = APIRouter(tags=["history"])
#: At most this many item errors are listed in one response.
MAX_LISTED_ERRORS = 100


@router.post(
    "/history",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require(Role.DIALER, Role.COMPLIANCE))],
)
def record_history(body: HistoryBatchIn, request: Request) -> dict[str, Any]:
    """Store ``{"attempts": [...]}``: 1 to 10,000 call detail records."""
    cw = request.app.state.cw
    attempts, errors = [], []
    for index, item in enumerate(body.attempts):
        try:
            attempts.append(item.to_core(cw.plan))
        except CallwardenError as exc:
            errors.append({"index": index, "error": describe(exc)})
    if errors:
        raise InvalidInput(
            f"{len(errors)} record(s) invalid; nothing was stored",
            details={"errors": errors[:MAX_LISTED_ERRORS]},
        )
    result = cw.history.record(attempts, source="api")
    request.state.log = {"stored": result.stored}
    return {"stored": result.stored}


@router.get("/reports/abandonment", dependencies=[Depends(require(Role.COMPLIANCE))])
def abandonment_report(
    request: Request,
    campaign: str | None = Query(default=None, max_length=200),
    since: date | None = None,
    until: date | None = None,
    tz: str = Query(default="UTC", max_length=64),
) -> dict[str, Any]:
    """Calls answered by a person and abandoned, daily and rolling rates, per campaign and day."""
    report = request.app.state.cw.reports.abandonment(
        campaign=campaign, since=since, until=until, time_zone=tz
    )
    return report.to_dict()  # type: ignore[no-any-return]
