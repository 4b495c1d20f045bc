"""Request limits: bodies over ``max_body_bytes`` are refused before anything parses them.

A pure ASGI middleware. A declared ``Content-Length`` over the limit is answered at once with
413 ``PAYLOAD_TOO_LARGE``, without reading a byte. Because the header may be absent (chunked
uploads) or lie, the middleware also counts the bytes actually received: the first chunk that
crosses the limit stops the reading, whatever the application was doing with the body is
discarded, and the client gets the same 413 envelope. At most ``max_body_bytes`` plus one chunk
is ever held.

The other limit, the number of attempts in ``POST /v1/check/batch`` (``max_batch``), is part of
that route's body schema and answered with 422 ``INVALID_INPUT``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callwarden.errors import PayloadTooLarge
from callwarden.interfaces.api.errors import request_id_of, send_error


class _BodyTooLarge(PayloadTooLarge):
    """Raised inside the application's ``receive`` once the body crosses the limit."""


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_body_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        """Wrap the application with a byte limit."""
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(scope, send)
            return
        guard = _Guard(receive, send, self.max_body_bytes)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.exceeded or guard.started:
                raise
        if guard.exceeded and not guard.started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await send_error(
            send,
            PayloadTooLarge.http_status,
            PayloadTooLarge.code,
            f"the request body is larger than {self.max_body_bytes} bytes",
            request_id=request_id_of(scope),
            details={"max_body_bytes": self.max_body_bytes},
        )


class _Guard:
    """Counts received bytes; once over the limit, stops reading and swallows the app's reply."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive = receive
        self._send = send
        self._limit = limit
        self.received = 0
        self.exceeded = False
        self.started = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self._limit:
                self.exceeded = True
                msg = "request body too large"
                raise _BodyTooLarge(msg)
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return  # the application's answer to a body we refused; ours follows
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
