"""One JSON error envelope for every error the API returns.

The shape is ``{"error": {"code", "message", "details", "request_id"}}`` whatever went wrong:
a ``CallwardenError`` (its own code and status), request validation (422 ``INVALID_INPUT``), an
unknown path (404 ``NOT_FOUND``), a wrong method (405 ``METHOD_NOT_ALLOWED``), a body over the
limit (413 ``PAYLOAD_TOO_LARGE``) or a bug (500 ``INTERNAL_ERROR``, without traceback or input).
Nothing the client sent is echoed: validation details keep the location and the rule broken, and
digit runs that could be phone or card numbers are masked even there.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from callwarden.errors import CallwardenError, InvalidInput, PayloadTooLarge
from callwarden.log import mask_digits

#: Codes the API returns that no ``CallwardenError`` class carries (documented in errors.md).
API_ONLY_CODES: dict[str, int] = {
    "METHOD_NOT_ALLOWED": 405,
    "HTTP_ERROR": 400,  # or another 4xx the framework raises
    "INTERNAL_ERROR": 500,
    "NOT_READY": 503,
}
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: PayloadTooLarge.code}
_UNPARSABLE = 400
_MAX_DETAILS = 20
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(scope: Scope) -> str:
    """The request's id: set once per request by the access log, else a fresh one."""
    state = scope.setdefault("state", {})
    rid = state.get("request_id")
    if rid is None:
        rid = new_request_id(None)
        state["request_id"] = rid
    return str(rid)


def new_request_id(offered: str | None) -> str:
    """Keep a client's ``X-Request-ID`` when it is short and plain, else make one.

    Either way the id is one the log's masking leaves intact (no phone- or card-like digit
    runs), so the id in a response always matches the id in the log.
    """
    if offered and _SAFE_REQUEST_ID.fullmatch(offered) and mask_digits(offered) == offered:
        return offered
    while True:
        made = uuid.uuid4().hex
        if mask_digits(made) == made:
            return made


def error_body(code: str, message: str, details: object, request_id: str) -> dict[str, Any]:
    """The canonical error body."""
    return {
        "error": {"code": code, "message": message, "details": details, "request_id": request_id}
    }


def envelope(
    status: int,
    code: str,
    message: str,
    details: object,
    request: Request,
    *,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Render the canonical error body as a response."""
    request_id = request_id_of(request.scope)
    return JSONResponse(
        error_body(code, message, details, request_id),
        status_code=status,
        headers={**(headers or {}), "x-request-id": request_id},
    )


async def send_error(
    send: Send, status: int, code: str, message: str, *, request_id: str, details: object = None
) -> None:
    """Send the envelope straight through ASGI (for middleware that answers by itself)."""
    body = json.dumps(error_body(code, message, details or {}, request_id)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def validation_details(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Where and why validation failed, without the input (nor digit runs in field names)."""
    details = []
    for number, error in enumerate(errors):
        if number == _MAX_DETAILS:
            break
        details.append(
            {
                "loc": [mask_digits(str(part)) for part in error.get("loc", ())],
                "msg": mask_digits(str(error.get("msg", ""))),
                "type": error.get("type"),
            }
        )
    return details


def install_error_handlers(app: FastAPI) -> None:
    """Map CallwardenError, validation errors, HTTP errors and bugs to the envelope."""

    @app.exception_handler(CallwardenError)
    async def _callwarden(request: Request, exc: CallwardenError) -> JSONResponse:
        return envelope(exc.http_status, exc.code, exc.message, exc.details, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(exc.errors())
        return envelope(422, "INVALID_INPUT", "request validation failed", details, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = mask_digits(str(exc.detail))
        if exc.status_code == _UNPARSABLE:
            # A body the framework could not even decode (not UTF-8, say): bad input like any.
            return envelope(InvalidInput.http_status, InvalidInput.code, message, {}, request)
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        return envelope(exc.status_code, code, message, {}, request, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # Reached only when no middleware caught the bug first; say nothing about it.
        return envelope(500, "INTERNAL_ERROR", "internal error", {}, request)
