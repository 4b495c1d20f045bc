"""The cached rule set is the rule set the files give, and only ever for those files and code."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.storage.test_rule_files import rule_dir, window

from callwarden.errors import InvalidRuleFile
from callwarden.storage import rule_cache
from callwarden.storage.rule_cache import cache_key, decode, encode, load_cached
from callwarden.storage.rule_files import load_rule_set


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("rules-*.json"))


def test_a_cached_rule_set_equals_the_validated_one(tmp_path: Path) -> None:
    """Every row, the version and the content hash (so the label decisions carry) survive."""
    shipped = load_rule_set()
    assert decode(encode(shipped)) == shipped
    first = load_cached(None, [], tmp_path)
    assert len(_entries(tmp_path)) == 1
    second = load_cached(None, [], tmp_path)
    assert first == second == shipped
    assert second.label == shipped.label
    assert second.rows("calling_windows", ["TX"], shipped.calling_windows[0].meta.effective_from)


def test_a_hit_does_not_read_the_rule_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_cached(None, [], tmp_path)

    def refuse(*_: object) -> None:
        raise AssertionError("the rule files were loaded again")

    monkeypatch.setattr(rule_cache, "_load", refuse)
    assert load_cached(None, [], tmp_path) == load_rule_set()


def test_a_changed_override_is_loaded_afresh(tmp_path: Path) -> None:
    """Another file content is another entry; the old entry is removed."""
    cache = tmp_path / "cache"
    extra = rule_dir(tmp_path / "ovr", {"calling_windows.toml": window("ACME-TX-QUIET")}, None)
    before = load_cached(None, [extra], cache)
    old_key = cache_key(None, [extra])
    (extra / "calling_windows.toml").write_text(
        window("ACME-TX-QUIET") + window("ACME-TX-QUIETER"), encoding="utf-8"
    )
    assert cache_key(None, [extra]) != old_key
    after = load_cached(None, [extra], cache)
    assert len(after.calling_windows) == len(before.calling_windows) + 1
    assert after == load_rule_set(overrides=[extra])
    assert [p.name for p in _entries(cache)] == [f"rules-{cache_key(None, [extra])}.json"]


def test_a_bad_override_is_refused_and_nothing_is_cached(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    extra = rule_dir(tmp_path / "ovr", {"calling_windows.toml": window()}, None)  # shipped id
    with pytest.raises(InvalidRuleFile, match="shipped rule"):
        load_cached(None, [extra], cache)
    assert _entries(cache) == []


@pytest.mark.parametrize(
    "damage",
    [b"", b"{", b"[]", b'{"version": 1}', b"\xff\xfe", b'{"version": "x", "content_hash": 3}'],
)
def test_a_damaged_entry_is_a_miss_and_is_written_anew(tmp_path: Path, damage: bytes) -> None:
    load_cached(None, [], tmp_path)
    (entry,) = _entries(tmp_path)
    entry.write_bytes(damage)
    assert load_cached(None, [], tmp_path) == load_rule_set()
    assert entry.read_bytes() != damage


def test_a_cache_that_cannot_be_written_costs_only_the_full_load(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory would be", encoding="utf-8")
    assert load_cached(None, [], blocked / "cache") == load_rule_set()
    assert load_cached(None, [], None) == load_rule_set()
