"""Settings come from ``CALLWARDEN_*`` variables, are validated, and name what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.config import environment, get_settings
from callwarden.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.upper().startswith("CALLWARDEN_"):
            monkeypatch.delenv(key)


def test_variables_are_read_and_typed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALLWARDEN_HOME", str(tmp_path))
    monkeypatch.setenv("CALLWARDEN_PORT", "8123")
    monkeypatch.setenv("callwarden_litigator_blocks", "false")  # any case, as before
    monkeypatch.setenv("CALLWARDEN_RULES_OVERRIDES", '["/etc/callwarden/rules"]')
    monkeypatch.setenv("CALLWARDEN_NOT_A_SETTING", "ignored")
    settings = get_settings()
    assert settings.home == tmp_path
    assert settings.port == 8123
    assert settings.litigator_blocks is False
    assert settings.rules_overrides == [Path("/etc/callwarden/rules")]
    assert settings.db_url == f"sqlite:///{(tmp_path / 'callwarden.db').resolve()}"


def test_defaults_without_variables() -> None:
    settings = get_settings()
    assert (settings.home, settings.port, settings.workers) == (Path(".callwarden"), 8000, 1)
    assert settings.rules_overrides == []
    assert environment({}) == {}


def test_arguments_win_over_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWARDEN_MAX_BATCH", "5")
    assert get_settings(max_batch=7).max_batch == 7


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CALLWARDEN_PORT", "eighty", "CALLWARDEN_PORT"),
        ("CALLWARDEN_PORT", "70000", "CALLWARDEN_PORT"),
        ("CALLWARDEN_LOG_LEVEL", "loud", "CALLWARDEN_LOG_LEVEL"),
        ("CALLWARDEN_DATABASE_URL", "mysql://x", "sqlite:// or postgresql://"),
        ("CALLWARDEN_RULES_OVERRIDES", "/etc/callwarden/rules", "not JSON"),
        ("CALLWARDEN_RULES_OVERRIDES", '{"a": 1}', "CALLWARDEN_RULES_OVERRIDES"),
    ],
)
def test_a_bad_value_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        get_settings()
    assert says in caught.value.message
    assert caught.value.details["setting"] == name
