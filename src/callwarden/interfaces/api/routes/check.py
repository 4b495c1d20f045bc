"""``POST /v1/check``: one attempt or a batch."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from callwarden.interfaces.api.security import require
from callwarden.interfaces.schemas import AttemptIn
from callwarden.services.apikeys import Role

router = APIRouter(tags=["check"], dependencies=[Depends(require(Role.DIALER, Role.COMPLIANCE))])


class CheckBatchIn(BaseModel):
    """A batch of attempts."""

    attempts: list[AttemptIn] = Field(min_length=1, max_length=10_000)
    record: bool = False


@router.post("/check")
def check_one(body: AttemptIn, request: Request, record: bool = False) -> dict[str, Any]:
    """Decide one attempt."""
    decision = request.app.state.cw.checker.check([body.to_core()], record=record)[0]
    return decision.to_dict()  # type: ignore[no-any-return]


@router.post("/check/batch")
def check_batch(body: CheckBatchIn, request: Request) -> dict[str, Any]:
    """Decide up to 10,000 attempts in one request."""
    decisions = request.app.state.cw.checker.check(
        [a.to_core() for a in body.attempts], record=body.record
    )
    return {"decisions": [d.to_dict() for d in decisions]}
