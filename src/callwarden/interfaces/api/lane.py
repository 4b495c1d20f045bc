"""The dialer's hot path, served ahead of FastAPI's middleware stack.

A ``POST /v1/check`` passes through eleven layers in FastAPI: Starlette's error and exception
middlewares, FastAPI's telemetry, body-limit and exit-stack middlewares, the router and the
route's request wrapper, around the application's own two (the access log and the body
limit). In a server answering one attempt per request, those layers cost about as much as the
check itself. ``LaneApp`` sends the check routes' POSTs through the application's own two
middlewares straight to their endpoints; an error an endpoint raises is answered by the
handler FastAPI would have chosen for it (by the exception's class, most specific first), and
anything no handler takes reaches the access log, which answers 500 as on the common way.
Every other request, and every other method on those paths, takes FastAPI's way.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from callwarden.interfaces.api.access_log import AccessLogMiddleware
from callwarden.interfaces.api.limits import BodyLimitMiddleware

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Any], Any]


class LaneApp(FastAPI):
    """FastAPI whose ``lanes`` (path -> endpoint, POST only) skip the middleware stack."""

    _lanes: Mapping[str, ASGIApp] = {}

    def open_lanes(self, endpoints: Mapping[str, Endpoint], max_body_bytes: int) -> None:
        """Serve POSTs to these paths with these endpoints, through log and body limit only."""
        self._lanes = {
            path: AccessLogMiddleware(
                BodyLimitMiddleware(_EndpointApp(endpoint, self), max_body_bytes=max_body_bytes)
            )
            for path, endpoint in endpoints.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A lane's POST to its endpoint, anything else to FastAPI."""
        if scope["type"] == "http" and scope["method"] == "POST":
            lane = self._lanes.get(scope["path"])
            if lane is not None:
                scope["app"] = self
                await lane(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class _EndpointApp:
    """An endpoint as an ASGI app, its errors answered by the application's handlers."""

    def __init__(self, endpoint: Endpoint, api: FastAPI) -> None:
        self._endpoint = endpoint
        self._api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await self._endpoint(request)
        except Exception as exc:
            handler = handler_for(exc, self._api.exception_handlers)
            if handler is None:
                raise
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def handler_for(exc: Exception, handlers: Mapping[Any, Handler]) -> Handler | None:
    """The handler FastAPI's exception middleware would call for ``exc``, if any.

    A handler of the status code of an HTTP exception, else the most specific class of the
    exception that has a handler; ``Exception`` itself is the server-error handler's, outside
    that middleware, and is not chosen here.
    """
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        found = handlers.get(cls)
        if found is not None:
            return found
    return None


__all__ = ["LaneApp", "handler_for"]
