"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> dict[str, object]:
    """The database answers and the rule set is loaded."""
    app = request.app.state.cw
    with app.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ready", "rule_set": app.rules.label}
