"""Every kind of API error comes back in the one envelope, and none echoes what was sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest
from api_support import ATTEMPT, CARD, assert_envelope, bearer, make_api
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from structlog.testing import capture_logs

from callwarden.core.identity import Role
from callwarden.log import pre_render_processors

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = make_api(tmp_path_factory.mktemp("errors") / "home")
    yield application
    application.state.cw.engine.dispose()


@pytest.fixture(scope="module")
def client(api: FastAPI) -> TestClient:
    return TestClient(api, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def dialer(api: FastAPI) -> dict[str, str]:
    return bearer(api, Role.DIALER)


def test_an_unknown_path_is_404_not_found(client: TestClient) -> None:
    """A path no route serves: 404 NOT_FOUND, the request id echoed in the header."""
    response = client.get("/v1/nowhere", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 404
    error = assert_envelope(response.json(), "NOT_FOUND")
    assert error["request_id"] == "trace-42"
    assert response.headers["x-request-id"] == "trace-42"


@pytest.mark.parametrize("offered", ["<script>alert(1)</script>", "2142345678", "x" * 65])
def test_a_request_id_that_is_not_plain_is_replaced(client: TestClient, offered: str) -> None:
    """A client request id with odd characters, a phone number in it, or too long is not kept."""
    response = client.get("/v1/nowhere", headers={"X-Request-ID": offered})
    error = assert_envelope(response.json(), "NOT_FOUND")
    assert error["request_id"] != offered
    assert response.headers["x-request-id"] == error["request_id"]


def test_a_wrong_method_is_405_with_allow(client: TestClient, dialer: dict[str, str]) -> None:
    """DELETE on the check route: 405 METHOD_NOT_ALLOWED, and Allow names POST."""
    response = client.delete("/v1/check", headers=dialer)
    assert response.status_code == 405
    assert_envelope(response.json(), "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["allow"]


def test_a_callwarden_error_keeps_its_code_and_details(client: TestClient) -> None:
    """A state the rule data does not know: NotFound's 404 with its details."""
    headers = {"X-API-Key": _key(client)}
    response = client.get("/v1/rules/ZZ", headers=headers)
    assert response.status_code == 404
    error = assert_envelope(response.json(), "NOT_FOUND")
    assert error["details"] == {"state": "ZZ"}


def _key(client: TestClient) -> str:
    api: Any = client.app
    return bearer(api, Role.READONLY)["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", CARD),
        ("purpose", f"card {CARD} exp 12/29"),
        ("at", CARD),
        ("address", {"state": CARD, "zip": CARD}),
        ("line_type", [CARD]),
        (CARD, "an unexpected field named like a card number"),
    ],
)
def test_validation_errors_never_echo_the_input(
    client: TestClient, dialer: dict[str, str], field: str, value: object
) -> None:
    """A card number in a wrong field: 422 INVALID_INPUT naming the field, without the number."""
    response = client.post("/v1/check", json={**ATTEMPT, field: value}, headers=dialer)
    assert response.status_code == 422
    error = assert_envelope(response.json(), "INVALID_INPUT")
    assert CARD not in response.text
    assert "4111" not in str(dict(error, request_id=""))  # the random id may hold any digits
    details: Any = error["details"]
    assert details
    assert all(set(d) == {"loc", "msg", "type"} for d in details)
    assert details[0]["loc"][0] == "body"


@pytest.mark.parametrize(
    "body",
    [b"{broken", b"", b"[]", b"null", json.dumps({"id": "x"}).encode(), b"\xff\xfe\x00"],
)
def test_broken_bodies_are_422_in_the_envelope(
    client: TestClient, dialer: dict[str, str], body: bytes
) -> None:
    """Broken JSON, an empty body, the wrong type, missing fields, bytes that are not UTF-8."""
    headers = {**dialer, "Content-Type": "application/json"}
    response = client.post("/v1/check", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert_envelope(response.json(), "INVALID_INPUT")


def test_a_huge_batch_of_bad_attempts_reports_at_most_twenty_problems(
    client: TestClient, dialer: dict[str, str]
) -> None:
    """Details are capped, so a bad batch cannot produce a megabyte error body."""
    attempts = [{**ATTEMPT, "at": "yesterday"} for _ in range(500)]
    response = client.post("/v1/check/batch", json={"attempts": attempts}, headers=dialer)
    error = assert_envelope(response.json(), "INVALID_INPUT")
    details: Any = error["details"]
    assert len(details) == 20
    assert details[0]["loc"] == ["body", "attempts", "0", "at"]


class Broken:
    """A check service with a bug whose message carries a card number."""

    def check(self, attempts: object, record: bool = False) -> object:
        msg = f"unexpected state while deciding {CARD}"
        raise RuntimeError(msg)


def test_a_bug_is_500_internal_error_without_traceback_or_input(
    api: FastAPI, client: TestClient, dialer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unhandled exception: a bare 500 envelope; the log has the traceback, masked."""
    monkeypatch.setitem(api.state.cw.__dict__, "checker", Broken())
    with capture_logs(processors=pre_render_processors()) as events:
        response = client.post("/v1/check", json=ATTEMPT, headers=dialer)
    assert response.status_code == 500
    error = assert_envelope(response.json(), "INTERNAL_ERROR")
    assert error["message"] == "internal error"
    assert error["details"] == {}
    # The random request id may contain any digits: look for leaks everywhere but there.
    body = dict(error, request_id="")
    for leak in (CARD, "Traceback", "RuntimeError", "unexpected state", "214"):
        assert leak not in str(body)
    assert response.headers["x-request-id"] == error["request_id"]
    crash = next(e for e in events if e["event"] == "http.unhandled")
    assert crash["request_id"] == error["request_id"]
    assert "RuntimeError" in crash["exception"]
    assert CARD not in crash["exception"]
    assert "[REDACTED]" in crash["exception"]
    access = next(e for e in events if e["event"] == "http.access")
    assert access["status"] == 500


def test_readyz_is_503_when_the_database_does_not_answer(
    api: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """The readiness probe reports a dead database as 503 NOT_READY in the envelope."""
    dead = create_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    monkeypatch.setitem(api.state.cw.__dict__, "engine", dead)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert_envelope(response.json(), "NOT_READY")
    assert client.get("/healthz").status_code == 200


# Body limits ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """An API that reads at most 1 MiB per request."""
    application = make_api(tmp_path_factory.mktemp("small") / "home", max_body_bytes=MIB)
    yield application
    application.state.cw.engine.dispose()


def test_a_declared_oversized_body_is_413_before_reading(small_api: FastAPI) -> None:
    """Content-Length over the limit: 413 PAYLOAD_TOO_LARGE, without authentication."""
    client = TestClient(small_api, raise_server_exceptions=False)
    response = client.post("/v1/check/batch", content=b"x" * (2 * MIB))
    assert response.status_code == 413
    error = assert_envelope(response.json(), "PAYLOAD_TOO_LARGE")
    assert error["details"] == {"max_body_bytes": MIB}


def test_a_body_at_the_limit_is_read(small_api: FastAPI) -> None:
    """Exactly the limit is allowed (and then judged on its content)."""
    client = TestClient(small_api, raise_server_exceptions=False)
    headers = {**bearer(small_api, Role.DIALER), "Content-Type": "application/json"}
    body = json.dumps(ATTEMPT).encode()
    padded = body[:-1] + b" " * (MIB - len(body)) + b"}"
    assert len(padded) == MIB
    assert client.post("/v1/check", content=padded, headers=headers).status_code == 200


def test_a_200_mb_streamed_body_is_refused_with_413(api: FastAPI) -> None:
    """A 200 MB chunked upload (no Content-Length) to the default 50 MiB limit: 413."""
    client = TestClient(api, raise_server_exceptions=False)
    chunk = b"x" * MIB

    def upload() -> Iterator[bytes]:
        for _ in range(200):
            yield chunk

    response = client.post("/v1/check/batch", content=upload(), headers=bearer(api, Role.DIALER))
    assert response.status_code == 413
    assert_envelope(response.json(), "PAYLOAD_TOO_LARGE")


def _stream_through_asgi(
    app: FastAPI, total_chunks: int, headers: dict[str, str]
) -> tuple[httpx2.Response, int]:
    """POST a streamed body chunk by chunk; return the response and how many bytes were pulled."""
    pulled = 0
    chunk = b"x" * MIB

    async def upload() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(total_chunks):
            pulled += len(chunk)
            yield chunk

    async def go() -> httpx2.Response:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/v1/check/batch", content=upload(), headers=headers)

    return asyncio.run(go()), pulled


def test_a_streamed_body_is_not_buffered_past_the_limit(api: FastAPI) -> None:
    """Of a 200 MB stream the server pulls only the limit plus one chunk, then answers 413."""
    limit = api.state.cw.settings.max_body_bytes
    response, pulled = _stream_through_asgi(api, 200, bearer(api, Role.DIALER))
    assert response.status_code == 413
    assert_envelope(response.json(), "PAYLOAD_TOO_LARGE")
    assert pulled <= limit + MIB
    assert pulled < 200 * MIB


def test_a_lying_content_length_is_caught_by_counting(small_api: FastAPI) -> None:
    """Content-Length claims 100 bytes, 3 MiB arrive: the count stops it at the limit."""
    headers = {**bearer(small_api, Role.DIALER), "Content-Length": "100"}
    response, pulled = _stream_through_asgi(small_api, 3, headers)
    assert response.status_code == 413
    assert_envelope(response.json(), "PAYLOAD_TOO_LARGE")
    assert pulled <= 2 * MIB
