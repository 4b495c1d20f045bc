"""``POST /v1/check`` (one attempt) and ``POST /v1/check/batch`` (up to ``max_batch``).

Roles: dialer, compliance, admin. The single route is on the dialer's hot path, so it does only
what a decision needs: the key is verified from memory (``security``), the body is validated once
by pydantic, and the decision's dict is rendered straight to JSON without a response model (the
OpenAPI schema still documents it).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import orjson
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError, create_model
from starlette.concurrency import run_in_threadpool

from callwarden.interfaces.api import batch_body
from callwarden.interfaces.api.security import require
from callwarden.interfaces.schemas import AttemptIn
from callwarden.services.apikeys import Role


class ReasonOut(BaseModel):
    """Why an attempt is not allowed (``docs/reasons.md``)."""

    code: str
    rule: str
    citation: str
    message: str
    confidence: str | None = None


class JurisdictionsOut(BaseModel):
    """The states and time zones the decision considered."""

    states: list[str]
    time_zones: list[str]


class DecisionOut(BaseModel):
    """A decision, as ``callwarden check`` writes it."""

    id: str
    allowed: bool
    reasons: list[ReasonOut]
    next_allowed_at: str | None
    jurisdictions: JurisdictionsOut
    rule_set: str
    phone_e164: str | None
    notes: list[str] | None = None


class DecisionsOut(BaseModel):
    """The decisions of a batch, in input order."""

    decisions: list[DecisionOut]


M = TypeVar("M", bound=BaseModel)


class CheckBatchIn(BaseModel):
    """A batch of attempts (the size limit is the ``max_batch`` setting)."""

    attempts: list[AttemptIn] = Field(min_length=1)
    record: bool = False


def _json(content: object) -> Response:
    """``content`` as a JSON response written by orjson.

    The same JSON as Starlette's ``JSONResponse``: compact, UTF-8, non-ASCII kept as is.
    """
    return Response(orjson.dumps(content), media_type="application/json")


def _batch_model(max_batch: int) -> type[CheckBatchIn]:
    """``CheckBatchIn`` whose list holds 1 to ``max_batch`` attempts (checked while parsing)."""
    return create_model(
        "CheckBatchIn",
        __base__=CheckBatchIn,
        attempts=(list[AttemptIn], Field(min_length=1, max_length=max_batch)),
    )


def make_router(max_batch: int, *, inline_reads: bool) -> APIRouter:
    """The check routes, with the batch size limit taken from settings.

    ``inline_reads`` says whether a check that only reads may run on the event loop: true for
    the embedded SQLite database, whose reads are local page reads (and never wait for a writer
    in WAL mode), false for a database across the network.
    """
    guard = require(Role.DIALER, Role.COMPLIANCE)
    router = APIRouter(tags=["check"])
    batch_model = _batch_model(max_batch)

    # ``async def`` on purpose: this is the dialer's hot path. A ``def`` route costs a hop to
    # FastAPI's thread pool (measured at about 0.2 ms of CPU per request, as much as the rest of
    # the framework), so a read-only check against SQLite runs inline. A check that records
    # (a write that may wait for SQLite's lock) or that needs network round trips to PostgreSQL
    # goes to the thread pool, so it never stalls the other requests on the loop.
    # The route takes the request itself and does by hand what FastAPI's dependency machinery
    # would (the guard, the ``record`` flag, the body parsed and validated straight from its
    # bytes): that machinery cost a fifth of the request. Errors are the same envelopes.
    @router.post(
        "/check",
        response_model=None,
        responses={200: {"model": DecisionOut}},
        openapi_extra=_SINGLE_OPENAPI,
    )
    async def check_one(request: Request) -> Response:
        """Decide one attempt; with ``?record=true`` an allowed one joins the call history."""
        await guard(request)
        record = _flag(request.query_params.get("record"), "record")
        body = _attempt(await request.body())
        checker = request.app.state.cw.checker
        attempts = [body.to_core()]
        if inline_reads and not record:
            decision = checker.check(attempts)[0]
        else:
            decision = (await run_in_threadpool(checker.check, attempts, record=record))[0]
        request.state.log = {"phone": body.phone, "allowed": decision.allowed}
        if not decision.allowed:
            request.state.log["codes"] = list(decision.codes)
        return _json(decision.to_dict())

    # The batch route reads its body by hand too: a body of thousands of attempts is read
    # into columns (``batch_body``) and decided by ``ColumnarCheck``; anything else (an error,
    # a recording batch) goes through ``CheckBatchIn`` as FastAPI would have read it. The work
    # runs on the thread pool: a batch takes long enough that it would freeze every other
    # request on the event loop. One batch at a time per process (``_one_batch_at_a_time``).
    @router.post(
        "/check/batch",
        response_model=None,
        responses={200: {"model": DecisionsOut}},
        openapi_extra=_BATCH_OPENAPI,
    )
    async def check_batch(request: Request) -> Response:
        """Decide up to ``max_batch`` attempts in one request, in order."""
        await guard(request)
        body = await request.body()
        cw = request.app.state.cw
        work = functools.partial(_decide_batch, cw, body, batch_model, max_batch)
        content, attempts, allowed = await anyio.to_thread.run_sync(
            work, limiter=_one_batch_at_a_time(request.app.state)
        )
        request.state.log = {"attempts": attempts, "allowed": allowed}
        return Response(content, media_type="application/json")

    return router


def endpoints(router: APIRouter, prefix: str) -> dict[str, Any]:
    """The router's POST endpoints by path under ``prefix`` (for ``LaneApp.open_lanes``).

    The check routes take the request and nothing else, so they can be served without
    FastAPI's per-request work (solving an empty set of dependencies, matching through the
    included router, its middleware stack).
    """
    return {
        prefix + route.path: route.endpoint
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in (route.methods or ())
    }


def body_models(max_batch: int) -> list[type[BaseModel]]:
    """The request models the hand-read routes document (``/openapi.json`` components)."""
    return [AttemptIn, _batch_model(max_batch)]


def _one_batch_at_a_time(state: Any) -> anyio.CapacityLimiter:
    """The limiter that lets one batch of this process run at a time (one per event loop).

    Deciding a batch is pure Python work: two batches on two threads of one process only take
    turns holding the interpreter lock, each evicting the other's data from the processor's
    caches. One at a time, the same two connections got about 12 % more attempts decided per
    second (one worker, measured on the development machine); more workers decide more
    batches at once. Waiting batches hold no thread.
    """
    loop = asyncio.get_running_loop()
    found: tuple[asyncio.AbstractEventLoop, anyio.CapacityLimiter] | None = getattr(
        state, "batch_limiter", None
    )
    if found is None or found[0] is not loop:  # a new loop (tests start one per client)
        found = (loop, anyio.CapacityLimiter(1))
        state.batch_limiter = found
    return found[1]


def _decide_batch(
    cw: Any, body: bytes, batch_model: type[CheckBatchIn], max_batch: int
) -> tuple[bytes, int, int]:
    """The batch's decisions as JSON, how many attempts it held, and how many are allowed."""
    columns = batch_body.read_columns(body, max_batch)
    if columns is not None:
        decided = cw.batch_checker.check(columns)
        return batch_body.render(decided), len(decided), batch_body.allowed(decided)
    parsed = _validated(batch_model, body)
    decisions = cw.checker.check([a.to_core() for a in parsed.attempts], record=parsed.record)
    content = orjson.dumps({"decisions": [d.to_dict() for d in decisions]})
    return content, len(decisions), sum(d.allowed for d in decisions)


#: What FastAPI would have documented from ``body: AttemptIn`` and ``record: bool = False``.
_SINGLE_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": "record",
            "in": "query",
            "required": False,
            "schema": {"type": "boolean", "default": False, "title": "Record"},
        }
    ],
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AttemptIn"}}},
    },
}
_BATCH_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckBatchIn"}}},
    },
}
_TRUE = frozenset({"1", "true", "on", "yes"})
_FALSE = frozenset({"0", "false", "off", "no"})


def _flag(value: str | None, name: str) -> bool:
    """A boolean query parameter as FastAPI reads one (absent: false)."""
    if value is None:
        return False
    lowered = value.lower()
    if lowered in _TRUE or lowered in _FALSE:
        return lowered in _TRUE
    error = {
        "type": "bool_parsing",
        "loc": ("query", name),
        "msg": "Input should be a valid boolean, unable to interpret input",
    }
    raise RequestValidationError([error])


def _attempt(body: bytes) -> AttemptIn:
    """The body as an attempt, or the 422 FastAPI would give (locations under ``body``)."""
    return _validated(AttemptIn, body)


def _validated(model: type[M], body: bytes) -> M:
    """The body validated by ``model``, or the 422 FastAPI would give (under ``body``)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = [
            {**error, "loc": ("body", *error["loc"])}
            for error in exc.errors(include_input=False, include_url=False)
        ]
        raise RequestValidationError(errors) from None
