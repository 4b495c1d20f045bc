"""The ledger routes over HTTP: consents, history, the abandonment report and emergencies."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette's test client asks for the httpx2 package; httpx (a dev dependency) works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from callwarden.bootstrap import App
from callwarden.interfaces.api.app import create_app
from callwarden.services.apikeys import Role

CONSENT: dict[str, Any] = {
    "phone": "+1 541.234.5678",
    "seller": "acme",
    "kind": "written",
    "at": "2025-11-14T18:22:05-08:00",
    "scope": "home internet offers",
    "evidence": {"form_url": "https://acme.example/signup", "ip": "203.0.113.24"},
}
RECORD: dict[str, Any] = {
    "phone": "(214) 234-5678",
    "at": "2026-03-02T10:02:11-06:00",
    "seller": "acme",
    "campaign": "spring",
    "purpose": "telemarketing",
    "channel": "voice",
    "method": "predictive",
    "outcome": "conversation",
    "connect_delay_s": 0.6,
}
CARD = "4111111111111111"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_app(app=app)) as test_client:
        yield test_client


@pytest.fixture
def keys(app: App) -> dict[str, dict[str, str]]:
    """Authorization headers for a key of each role."""
    out = {}
    for role in (Role.COMPLIANCE, Role.DIALER, Role.READONLY):
        _, key = app.apikeys.create(f"{role.value}-key", role)
        out[role.value] = {"Authorization": f"Bearer {key}"}
    return out


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details", "request_id"}
    return body["error"]  # type: ignore[no-any-return]


def test_record_show_and_revoke_a_consent(client: TestClient, keys: dict[str, Any]) -> None:
    """One consent is stored, shown with its evidence, revoked, and shown revoked."""
    compliance = keys["compliance"]
    created = client.post("/v1/consents", json=CONSENT, headers=compliance)
    assert (created.status_code, created.json()) == (201, {"stored": 1})
    shown = client.get("/v1/consents/(541) 234-5678", headers=compliance).json()
    assert shown["phone"] == "+15412345678"
    assert shown["consents"][0]["evidence"] == CONSENT["evidence"]
    assert shown["consents"][0]["state"] == "active"
    revoked = client.post(
        "/v1/consents/revoke",
        json={"phone": "5412345678", "seller": "acme", "at": "2026-03-01T10:00:00-08:00"},
        headers=compliance,
    ).json()
    assert revoked == {
        "phone": "+15412345678",
        "seller": "acme",
        "at": "2026-03-01T18:00:00+00:00",
        "revoked": 1,
    }
    again = client.get("/v1/consents/5412345678", headers=compliance).json()
    assert again["consents"][0]["state"] == "revoked"


def test_a_batch_is_all_or_nothing(client: TestClient, keys: dict[str, Any]) -> None:
    """A batch with one bad number stores nothing and names the item, not the value."""
    compliance = keys["compliance"]
    batch = [CONSENT, {**CONSENT, "phone": CARD}, {**CONSENT, "seller": "globex"}]
    response = client.post("/v1/consents", json={"consents": batch}, headers=compliance)
    assert response.status_code == 422
    error = error_of(response)
    assert error["details"]["errors"] == [
        {"index": 1, "error": "phone: expected 10 digits, got 16"}
    ]
    assert CARD not in response.text
    assert client.get("/v1/consents/5412345678", headers=compliance).json()["consents"] == []
    ok = client.post("/v1/consents", json={"consents": [CONSENT] * 3}, headers=compliance)
    assert ok.json() == {"stored": 3}


def test_validation_errors_do_not_echo_input(client: TestClient, keys: dict[str, Any]) -> None:
    """A card number in a wrong field, a naive time and an unknown kind are described only."""
    body = {**CONSENT, "kind": CARD, "at": "2025-11-14T18:22:05", "note": CARD}
    response = client.post("/v1/consents", json=body, headers=keys["compliance"])
    assert response.status_code == 422
    assert error_of(response)["code"] == "INVALID_INPUT"
    assert CARD not in response.text
    revoke = client.post(
        "/v1/consents/revoke",
        json={"phone": CARD, "seller": "acme"},
        headers=keys["compliance"],
    )
    assert revoke.status_code == 422
    assert CARD not in revoke.text


def test_revoking_nothing_is_not_found(client: TestClient, keys: dict[str, Any]) -> None:
    """No consent to revoke is a 404 in the common envelope."""
    response = client.post(
        "/v1/consents/revoke",
        json={"phone": "5412345678", "seller": "acme"},
        headers=keys["compliance"],
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_oversized_batches_are_refused(client: TestClient, keys: dict[str, Any]) -> None:
    """10,001 consents is one more than a batch may hold."""
    body = json.dumps({"consents": [CONSENT] * 10_001})
    response = client.post(
        "/v1/consents",
        content=body,
        headers={**keys["compliance"], "content-type": "application/json"},
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "INVALID_INPUT"
    assert "203.0.113.24" not in response.text


def test_roles_guard_every_ledger_route(client: TestClient, keys: dict[str, Any]) -> None:
    """No key is 401; a dialer may post history but not consents; readonly may do neither."""
    assert client.get("/v1/emergencies").status_code == 401
    assert client.post("/v1/consents", json=CONSENT, headers=keys["dialer"]).status_code == 403
    assert client.get("/v1/reports/abandonment", headers=keys["dialer"]).status_code == 403
    history = {"attempts": [RECORD]}
    assert client.post("/v1/history", json=history, headers=keys["readonly"]).status_code == 403
    assert client.post("/v1/history", json=history, headers=keys["dialer"]).status_code == 201


def test_history_then_the_abandonment_report(client: TestClient, keys: dict[str, Any]) -> None:
    """Posted call records show up in the report; a bad record stores nothing."""
    late = {**RECORD, "phone": "(214) 234-5679", "connect_delay_s": 2.6}
    lost = {**RECORD, "phone": "(214) 234-5680", "outcome": "abandoned"}
    machine = {**RECORD, "phone": "(214) 234-5681", "outcome": "answered_machine"}
    bad = {**RECORD, "phone": "911-234-5678"}
    dialer, compliance = keys["dialer"], keys["compliance"]
    refused = client.post("/v1/history", json={"attempts": [RECORD, bad]}, headers=dialer)
    assert refused.status_code == 422
    assert error_of(refused)["details"]["errors"][0]["index"] == 1
    stored = client.post(
        "/v1/history", json={"attempts": [RECORD, late, lost, machine]}, headers=dialer
    )
    assert stored.json() == {"stored": 4}
    report = client.get(
        "/v1/reports/abandonment",
        params={"since": "2026-03-01", "until": "2026-03-03", "tz": "America/Chicago"},
        headers=compliance,
    ).json()
    (day,) = report["days"]
    assert (day["day"], day["answered"], day["abandoned"]) == ("2026-03-02", 3, 2)
    assert day["rolling_at_or_over"] is True
    bad_zone = client.get(
        "/v1/reports/abandonment", params={"tz": "Asia/Kolkata"}, headers=compliance
    )
    assert error_of(bad_zone)["code"] == "INVALID_INPUT"


def test_declare_and_list_emergencies(client: TestClient, keys: dict[str, Any]) -> None:
    """A declaration is stored and listed; an inverted range is refused."""
    compliance = keys["compliance"]
    declaration = {
        "state": "LA",
        "starts_at": "2026-09-01T00:00:00-05:00",
        "ends_at": "2026-09-10T00:00:00-05:00",
        "citation": "La. R.S. 45:844.31; Proclamation 115 JML 2026",
    }
    created = client.post("/v1/emergencies", json=declaration, headers=compliance)
    assert created.status_code == 201
    assert created.json()["zips"] == []
    (listed,) = client.get("/v1/emergencies", headers=compliance).json()["emergencies"]
    assert listed["state"] == "LA"
    assert listed["in_force"] is False
    inverted = {**declaration, "ends_at": "2026-08-01T00:00:00-05:00"}
    response = client.post("/v1/emergencies", json=inverted, headers=compliance)
    assert response.status_code == 422
