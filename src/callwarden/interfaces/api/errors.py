"""One JSON error envelope for every error.

The shape is ``{"error": {"code", "message", "details", "request_id"}}``.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from callwarden.errors import CallwardenError


def envelope(
    status: int, code: str, message: str, details: object, request: Request
) -> JSONResponse:
    """Render the canonical error body."""
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    body = {
        "error": {"code": code, "message": message, "details": details, "request_id": request_id}
    }
    return JSONResponse(body, status_code=status, headers={"x-request-id": request_id})


def install_error_handlers(app: FastAPI) -> None:
    """Map CallwardenError, validation errors and HTTP errors to the envelope."""

    @app.exception_handler(CallwardenError)
    async def _callwarden(request: Request, exc: CallwardenError) -> JSONResponse:
        return envelope(exc.http_status, exc.code, exc.message, exc.details, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Never echo the offending input: it may be a card number or an SSN.
        details = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in exc.errors()[:20]
        ]
        return envelope(422, "INVALID_INPUT", "request validation failed", details, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}.get(
            exc.status_code, "HTTP_ERROR"
        )
        return envelope(exc.status_code, code, str(exc.detail), {}, request)
