"""``POST /v1/check`` and ``/v1/check/batch`` through the HTTP stack, logs included."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from api_support import ATTEMPT, assert_envelope, bearer, make_api
from fastapi import FastAPI
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from callwarden.core.identity import Role
from callwarden.log import pre_render_processors

ALLOWED = {**ATTEMPT, "id": "ok", "at": "2026-03-03T10:00:00-06:00", "purpose": "informational"}
LATE = {**ATTEMPT, "id": "late", "at": "2026-03-03T21:30:00-06:00", "purpose": "debt_collection"}
INVALID = {**ATTEMPT, "id": "bad", "phone": "555-0100"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = make_api(tmp_path_factory.mktemp("check") / "home", max_batch=5)
    yield application
    application.state.cw.engine.dispose()


@pytest.fixture(scope="module")
def client(api: FastAPI) -> TestClient:
    return TestClient(api, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def dialer(api: FastAPI) -> dict[str, str]:
    return bearer(api, Role.DIALER, "dialer1")


def test_one_allowed_attempt(client: TestClient, dialer: dict[str, str]) -> None:
    """An informational call at 10:00 in Dallas is allowed; the decision has design.md's shape."""
    response = client.post("/v1/check", json=ALLOWED, headers=dialer)
    assert response.status_code == 200
    decision = response.json()
    assert decision["id"] == "ok"
    assert decision["allowed"] is True
    assert decision["reasons"] == []
    assert decision["next_allowed_at"] is None
    assert decision["jurisdictions"] == {"states": ["TX"], "time_zones": ["America/Chicago"]}
    assert decision["phone_e164"] == "+12142345678"
    assert decision["rule_set"]


def test_one_denied_attempt_says_when_it_would_be_allowed(
    client: TestClient, dialer: dict[str, str]
) -> None:
    """A collection call at 21:30 in Dallas: Regulation F's window, next allowed at 08:00."""
    decision = client.post("/v1/check", json=LATE, headers=dialer).json()
    assert decision["allowed"] is False
    assert [r["code"] for r in decision["reasons"]] == ["OUTSIDE_CALLING_HOURS"]
    assert decision["reasons"][0]["citation"].startswith("15 U.S.C. 1692c(a)(1)")
    assert decision["next_allowed_at"] == "2026-03-04T08:00:00-06:00"


def test_an_invalid_number_is_a_decision_not_an_error(
    client: TestClient, dialer: dict[str, str]
) -> None:
    """A 7-digit number is answered 200 with INVALID_NUMBER."""
    response = client.post("/v1/check", json=INVALID, headers=dialer)
    assert response.status_code == 200
    assert [r["code"] for r in response.json()["reasons"]] == ["INVALID_NUMBER"]


def test_a_batch_is_decided_in_order(client: TestClient, dialer: dict[str, str]) -> None:
    """Decisions come back in input order, one per attempt."""
    body = {"attempts": [LATE, ALLOWED, INVALID]}
    response = client.post("/v1/check/batch", json=body, headers=dialer)
    assert response.status_code == 200
    decisions = response.json()["decisions"]
    assert [d["id"] for d in decisions] == ["late", "ok", "bad"]
    assert [d["allowed"] for d in decisions] == [False, True, False]


def test_a_batch_answers_each_attempt_as_the_single_route_does(
    client: TestClient, dialer: dict[str, str]
) -> None:
    """The columnar batch and the single route agree, byte for byte, attempt by attempt."""
    attempts = [
        ALLOWED,
        {**ALLOWED, "id": "ok2", "phone": "+1 214.234.5679"},  # the same group as "ok"
        LATE,
        INVALID,
        {**LATE, "id": "addressed", "address": {"state": "FL"}},
    ]
    response = client.post("/v1/check/batch", json={"attempts": attempts}, headers=dialer)
    assert response.status_code == 200
    batch = response.json()["decisions"]
    singles = [client.post("/v1/check", json=a, headers=dialer).json() for a in attempts]
    assert batch == singles
    assert batch[1]["phone_e164"] == "+12142345679"


def test_a_batch_with_a_phone_written_as_a_number_is_still_answered(
    client: TestClient, dialer: dict[str, str]
) -> None:
    """Bodies the columnar reader leaves alone go through the model as before."""
    body = {"attempts": [{**ALLOWED, "phone": 2142345678}]}
    response = client.post("/v1/check/batch", json=body, headers=dialer)
    assert response.status_code == 200
    assert response.json()["decisions"][0]["phone_e164"] == "+12142345678"


def test_the_batch_size_comes_from_settings(client: TestClient, dialer: dict[str, str]) -> None:
    """max_batch=5: five attempts pass, six are 422, none is 422 too."""
    five = {"attempts": [ALLOWED] * 5}
    assert client.post("/v1/check/batch", json=five, headers=dialer).status_code == 200
    for attempts in ([ALLOWED] * 6, []):
        response = client.post("/v1/check/batch", json={"attempts": attempts}, headers=dialer)
        assert response.status_code == 422
        error = assert_envelope(response.json(), "INVALID_INPUT")
        details: Any = error["details"]
        assert details[0]["loc"] == ["body", "attempts"]


def test_the_check_routes_skip_the_middleware_stack_and_are_still_documented(
    api: FastAPI, client: TestClient, dialer: dict[str, str]
) -> None:
    """POSTs to the check routes take the lane; other methods and routes FastAPI's way."""
    client.get("/healthz")  # the stack is built on the first request
    stack = api.middleware_stack
    assert stack is not None
    seen: list[str] = []

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        seen.append(f"{scope.get('method')} {scope.get('path')}")
        await stack(scope, receive, send)

    api.middleware_stack = spy
    try:
        assert client.post("/v1/check", json=ALLOWED, headers=dialer).status_code == 200
        batch = client.post("/v1/check/batch", json={"attempts": [ALLOWED]}, headers=dialer)
        assert batch.status_code == 200
        assert seen == []
        wrong = client.get("/v1/check", headers=dialer)
        assert wrong.status_code == 405
        assert_envelope(wrong.json(), "METHOD_NOT_ALLOWED")
        assert seen == ["GET /v1/check"]
    finally:
        api.middleware_stack = stack
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/v1/check"] and "post" in paths["/v1/check/batch"]


def test_the_openapi_schema_documents_the_batch_limit(client: TestClient) -> None:
    """The batch model in /openapi.json carries the configured limit."""
    schema = client.get("/openapi.json").json()
    attempts = schema["components"]["schemas"]["CheckBatchIn"]["properties"]["attempts"]
    assert attempts["maxItems"] == 5
    assert attempts["minItems"] == 1


def test_the_openapi_schema_documents_the_single_check(client: TestClient) -> None:
    """The single route reads its body by hand: its schema still names the attempt model."""
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/v1/check"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AttemptIn"}
    assert "AttemptIn" in schema["components"]["schemas"]
    assert [p["name"] for p in operation["parameters"]] == ["record"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DecisionOut"
    }


@pytest.mark.parametrize("flag", ["maybe", "2", ""])
def test_a_record_flag_that_is_not_a_boolean_is_422(
    client: TestClient, dialer: dict[str, str], flag: str
) -> None:
    response = client.post(f"/v1/check?record={flag}", json=ALLOWED, headers=dialer)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "INVALID_INPUT"
    assert error["details"][0]["loc"] == ["query", "record"]


@pytest.mark.parametrize("flag", ["false", "0", "no", "off", "False"])
def test_a_false_record_flag_records_nothing(
    client: TestClient, dialer: dict[str, str], flag: str
) -> None:
    response = client.post(f"/v1/check?record={flag}", json=ALLOWED, headers=dialer)
    assert response.status_code == 200, response.text


def test_record_stores_an_allowed_attempt_in_the_history(
    api: FastAPI, client: TestClient, dialer: dict[str, str]
) -> None:
    """?record=true: the allowed attempt joins the call history (denied ones do not)."""
    phone = {"phone": "(512) 555-0123"}
    allowed = {**ALLOWED, **phone, "seller": "acme-record"}
    denied = {**LATE, **phone, "seller": "acme-record"}
    assert client.post("/v1/check?record=true", json=allowed, headers=dialer).json()["allowed"]
    assert not client.post("/v1/check?record=true", json=denied, headers=dialer).json()["allowed"]
    with api.state.cw.uow() as uow:
        stored = uow.history.recent(5125550123, "acme-record", datetime(2026, 1, 1, tzinfo=UTC))
    assert [a.at.isoformat() for a in stored] == ["2026-03-03T16:00:00+00:00"]


def test_the_phone_is_logged_only_masked(client: TestClient, dialer: dict[str, str]) -> None:
    """The access log of a check carries the number masked to its last four digits, no body.

    Besides: method, path, status, duration, request id and the key's name.
    """
    body = {**ALLOWED, "phone": "+1 (214) 234-5678", "seller": "acme-logs"}
    with capture_logs(processors=pre_render_processors()) as events:
        response = client.post("/v1/check", json=body, headers=dialer)
    assert response.status_code == 200
    access = [e for e in events if e["event"] == "http.access"]
    assert len(access) == 1
    line = access[0]
    assert line["method"] == "POST"
    assert line["path"] == "/v1/check"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["principal"] == "dialer1"
    assert line["phone"] == "***-***-5678"
    logged = json.dumps(events, default=str)
    for raw in ("2142345678", "214) 234", "234-5678", "+12142345678", "acme-logs", "2026-03-03"):
        assert raw not in logged


def test_a_denied_check_logs_its_reason_codes(client: TestClient, dialer: dict[str, str]) -> None:
    """The access line of a denial names the codes, so operators can count them."""
    with capture_logs(processors=pre_render_processors()) as events:
        client.post("/v1/check", json=LATE, headers=dialer)
    access = next(e for e in events if e["event"] == "http.access")
    assert access["allowed"] is False
    assert access["codes"] == ["OUTSIDE_CALLING_HOURS"]


class WhereChecked:
    """A check service stand-in that remembers which thread ran it."""

    def __init__(self, real: Any) -> None:
        """Wrap the real service."""
        self.real = real
        self.threads: list[str] = []

    def check(self, attempts: Any, **options: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        return self.real.check(attempts, **options)


def test_reads_run_on_the_loop_and_writes_in_the_thread_pool(
    api: FastAPI, client: TestClient, dialer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SQLite a read-only check runs inline; one that records goes to a worker thread."""
    spy = WhereChecked(api.state.cw.checker)
    columns = WhereChecked(api.state.cw.batch_checker)
    monkeypatch.setitem(api.state.cw.__dict__, "checker", spy)
    monkeypatch.setitem(api.state.cw.__dict__, "batch_checker", columns)
    client.post("/v1/check", json=ALLOWED, headers=dialer)
    client.post("/v1/check?record=true", json={**ALLOWED, "seller": "spy"}, headers=dialer)
    client.post("/v1/check/batch", json={"attempts": [ALLOWED]}, headers=dialer)
    body = {"attempts": [{**ALLOWED, "seller": "spy"}], "record": True}
    client.post("/v1/check/batch", json=body, headers=dialer)
    inline, recorded, recorded_batch = spy.threads
    (batch,) = columns.threads
    assert "worker" not in inline.lower()
    assert "worker" in recorded.lower()
    assert "worker" in batch.lower()
    assert "worker" in recorded_batch.lower()


class Overlaps:
    """A check service stand-in that counts how many of its checks ran at once."""

    def __init__(self, real: Any) -> None:
        """Wrap the real service."""
        self.real = real
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def check(self, attempts: Any, **options: Any) -> Any:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # long enough for the other requests to arrive meanwhile
            return self.real.check(attempts, **options)
        finally:
            with self.lock:
                self.running -= 1


def test_batches_of_one_process_are_decided_one_at_a_time(
    api: FastAPI, dialer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four batches sent at once all get their answers, decided one after another."""
    columns, single = Overlaps(api.state.cw.batch_checker), Overlaps(api.state.cw.checker)
    monkeypatch.setitem(api.state.cw.__dict__, "batch_checker", columns)
    monkeypatch.setitem(api.state.cw.__dict__, "checker", single)

    async def send() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            batches = [
                http.post("/v1/check/batch", json={"attempts": [ALLOWED]}, headers=dialer)
                for _ in range(4)
            ]
            recording = {"attempts": [{**ALLOWED, "seller": "overlap"}], "record": True}
            batches.append(http.post("/v1/check/batch", json=recording, headers=dialer))
            return list(await asyncio.gather(*batches))

    answers = asyncio.run(send())
    assert [r.status_code for r in answers] == [200] * 5
    assert all(r.json()["decisions"][0]["allowed"] for r in answers)
    assert columns.most == 1
    assert single.most == 1  # the recording batch waited its turn too
    assert columns.running == single.running == 0
