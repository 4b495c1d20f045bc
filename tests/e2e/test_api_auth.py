"""Every API route but the health probes needs a key of the right role.

The routes are enumerated from the application, so a router added later is covered without
touching this file: it fails here until its routes are guarded with ``security.require``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_support import ATTEMPT, assert_envelope, bearer, make_api
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callwarden.core.identity import Role
from callwarden.services.apikeys import ApiKeyService
from callwarden.storage.db.api_keys import SqlApiKeys
from callwarden.testing import FixedClock

PUBLIC = {"/healthz", "/readyz"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = make_api(tmp_path_factory.mktemp("auth") / "home")
    yield application
    application.state.cw.engine.dispose()


@pytest.fixture(scope="module")
def client(api: FastAPI) -> TestClient:
    return TestClient(api, raise_server_exceptions=False)


HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def guarded_routes(api: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete URL) of every route in the OpenAPI schema but the public probes."""
    out = []
    for path, operations in api.openapi()["paths"].items():
        if path in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", "TX", path)  # any value: the guard runs before parameters
        out.extend((method.upper(), url) for method in operations if method in HTTP_METHODS)
    return sorted(out)


def test_the_enumeration_sees_the_gate_and_the_rules(api: FastAPI) -> None:
    """The route list is real: it holds the check and rules routes (so the tests below bite)."""
    urls = set(guarded_routes(api))
    assert {("POST", "/v1/check"), ("POST", "/v1/check/batch"), ("GET", "/v1/rules")} <= urls
    assert ("GET", "/v1/rules/TX") in urls


def test_every_route_but_health_refuses_a_request_without_a_key(
    api: FastAPI, client: TestClient
) -> None:
    """No key: 401 UNAUTHENTICATED in the envelope, on every route and method."""
    for method, url in guarded_routes(api):
        response = client.request(method, url)
        assert response.status_code == 401, (method, url, response.text)
        assert_envelope(response.json(), "UNAUTHENTICATED")


def test_a_revoked_key_is_refused_on_every_route(api: FastAPI, client: TestClient) -> None:
    """A key revoked through the service stops working at once, everywhere."""
    headers = bearer(api, Role.ADMIN, "admin-to-revoke")
    assert client.get("/v1/rules", headers=headers).status_code == 200
    api.state.cw.apikeys.revoke("admin-to-revoke")
    for method, url in guarded_routes(api):
        response = client.request(method, url, headers=headers)
        assert response.status_code == 401, (method, url, response.text)
        assert_envelope(response.json(), "UNAUTHENTICATED")


def test_a_key_of_a_wrong_role_is_forbidden(api: FastAPI, client: TestClient) -> None:
    """A role a route does not admit gets 403 PERMISSION_DENIED naming the roles that may.

    Every other role gets past the guard; admin is admitted everywhere.
    """
    keys = {role: bearer(api, role) for role in Role}
    forbidden = 0
    for method, url in guarded_routes(api):
        for role in Role:
            response = client.request(method, url, headers=keys[role])
            assert response.status_code != 401, (method, url, role, response.text)
            if response.status_code != 403:
                continue
            error = assert_envelope(response.json(), "PERMISSION_DENIED")
            details: Any = error["details"]
            assert role.value not in details["needs"], (method, url, role)
            assert Role.ADMIN.value in details["needs"]
            forbidden += 1
    assert forbidden > 0  # readonly may not check, at least


def test_the_right_roles_get_through(api: FastAPI, client: TestClient) -> None:
    """A readonly key reads the rules; a dialer key checks; admin does both."""
    readonly, dialer, admin = (bearer(api, r) for r in (Role.READONLY, Role.DIALER, Role.ADMIN))
    assert client.get("/v1/rules", headers=readonly).status_code == 200
    assert client.post("/v1/check", json=ATTEMPT, headers=dialer).status_code == 200
    assert client.get("/v1/rules", headers=admin).status_code == 200
    assert client.post("/v1/check", json=ATTEMPT, headers=admin).status_code == 200


def test_the_key_may_come_in_either_header(api: FastAPI, client: TestClient) -> None:
    """``Authorization: Bearer`` (any case) and ``X-API-Key`` both carry the key."""
    key = bearer(api, Role.READONLY)["Authorization"].removeprefix("Bearer ")
    assert client.get("/v1/rules", headers={"authorization": f"bearer {key}"}).status_code == 200
    assert client.get("/v1/rules", headers={"X-API-Key": key}).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ",
        "Bearer cw_00000000_not-a-real-key",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
        "Bearer 4111111111111111",
    ],
)
def test_malformed_or_unknown_keys_are_unauthenticated(client: TestClient, header: str) -> None:
    """Empty, unknown, wrong-scheme and absurdly long credentials all get 401, never 500."""
    response = client.get("/v1/rules", headers={"Authorization": header})
    assert response.status_code == 401
    assert_envelope(response.json(), "UNAUTHENTICATED")
    assert "4111111111111111" not in response.text


def test_health_and_documentation_need_no_key(client: TestClient) -> None:
    """Probes and the OpenAPI pages are public."""
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


class CountingStore(SqlApiKeys):
    """The SQL store, counting how often a key is looked up."""

    lookups = 0

    def active(self, key_hash: str) -> Any:
        CountingStore.lookups += 1
        return super().active(key_hash)


def test_a_verified_key_is_not_looked_up_again_within_the_ttl(tmp_path: Path) -> None:
    """Fifty requests with one key cost one database lookup; revocation elsewhere lands in 30 s.

    A key revoked by another process (the CLI) is refused once its cache entry expires.
    """
    api = make_api(tmp_path / "home")
    clock = FixedClock(datetime(2026, 3, 3, 15, 0, tzinfo=UTC))
    service = ApiKeyService(store=CountingStore(api.state.cw.session_factory), clock=clock)
    api.state.cw.__dict__["apikeys"] = service
    headers = bearer(api, Role.READONLY, "cached")
    client = TestClient(api, raise_server_exceptions=False)
    CountingStore.lookups = 0
    for _ in range(50):
        assert client.get("/v1/rules", headers=headers).status_code == 200
    assert CountingStore.lookups == 1

    elsewhere = ApiKeyService(store=SqlApiKeys(api.state.cw.session_factory), clock=clock)
    elsewhere.revoke("cached")
    clock.advance(timedelta(seconds=29))
    assert client.get("/v1/rules", headers=headers).status_code == 200
    clock.advance(timedelta(seconds=2))
    assert client.get("/v1/rules", headers=headers).status_code == 401
    api.state.cw.engine.dispose()
