"""``POST /v1/scrub`` through the HTTP stack: upload, scrubbed file back, guards and limits."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callwarden.config import get_settings
from callwarden.core.identity import Role
from callwarden.interfaces.api.app import create_app

NUMBERING_CACHE = Path(__file__).resolve().parents[2] / ".callwarden" / "test-cache"

AT = "2026-03-03T20:30:00-06:00"
CSV = b"".join(
    [
        b"id,Phone,zip\n",
        b"1,(214) 234-5678,75201\n",
        b"2,1-212-555-0142,10001\n",
        b"3,911-234-5678,00000\n",
        b"4,,12345\n",
    ]
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    application = make_api(tmp_path_factory.mktemp("scrub") / "home", max_body_bytes=64 * 1024)
    yield application
    application.state.cw.engine.dispose()


@pytest.fixture(scope="module")
def client(api: FastAPI) -> TestClient:
    return TestClient(api, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def dialer(api: FastAPI) -> dict[str, str]:
    return bearer(api, Role.DIALER)


def make_api(home: Path, **settings: object) -> FastAPI:
    """The API on a fresh home sharing the numbering tables built once for the suite."""
    home.mkdir(parents=True, exist_ok=True)
    NUMBERING_CACHE.mkdir(parents=True, exist_ok=True)
    (home / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    return create_app(get_settings(home=home, env="test", **settings))


def bearer(api: FastAPI, role: Role) -> dict[str, str]:
    _, key = api.state.cw.apikeys.create(f"{role}-{uuid.uuid4().hex[:8]}", role)
    return {"Authorization": f"Bearer {key}"}


def assert_envelope(body: dict[str, Any], code: str) -> dict[str, Any]:
    """The body is the error envelope with ``code``; return its inner object."""
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    return error


def upload(name: str, data: bytes) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, data, "application/octet-stream")}


def test_a_csv_upload_comes_back_as_parquet(client: TestClient, dialer: dict[str, str]) -> None:
    response = client.post(
        "/v1/scrub", params={"at": AT}, files=upload("leads.csv", CSV), headers=dialer
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert "leads.scrubbed.parquet" in response.headers["content-disposition"]
    assert response.headers["x-scrub-rows"] == "4"
    assert response.headers["x-scrub-phone-column"] == "Phone"
    table = pq.read_table(io.BytesIO(response.content))
    assert table.column_names == ["id", "Phone", "zip", "phone_e164", "allowed", "reasons"]
    assert table.column("zip").to_pylist() == ["75201", "10001", "00000", "12345"]
    assert table.column("phone_e164").to_pylist()[:3] == ["+12142345678", "+12125550142", None]
    assert table.column("reasons").to_pylist()[2:] == [["INVALID_NUMBER"], ["INVALID_NUMBER"]]


def test_format_csv_and_a_parquet_upload(
    client: TestClient, dialer: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "x.parquet"
    pq.write_table(pa.table({"mobile": pa.array([2142345678, None], pa.int64())}), source)
    response = client.post(
        "/v1/scrub",
        params={"at": AT, "format": "csv", "purpose": "informational"},
        files=upload("leads.bin", source.read_bytes()),  # told apart by its first bytes
        headers=dialer,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = dict.fromkeys(["phone_e164", "reasons"], pa.string())
    rows = pacsv.read_csv(
        io.BytesIO(response.content),
        convert_options=pacsv.ConvertOptions(column_types=text, strings_can_be_null=True),
    ).to_pylist()
    assert [r["phone_e164"] for r in rows] == ["+12142345678", None]
    assert rows[1]["reasons"] == "INVALID_NUMBER"


def test_keys_and_roles_are_checked(client: TestClient, api: FastAPI) -> None:
    files = upload("leads.csv", CSV)
    assert_envelope(client.post("/v1/scrub", files=files).json(), "UNAUTHENTICATED")
    readonly = bearer(api, Role.READONLY)
    denied = client.post("/v1/scrub", files=files, headers=readonly)
    assert denied.status_code == 403
    compliance = bearer(api, Role.COMPLIANCE)
    assert client.post("/v1/scrub", files=files, headers=compliance).status_code == 200


def test_an_upload_over_the_limit_gets_413(client: TestClient, dialer: dict[str, str]) -> None:
    big = b"phone\n" + b"(214) 234-5678\n" * 5_000  # 75 kB against a 64 kB limit
    response = client.post("/v1/scrub", files=upload("big.csv", big), headers=dialer)
    assert response.status_code == 413
    assert_envelope(response.json(), "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        (upload("empty.csv", b""), "input file is empty"),
        (upload("leads.csv", b"id,name\n1,Ann\n"), "'id', 'name'"),
        (upload("broken.parquet", b"PAR1" + b"\x00" * 64), "not a readable Parquet file"),
        ({"other": ("leads.csv", CSV, "text/csv")}, "no file in a 'file' field"),
    ],
    ids=["empty", "no-phone-column", "corrupt-parquet", "no-file-field"],
)
def test_bad_uploads_get_clear_errors(
    client: TestClient, dialer: dict[str, str], files: dict[str, object], needle: str
) -> None:
    response = client.post("/v1/scrub", files=files, headers=dialer)
    assert response.status_code == 422
    error = assert_envelope(response.json(), response.json()["error"]["code"])
    assert needle in str(error["message"])


def test_a_plain_body_and_a_naive_instant_are_refused(
    client: TestClient, dialer: dict[str, str]
) -> None:
    plain = client.post("/v1/scrub", content=CSV, headers={**dialer, "content-type": "text/csv"})
    assert plain.status_code == 422
    assert "multipart/form-data" in plain.json()["error"]["message"]
    naive = client.post(
        "/v1/scrub",
        params={"at": "2026-03-03T10:00:00"},
        files=upload("leads.csv", CSV),
        headers=dialer,
    )
    assert naive.status_code == 422
    assert_envelope(naive.json(), "INVALID_INPUT")


def test_nothing_is_left_behind_in_the_home(
    client: TestClient, dialer: dict[str, str], api: FastAPI
) -> None:
    client.post("/v1/scrub", files=upload("leads.csv", CSV), headers=dialer)
    client.post("/v1/scrub", files=upload("empty.csv", b""), headers=dialer)
    work = Path(api.state.cw.settings.home) / "tmp"
    assert not list(work.glob("scrub-*"))
