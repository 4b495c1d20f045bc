"""``callwarden serve``: the HTTP API and dashboard under Uvicorn."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from callwarden.config import get_settings

APP = "callwarden.interfaces.api.app:create_app"


def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default from settings)")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="worker processes (default from settings)")
    ] = None,
) -> None:
    """Serve the API (``/v1``, OpenAPI at ``/docs``).

    The database is migrated here, once, before any worker starts (workers migrating a new
    database at the same time would race). With several workers on Linux, each worker listens
    on its own socket and the kernel spreads connections over them (``api.workers``).
    """
    import uvicorn  # noqa: PLC0415 - only this command needs the server
    from uvicorn.config import STARTUP_FAILURE  # noqa: PLC0415 - as above

    from callwarden.bootstrap import bootstrap  # noqa: PLC0415 - as above
    from callwarden.interfaces.api import workers as pool  # noqa: PLC0415 - as above

    settings = get_settings()
    count = workers or settings.workers
    options: dict[str, Any] = {
        "factory": True,
        "host": host or settings.host,
        "port": port or settings.port,
        "workers": count,
        "log_level": settings.log_level,
    }
    config = uvicorn.Config(APP, **options)
    # After Uvicorn's logging set-up, so this process logs as the workers do (JSON, masked).
    bootstrap(settings).engine.dispose()
    if count == 1:
        # This config's Uvicorn logging set-up came before ours, which must stay last
        # (``uvicorn.run`` would set Uvicorn's up again, and its records would leave as text).
        server = uvicorn.Server(config)
        server.run()
        if not server.started:
            sys.exit(STARTUP_FAILURE)
        return
    if pool.balanced():
        status = pool.run(config, count)
        if status:
            sys.exit(status)
        return
    uvicorn.run(APP, **options)
