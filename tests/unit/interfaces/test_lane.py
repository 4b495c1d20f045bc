"""The lane answers an endpoint's errors with the handler FastAPI's exception middleware picks."""

from __future__ import annotations

from starlette.exceptions import HTTPException

from callwarden.errors import CallwardenError, InvalidInput
from callwarden.interfaces.api.lane import handler_for


def _named(name: str) -> object:
    def handler(request: object, exc: object) -> str:
        return name

    return handler


def test_the_most_specific_class_with_a_handler_is_chosen() -> None:
    handlers = {CallwardenError: _named("callwarden"), InvalidInput: _named("invalid")}
    assert handler_for(InvalidInput("bad"), handlers) is handlers[InvalidInput]
    only_base = {CallwardenError: handlers[CallwardenError]}
    assert handler_for(InvalidInput("bad"), only_base) is handlers[CallwardenError]


def test_a_status_code_handler_comes_before_the_class_handler() -> None:
    handlers = {404: _named("404"), HTTPException: _named("http")}
    assert handler_for(HTTPException(404), handlers) is handlers[404]
    assert handler_for(HTTPException(405), handlers) is handlers[HTTPException]


def test_an_exception_without_a_handler_of_its_own_is_left_to_the_access_log() -> None:
    """``Exception``'s handler belongs to the server-error middleware, outside the stack."""
    handlers = {Exception: _named("bug"), CallwardenError: _named("callwarden")}
    assert handler_for(KeyError("x"), handlers) is None
    assert handler_for(InvalidInput("bad"), handlers) is handlers[CallwardenError]
