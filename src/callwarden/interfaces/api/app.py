"""The FastAPI application factory; nothing is built at import time."""

from __future__ import annotations

from fastapi import FastAPI

from callwarden.bootstrap import App, bootstrap
from callwarden.config import Settings
from callwarden.interfaces.api.errors import install_error_handlers
from callwarden.interfaces.api.routes import check, health


def create_app(settings: Settings | None = None, app: App | None = None) -> FastAPI:
    """Build the API around a composed application."""
    composed = app or bootstrap(settings)
    api = FastAPI(
        title="callwarden",
        version="0.1.0",
        description="Contact-center compliance: pre-contact gate, DNC lists, consent, history.",
    )
    composed.engine  # noqa: B018 - migrate the database before serving
    api.state.cw = composed
    install_error_handlers(api)
    api.include_router(health.router)
    api.include_router(check.router, prefix="/v1")
    return api
