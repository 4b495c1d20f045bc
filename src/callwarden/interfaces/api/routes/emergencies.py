"""Declared emergencies over HTTP: ``POST /v1/emergencies``, ``GET /v1/emergencies``.

Roles: compliance and admin.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, status

from callwarden.interfaces.api.security import require
from callwarden.interfaces.ledger_schemas import EmergencyIn
from callwarden.services.apikeys import Role
from callwarden.services.emergency import as_dict

router = APIRouter(tags=["emergencies"], dependencies=[Depends(require(Role.COMPLIANCE))])


@router.post("/emergencies", status_code=status.HTTP_201_CREATED)
def declare_emergency(body: EmergencyIn, request: Request) -> dict[str, Any]:
    """Declare an emergency for a state, or for some of its ZIP codes."""
    declaration = request.app.state.cw.emergencies.declare(body.to_core())
    return as_dict(declaration)


@router.get("/emergencies")
def list_emergencies(request: Request) -> dict[str, Any]:
    """Every declaration, newest first, with whether it is in force now."""
    declarations = request.app.state.cw.emergencies.list()
    return {"emergencies": [as_dict(d, in_force=active) for d, active in declarations]}
