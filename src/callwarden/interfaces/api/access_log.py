"""The access log: one ``http.access`` event per request, and the net under unexpected errors.

A pure ASGI middleware, outermost in the stack. It gives every request an id (the client's
``X-Request-ID`` when it is plain, else a fresh one) that error bodies and the response header
repeat, and logs method, path, status, duration in milliseconds, request id and the name of the
API key's principal. Never the body, never the query string. Routes may add a few safe fields
(already-decided facts such as a decision's reason codes) under ``scope["state"]["log"]``; the
log's masking processor still masks any phone number among them.

An exception no handler caught is logged with its traceback (masked) and answered with a bare
500 ``INTERNAL_ERROR`` envelope.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callwarden.interfaces.api.errors import new_request_id, send_error
from callwarden.log import get_logger

_log = get_logger("callwarden.api")


class AccessLogMiddleware:
    """Assign request ids, log every request, turn escaped exceptions into 500 envelopes."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the application."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        request_id = new_request_id(_header(scope, b"x-request-id"))
        state["request_id"] = request_id
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", ()))
                if all(key != b"x-request-id" for key, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            _log.exception("http.unhandled", request_id=request_id, path=scope.get("path", ""))
            if response_started:
                raise
            status = 500
            await send_error(send, 500, "INTERNAL_ERROR", "internal error", request_id=request_id)
        finally:
            _log_access(scope, state, status, started)


def _log_access(scope: Scope, state: dict[str, Any], status: int, started: float) -> None:
    principal = state.get("principal")
    _log.info(
        "http.access",
        method=scope.get("method", ""),
        path=scope.get("path", ""),
        status=status,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
        request_id=state.get("request_id"),
        principal=getattr(principal, "name", None),
        **state.get("log", {}),
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None
