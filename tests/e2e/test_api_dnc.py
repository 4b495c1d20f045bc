"""The DNC routes over HTTP: status, adding and removing numbers, streamed file imports."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from callwarden.bootstrap import App, bootstrap
from callwarden.config import get_settings
from callwarden.interfaces.api.app import create_app
from callwarden.services.apikeys import Role

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "dnc"
NUMBERING_CACHE = ROOT / ".callwarden" / "test-cache"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_app(app=app)) as test_client:
        yield test_client


@pytest.fixture
def keys(app: App) -> dict[str, dict[str, str]]:
    """Headers with a key of each role."""
    out = {}
    for role in (Role.COMPLIANCE, Role.DIALER, Role.READONLY, Role.ADMIN):
        _, key = app.apikeys.create(f"{role.value}-key", role)
        out[role.value] = {"Authorization": f"Bearer {key}"}
    return out


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]  # type: ignore[no-any-return]


def upload(name: str, content: bytes) -> dict[str, Any]:
    return {"file": (name, io.BytesIO(content), "text/plain")}


def test_every_dnc_route_needs_a_key(client: TestClient) -> None:
    """No key: 401 on each route, nothing changed."""
    for method, url in (
        ("get", "/v1/dnc/status"),
        ("post", "/v1/dnc/national/numbers"),
        ("delete", "/v1/dnc/national/numbers/2145550100"),
        ("post", "/v1/dnc/national/import"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 401, url
        assert error_of(response)["code"] == "UNAUTHENTICATED"


def test_roles(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    """Read-only may read the status; a dialer may not change lists; admin may."""
    assert client.get("/v1/dnc/status", headers=keys["readonly"]).status_code == 200
    denied = client.post(
        "/v1/dnc/national/numbers", json={"numbers": ["2145550100"]}, headers=keys["dialer"]
    )
    assert denied.status_code == 403
    assert error_of(denied)["code"] == "PERMISSION_DENIED"
    allowed = client.post(
        "/v1/dnc/internal:acme/numbers", json={"numbers": ["2145550100"]}, headers=keys["admin"]
    )
    assert allowed.status_code == 200


def test_add_and_remove_numbers(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    """Numbers in any notation; one bad number refuses the whole request."""
    headers = keys["compliance"]
    added = client.post(
        "/v1/dnc/state:tx/numbers",
        json={"numbers": ["(214) 555-0100", "+1 972.555.0101"]},
        headers=headers,
    )
    assert added.status_code == 200
    assert added.json() == {
        "list": "state:TX",
        "added": 2,
        "removed": 0,
        "size": 2,
        "generation": 1,
    }
    bad = client.post(
        "/v1/dnc/state:TX/numbers", json={"numbers": ["2145550102", "555-0100"]}, headers=headers
    )
    assert bad.status_code == 422
    assert error_of(bad)["details"]["invalid"][0]["index"] == 1
    removed = client.delete("/v1/dnc/state:TX/numbers/972-555-0101", headers=headers)
    assert removed.json()["size"] == 1
    status = client.get("/v1/dnc/status", headers=headers).json()
    assert [(i["list"], i["numbers"]) for i in status["lists"]] == [("state:TX", 1)]


@pytest.mark.parametrize(
    "body",
    [
        {"numbers": []},
        {"numbers": "2145550100"},
        {"numbers": [2145550100]},
        {"numbers": ["2145550100"] * 10_001},
        {"phones": ["2145550100"]},
    ],
    ids=["empty", "not-a-list", "not-strings", "too-many", "wrong-field"],
)
def test_malformed_number_bodies(
    client: TestClient, keys: dict[str, dict[str, str]], body: dict[str, Any]
) -> None:
    """Wrong shapes are 422 INVALID_INPUT; nothing is stored."""
    response = client.post("/v1/dnc/national/numbers", json=body, headers=keys["compliance"])
    assert response.status_code == 422
    assert error_of(response)["code"] == "INVALID_INPUT"
    assert client.get("/v1/dnc/status", headers=keys["compliance"]).json()["lists"] == []


def test_import_full_list_and_changes(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    """A multipart upload of the examples; a zipped change file; the original name is kept."""
    headers = keys["compliance"]
    full = client.post(
        "/v1/dnc/national/import",
        files=upload("national-sample.txt", (EXAMPLES / "national-sample.txt").read_bytes()),
        headers=headers,
    )
    assert full.status_code == 200, full.text
    body = full.json()
    assert (body["accepted"], body["size"], body["file"]["name"]) == (25, 25, "national-sample.txt")
    assert "rejects_file" not in body
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("changes.txt", (EXAMPLES / "national-changes.txt").read_text())
    changes = client.post(
        "/v1/dnc/national/import?changes=true",
        files={"file": ("changes.zip", archive.getvalue(), "application/zip")},
        headers=headers,
    )
    assert changes.status_code == 200, changes.text
    assert (changes.json()["added"], changes.json()["removed"]) == (2, 2)
    deletes = client.post(
        "/v1/dnc/national/import?changes=true",
        files=upload("national-deletes.txt", b"8502345678\n"),
        headers=headers,
    )
    assert deletes.json()["removed"] == 1
    status = client.get("/v1/dnc/status", headers=headers).json()
    assert status["lists"][0]["source_file"] == "national-deletes.txt"


def test_import_with_rejects_stores_good_lines(
    client: TestClient, keys: dict[str, dict[str, str]], app: App
) -> None:
    """422 IMPORT_REJECTED lists line numbers and reasons, never a server path or the line."""
    response = client.post(
        "/v1/dnc/litigator/import",
        files=upload("lit.txt", b"2145550100\n4111111111111111\n9725550101\n"),
        headers=keys["compliance"],
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "IMPORT_REJECTED"
    assert error["details"]["first_rejects"] == [{"line": 2, "reason": "16 digits; expected 10"}]
    assert "rejects_file" not in error["details"]
    assert "4111111111111111" not in response.text
    assert str(app.settings.home) not in response.text
    assert app.dnc.numbers("litigator").tolist() == [2145550100, 9725550101]
    assert not any((app.settings.home / "uploads").iterdir())  # the upload is gone


@pytest.mark.parametrize(
    ("request_kwargs", "code"),
    [
        ({"files": upload("empty.txt", b"")}, "INVALID_INPUT"),
        ({"files": upload("garbage.bin", bytes(range(256)) * 64)}, "INVALID_INPUT"),
        ({"content": b"2145550100\n", "headers": {"content-type": "text/plain"}}, "INVALID_INPUT"),
        ({"files": {"other": ("a.txt", b"2145550100\n", "text/plain")}}, "INVALID_INPUT"),
    ],
    ids=["empty-file", "binary", "not-multipart", "no-file-field"],
)
def test_bad_uploads(
    client: TestClient,
    keys: dict[str, dict[str, str]],
    request_kwargs: dict[str, Any],
    code: str,
) -> None:
    """Empty, binary, raw or mislabelled uploads change nothing."""
    kwargs = dict(request_kwargs)
    headers = {**keys["compliance"], **kwargs.pop("headers", {})}
    response = client.post("/v1/dnc/national/import", headers=headers, **kwargs)
    assert response.status_code == 422
    assert error_of(response)["code"] == code
    assert client.get("/v1/dnc/status", headers=keys["compliance"]).json()["lists"] == []


def test_unknown_list_is_refused(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    """Only the documented list names."""
    response = client.post(
        "/v1/dnc/statewide/import", files=upload("a.txt", b"2145550100\n"), headers=keys["admin"]
    )
    assert response.status_code == 422
    assert "unknown list" in error_of(response)["message"]


def test_upload_over_the_limit_is_413(tmp_path: Path) -> None:
    """A body over max_body_bytes is refused with 413 and nothing is stored or left behind."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "cache").symlink_to(NUMBERING_CACHE, target_is_directory=True)
    composed = bootstrap(get_settings(home=home, env="test", max_body_bytes=64 * 1024))
    api = create_app(app=composed)
    _, key = composed.apikeys.create("compliance-key", Role.COMPLIANCE)
    headers = {"Authorization": f"Bearer {key}"}
    big = b"2145550100\n" * 20_000  # 220 KB
    with TestClient(api) as client:
        response = client.post(
            "/v1/dnc/national/import", files=upload("big.txt", big), headers=headers
        )
        assert response.status_code == 413
        assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"
        assert client.get("/v1/dnc/status", headers=headers).json()["lists"] == []
    uploads = composed.settings.home / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_the_server_maps_the_lists_into_memory_at_start(app: App) -> None:
    """At start-up the server maps every list's pages (no check waits for a page fault)."""
    from datetime import UTC, datetime

    import numpy as np
    from structlog.testing import capture_logs

    app.dnc.replace("national", np.arange(2145550100, 2145560100), datetime.now(UTC), {})
    with capture_logs() as logs, TestClient(create_app(app=app)):
        pass
    mapped = [entry for entry in logs if entry["event"] == "dnc_lists_mapped"]
    assert len(mapped) == 1
    assert mapped[0]["bytes"] >= 10_000 * 8  # the list's array, every page of it
