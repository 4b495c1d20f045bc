"""Liveness and readiness probes: the only routes that need no API key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from callwarden.interfaces.api.errors import envelope

router = APIRouter(tags=["health"])


# ``async def``: no I/O, so no thread hop; a probe must stay cheap under load.
@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


# ``def``: the database round trip blocks, so it runs in the thread pool.
@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, object] | JSONResponse:
    """The database answers and the rule set is loaded; 503 ``NOT_READY`` otherwise."""
    app = request.app.state.cw
    try:
        with app.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return envelope(
            503, "NOT_READY", "the database does not answer", {"error": type(exc).__name__}, request
        )
    return {"status": "ready", "rule_set": app.rules.label}
