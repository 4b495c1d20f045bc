"""``callwarden serve``: the HTTP API and dashboard under Uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from callwarden.config import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default from settings)")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes")] = None,
) -> None:
    """Serve the API (``/v1``, OpenAPI at ``/docs``)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    settings = get_settings()
    uvicorn.run(
        "callwarden.interfaces.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
    )
