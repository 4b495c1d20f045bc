"""Nothing public goes undocumented: commands, settings, error codes, reason codes, API routes.

Each test reads the code's own registry (the Typer app, the Settings model, ``ALL_ERRORS``,
``ReasonCode``, the API's OpenAPI schema), so a command, setting, error, reason or route added
later fails here until its page documents it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from callwarden.config import Settings, get_settings
from callwarden.core.decision import ReasonCode
from callwarden.errors import ALL_ERRORS, CallwardenError
from callwarden.interfaces.api.app import create_app
from callwarden.interfaces.api.errors import API_ONLY_CODES
from callwarden.interfaces.cli import docs_gen
from callwarden.interfaces.cli.main import app as cli_app

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under a markdown heading (any level) up to the next heading of that level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.MULTILINE)
    assert match, f"no section {heading!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def _command_paths() -> list[str]:
    paths = []
    pending = [(("callwarden",), get_command(cli_app))]
    while pending:
        path, command = pending.pop()
        paths.append(" ".join(path))
        for name, sub in getattr(command, "commands", {}).items():
            if not getattr(sub, "hidden", False):
                pending.append(((*path, name), sub))
    return sorted(paths)


def test_every_command_has_a_section_in_the_cli_reference() -> None:
    """Each command and sub-command of the Typer app is a heading of docs/cli.md."""
    cli = _page("cli.md")
    paths = _command_paths()
    assert {"callwarden check", "callwarden apikey create", "callwarden serve"} <= set(paths)
    missing = [p for p in paths if f"## `{p}`" not in cli]
    assert missing == [], "run `make docs` to regenerate docs/cli.md"


def test_the_cli_reference_is_fresh() -> None:
    """docs/cli.md is exactly what the generator writes now (`make docs`)."""
    assert _page("cli.md") == docs_gen.render(), "run `make docs` to regenerate docs/cli.md"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    """Each Settings field appears in docs/settings.md as its environment variable."""
    assert f"`CALLWARDEN_{field.upper()}`" in _page("settings.md")


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda e: e.code)
def test_every_error_code_is_documented_with_status_exit_code_and_example(
    error: type[CallwardenError],
) -> None:
    """Each error class has a section with its HTTP status, exit code and an example."""
    section = _section(_page("errors.md"), error.code)
    assert f"HTTP status {error.http_status}" in section
    assert f"exit code {error.exit_code}" in section
    assert "```" in section, "an example is missing"
    table_row = f"| `{error.code}` | {error.http_status} | {error.exit_code} |"
    assert table_row in _page("errors.md")


@pytest.mark.parametrize(("code", "status"), sorted(API_ONLY_CODES.items()))
def test_every_api_only_code_is_documented(code: str, status: int) -> None:
    """Codes that only the API returns have a section too."""
    section = _section(_page("errors.md"), code)
    assert str(status)[0] in section
    assert section.strip()


@pytest.mark.parametrize("code", list(ReasonCode), ids=str)
def test_every_reason_code_is_documented(code: ReasonCode) -> None:
    """Each reason code has its meaning, the rules behind it, citations and the dialer's move."""
    section = _section(_page("reasons.md"), code.value)
    for label in (
        "**Means:**",
        "**Produced by:**",
        "**Citation:**",
        "**What the dialer should do:**",
    ):
        assert label in section, f"{code}: {label} missing"
    citation = section.split("**Citation:**", 1)[1].split("\n- **", 1)[0]
    assert re.search(r"\d", citation), f"{code}: the citation names no section"
    assert f"| `{code.value}` |" in _page("reasons.md")


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    """Each method and path the API serves has a row in docs/api.md's route table."""
    api = create_app(get_settings(home=tmp_path / "home", env="test"))
    try:
        paths = api.openapi()["paths"]
    finally:
        api.state.cw.engine.dispose()
    assert "/v1/check" in paths
    page = _page("api.md")
    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if not re.search(rf"\| `{method.upper()}` \| `{re.escape(path)}` \|", page)
    ]
    assert missing == []
