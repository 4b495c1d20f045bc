"""The consent ledger over HTTP: record (one or a batch), show, revoke.

``POST /v1/consents``, ``GET /v1/consents/{phone}``, ``POST /v1/consents/revoke``. Roles:
compliance and admin. A batch is all or nothing: when any item is invalid, nothing is stored and
the error lists each bad item's index and reason (never its value).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, status

from callwarden.core.gate.numbering import e164
from callwarden.errors import CallwardenError, InvalidInput
from callwarden.interfaces.api.security import require
from callwarden.interfaces.imports import describe
from callwarden.interfaces.ledger_schemas import (
    ConsentBatchIn,
    ConsentIn,
    RevokeIn,
    national_number,
)
from callwarden.services.apikeys import Role

router = APIRouter(tags=["consents"], dependencies=[Depends(require(Role.COMPLIANCE))])
#: At most this many item errors are listed in one response.
MAX_LISTED_ERRORS = 100


@router.post("/consents", status_code=status.HTTP_201_CREATED)
def record_consents(body: ConsentIn | ConsentBatchIn, request: Request) -> dict[str, Any]:
    """Store one consent, or ``{"consents": [...]}`` with up to 10,000 in one transaction."""
    cw = request.app.state.cw
    items = body.consents if isinstance(body, ConsentBatchIn) else [body]
    consents, errors = [], []
    for index, item in enumerate(items):
        try:
            consents.append(item.to_core(cw.plan))
        except CallwardenError as exc:
            errors.append({"index": index, "error": describe(exc)})
    if errors:
        raise InvalidInput(
            f"{len(errors)} consent(s) invalid; nothing was stored",
            details={"errors": errors[:MAX_LISTED_ERRORS]},
        )
    stored = cw.consents.record(consents)
    request.state.log = {"stored": stored}
    return {"stored": stored}


@router.post("/consents/revoke")
def revoke_consents(body: RevokeIn, request: Request) -> dict[str, Any]:
    """Revoke every consent of the phone to the seller active at ``at`` (default: now)."""
    cw = request.app.state.cw
    number = national_number(body.phone, cw.plan)
    result = cw.consents.revoke(number, body.seller, body.at)
    return {
        "phone": e164(number),
        "seller": body.seller,
        "at": result.at.isoformat(),
        "revoked": result.revoked,
    }


@router.get("/consents/{phone}")
def show_consents(phone: str, request: Request) -> dict[str, Any]:
    """Every consent of a number (any notation) to any seller, with evidence and state."""
    cw = request.app.state.cw
    number = national_number(phone, cw.plan)
    statuses = cw.consents.show(number)
    return {"phone": e164(number), "consents": [s.to_dict() for s in statuses]}
