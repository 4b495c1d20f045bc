"""``GET /v1/rules`` and ``GET /v1/rules/{state}``: the loaded rule rows as JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import assert_envelope, bearer, make_api
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callwarden.core.identity import Role


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = make_api(tmp_path_factory.mktemp("rules") / "home")
    yield application
    application.state.cw.engine.dispose()


@pytest.fixture(scope="module")
def get(api: FastAPI) -> Any:
    client = TestClient(api, raise_server_exceptions=False)
    headers = bearer(api, Role.READONLY)
    return lambda url: client.get(url, headers=headers)


def test_every_loaded_row_is_listed_with_its_citation(api: FastAPI, get: Any) -> None:
    """One JSON row per rule, each with family, id, jurisdiction, dates and citation."""
    rules = api.state.cw.rules
    body = get("/v1/rules").json()
    assert body["rule_set"] == rules.label
    assert body["version"] == rules.version
    assert body["count"] == len(body["rules"]) == len(rules.all_rows())
    ids = {row["id"] for row in body["rules"]}
    assert {"US-FED-TCPA-CALLING-WINDOW", "US-TX-CALLING-WINDOW"} <= ids
    for row in body["rules"]:
        assert row["family"]
        assert row["citation"]
        assert row["jurisdiction"] == "US" or row["jurisdiction"].startswith("US-")
        assert len(row["effective_from"]) == 10


def test_a_row_shows_its_own_fields(get: Any) -> None:
    """A calling window row carries its scope and windows in plain JSON."""
    body = get("/v1/rules?family=calling_windows&jurisdiction=US-TX").json()
    [texas] = body["rules"]
    assert texas["id"] == "US-TX-CALLING-WINDOW"
    assert texas["citation"] == "Tex. Bus. & Com. Code 301.051"
    sunday = next(w for w in texas["windows"] if w["days"] == [6])
    assert (sunday["start"], sunday["end"]) == ("12:00:00", "21:00:00")
    assert "telemarketing" in texas["scope"]["purposes"]


def test_filters_by_family_jurisdiction_and_day(get: Any) -> None:
    """Federal rows only; rows in force on a day pick the right version of a rule."""
    federal = get("/v1/rules?jurisdiction=US").json()["rules"]
    assert federal
    assert {row["jurisdiction"] for row in federal} == {"US"}
    before = get("/v1/rules?jurisdiction=US-CT&family=calling_windows&on=2020-06-01").json()
    after = get("/v1/rules?jurisdiction=US-CT&family=calling_windows&on=2024-06-01").json()
    assert [r["id"] for r in before["rules"]] == ["US-CT-CALLING-WINDOW"]
    assert [r["id"] for r in after["rules"]] == ["US-CT-CALLING-WINDOW-V2"]


def test_one_state_gets_federal_and_its_own_rows_and_zones(get: Any) -> None:
    """Texas: federal rows and Texas rows, no other state's; its zones with the El Paso split."""
    body = get("/v1/rules/tx").json()
    assert body["state"] == "TX"
    jurisdictions = {row["jurisdiction"] for row in body["rules"]}
    assert jurisdictions == {"US", "US-TX"}
    assert body["time_zones"]["zones"] == ["America/Chicago", "America/Denver"]
    assert ["799", "America/Denver"] in body["time_zones"]["zip3_zones"]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/v1/rules/ZZ", 404, "NOT_FOUND"),
        ("/v1/rules/TEX", 422, "INVALID_INPUT"),
        ("/v1/rules/T1", 422, "INVALID_INPUT"),
        ("/v1/rules?family=lunch_breaks", 404, "NOT_FOUND"),
        ("/v1/rules?jurisdiction=Texas", 422, "INVALID_INPUT"),
        ("/v1/rules?on=yesterday", 422, "INVALID_INPUT"),
        ("/v1/rules/TX?on=2026-02-30", 422, "INVALID_INPUT"),
    ],
)
def test_bad_queries_are_refused_in_the_envelope(
    get: Any, url: str, status: int, code: str
) -> None:
    """Unknown states and families are 404; malformed parameters are 422."""
    response = get(url)
    assert response.status_code == status
    assert_envelope(response.json(), code)


def test_rows_carry_their_own_fields_only(get: Any) -> None:
    """What a row derives from its fields (a window per weekday) is not repeated in the JSON."""
    [nebraska] = get("/v1/rules?family=calling_windows&jurisdiction=US-NE").json()["rules"][:1]
    assert "by_weekday" not in nebraska
    assert "holiday_window" not in nebraska
    holiday = get("/v1/rules/NE?family=calling_windows").json()["rules"]
    [row] = [r for r in holiday if r["id"] == "US-NE-PRERECORDED-HOLIDAY-WINDOW"]
    assert row["holiday_calendar"] == "US-NE"
    assert row["windows"] == [
        {"days": [], "start": "13:00:00", "end": "21:00:00", "holidays": True}
    ]


def test_a_states_decision_grid(get: Any) -> None:
    """Nebraska's grid: prerecorded calls wait for 13:00 on Thanksgiving, with consent too."""
    body = get("/v1/rules/ne/decisions?week_of=2026-04-15").json()
    assert body["state"] == "NE"
    assert body["week_of"] == "2026-04-15"
    assert len(body["decisions"]) == 108
    [cell] = [
        d
        for d in body["decisions"]
        if d["at"] == "2026-11-26T12:00:00-06:00"
        and (d["kind"], d["facts"]) == ("prerecorded", "written consent")
    ]
    assert [r["rule"] for r in cell["reasons"]] == ["US-NE-PRERECORDED-HOLIDAY-WINDOW"]
    assert cell["next_allowed_at"] == "2026-11-26T13:00:00-06:00"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/rules/zz/decisions", 422),
        ("/v1/rules/ut/decisions?phone=2122345678", 422),
        ("/v1/rules/ut/decisions?week_of=2026-02-30", 422),
        ("/v1/rules/ut/decisions?phone=" + "1" * 41, 422),
        ("/v1/rules/texas/decisions", 422),
    ],
)
def test_a_bad_grid_request_is_refused(get: Any, url: str, status: int) -> None:
    response = get(url)
    assert response.status_code == status, response.text
    assert_envelope(response.json(), "INVALID_INPUT")
