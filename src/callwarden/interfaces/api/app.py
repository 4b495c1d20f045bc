"""The FastAPI application factory; nothing is built at import time.

Every router under ``/v1`` must guard its routes with ``security.require(...)`` (a test calls
every route without a key and expects 401). To add one, import it and add one
``api.include_router(<module>.router, prefix="/v1")`` line in ``_include_routers``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from callwarden.bootstrap import App, bootstrap, settle_heap
from callwarden.config import Settings
from callwarden.interfaces.api.access_log import AccessLogMiddleware
from callwarden.interfaces.api.errors import install_error_handlers
from callwarden.interfaces.api.lane import LaneApp
from callwarden.interfaces.api.limits import BodyLimitMiddleware
from callwarden.interfaces.api.routes import (
    check,
    consents,
    dnc,
    emergencies,
    health,
    history,
    rules,
    scrub,
)
from callwarden.log import get_logger

_log = get_logger("callwarden.api")

DESCRIPTION = """\
Contact-center compliance: the pre-contact gate, DNC lists, consent, call history and rules.

Every route but `/healthz` and `/readyz` needs an API key (`callwarden apikey create`), sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. Errors are
`{"error": {"code", "message", "details", "request_id"}}` with a stable `code`.
"""


def create_app(settings: Settings | None = None, app: App | None = None) -> FastAPI:
    """Build the API around a composed application."""
    composed = app or bootstrap(settings)
    api = LaneApp(title="callwarden", version="0.1.0", description=DESCRIPTION, lifespan=_warm_up)
    composed.engine  # noqa: B018 - migrate the database before serving
    api.state.cw = composed
    install_error_handlers(api)
    _include_routers(api, composed.settings)
    _document_bodies(api, check.body_models(composed.settings.max_batch))
    # Added last = outermost: the access log sees every request, 413s included.
    api.add_middleware(BodyLimitMiddleware, max_body_bytes=composed.settings.max_body_bytes)
    api.add_middleware(AccessLogMiddleware)
    return api


@asynccontextmanager
async def _warm_up(api: FastAPI) -> AsyncIterator[None]:
    """At server start, load the rule set, numbering plan and lists before the first request.

    The do-not-call lists are mapped into the process whole (``DncStore.warm``), so that no
    check waits for a page of a list to be faulted in.
    """
    cw = api.state.cw
    await run_in_threadpool(lambda: (cw.checker, cw.apikeys, cw.batch_checker.groups))
    started = time.perf_counter()
    mapped = await run_in_threadpool(cw.dnc.warm)
    _log.info("dnc_lists_mapped", bytes=mapped, seconds=round(time.perf_counter() - started, 3))
    settle_heap()
    yield


def _document_bodies(api: FastAPI, models: list[type[BaseModel]]) -> None:
    """Add the request models of the routes that read their bodies by hand to the schema.

    FastAPI documents a body model it validates itself; these routes name theirs in
    ``openapi_extra``, and the models (with the enums and models they use) are added here.
    """
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in found.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault(model.__name__, found)
        return schema

    api.openapi = openapi  # type: ignore[method-assign]


def _include_routers(api: LaneApp, settings: Settings) -> None:
    """Mount the health probes at the root and every resource router under ``/v1``."""
    api.include_router(health.router)
    inline = settings.db_url.startswith("sqlite")
    checks = check.make_router(settings.max_batch, inline_reads=inline)
    api.include_router(checks, prefix="/v1")
    # The dialer's hot path skips the middleware stack (``lane``); the routes above still
    # document it and answer its other methods.
    api.open_lanes(check.endpoints(checks, "/v1"), settings.max_body_bytes)
    api.include_router(rules.router, prefix="/v1")
    api.include_router(consents.router, prefix="/v1")
    api.include_router(history.router, prefix="/v1")
    api.include_router(emergencies.router, prefix="/v1")
    api.include_router(dnc.router, prefix="/v1")
    api.include_router(scrub.router, prefix="/v1")
