"""The validated rule set, kept as JSON under the home's cache so a process need not validate it.

Loading the rule data validates every row with the schema's pydantic models: importing the
schema (building those models, and the holiday calendars it checks names against) and
validating every row took 0.6-0.8 s of every process start (``callwarden check``, ``scrub``,
``serve``); reading this cache takes about a tenth of that. The
rule set a full load gives is written here once, as plain JSON of the core rule types, under a
name that is the SHA-256 of everything the load depends on: the bytes (and names) of every
rule file of the shipped and override directories, and the source of the schema and model
modules. Any change to a file or to that code gives another name, so an entry is never read
for other data. The JSON holds data only (no code is run to read it); an entry that cannot be
read back as a rule set is ignored and written anew by a full load, and a cache directory that
cannot be written only costs the full load. ``App.rules`` reads through the home's
``cache`` directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
import types
import typing
from collections.abc import Iterable
from datetime import date, time
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from callwarden.core.rules import model
from callwarden.core.rules.ruleset import RuleSet

#: Bumped when the encoding below changes.
FORMAT = 1
_PREFIX = "rules-"


def load_cached(base: Path | None, overrides: Iterable[Path], cache_dir: Path | None) -> RuleSet:
    """The rule set of ``base`` plus ``overrides``, from the cache when it holds it.

    Without a cache directory, or on any miss, the rule files are loaded and validated as
    ever (``rule_files.load_rule_set``, whose errors name file, rule and field) and the
    result is stored for the next process.
    """
    overrides = list(overrides)
    path = _entry(base, overrides, cache_dir)
    if path is not None:
        try:
            if path.is_file():
                return decode(json.loads(path.read_bytes()))
        except Exception:  # noqa: BLE001, S110 - an unreadable entry is only a miss
            pass
    rules = _load(base, overrides)
    if path is not None:
        with contextlib.suppress(OSError):
            _write(path, encode(rules))
    return rules


def _entry(base: Path | None, overrides: list[Path], cache_dir: Path | None) -> Path | None:
    """The cache entry of these rule files; None without a cache or when a file is unreadable."""
    if cache_dir is None:
        return None
    try:
        return cache_dir / f"{_PREFIX}{cache_key(base, overrides)}.json"
    except OSError:  # a file unreadable here: the full load will say which
        return None


def _load(base: Path | None, overrides: list[Path]) -> RuleSet:
    from callwarden.storage.rule_files import load_rule_set  # noqa: PLC0415 - only on a miss

    return load_rule_set(base, overrides)


def cache_key(base: Path | None, overrides: Iterable[Path]) -> str:
    """SHA-256 over the rule files (names and bytes), the schema's and model's code."""
    digest = hashlib.sha256(f"callwarden rule cache {FORMAT}\0".encode())
    package = Path(str(resources.files("callwarden")))
    for code in ("storage/rule_schema.py", "storage/rule_files.py", "core/rules/model.py"):
        digest.update(code.encode() + b"\0" + (package / code).read_bytes())
    directories = [base or package / "ruledata", *overrides]
    for position, directory in enumerate(directories):
        digest.update(f"\0dir {position}\0".encode())
        if not directory.is_dir():
            digest.update(b"missing")  # the full load will say what is wrong
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and (path.suffix == ".toml" or path.name == "VERSION"):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _write(path: Path, data: object) -> None:
    """Write ``data`` as JSON beside ``path`` and rename it into place (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    for old in path.parent.glob(f"{_PREFIX}*.json"):  # entries for older data or code
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


def encode(value: Any) -> Any:
    """A rule set (or any part of it) as JSON values: fields by name, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted((encode(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if value is None or isinstance(value, str | int | float):
        return value
    msg = f"cannot store {type(value).__name__} in the rule cache"
    raise TypeError(msg)


def decode(data: Any) -> RuleSet:
    """The rule set ``encode`` wrote."""
    found = _decode(RuleSet, data)
    assert isinstance(found, RuleSet)  # noqa: S101 - _decode builds the type it is given
    return found


def _decode(kind: Any, data: Any) -> Any:  # noqa: PLR0911 - one return per kind of type
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return _decode(inner, data)
    if origin is frozenset:
        (inner,) = typing.get_args(kind)
        return frozenset(_decode(inner, v) for v in data)
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return tuple(_decode(inner, v) for v in data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        fields = [f for f in dataclasses.fields(kind) if f.init]
        if set(data) != {f.name for f in fields}:
            msg = f"the cached {kind.__name__} has other fields"
            raise KeyError(msg)
        return kind(**{f.name: _decode(hints[f.name], data[f.name]) for f in fields})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if kind is date:
        return date.fromisoformat(data)
    if kind is time:
        return time.fromisoformat(data)
    if kind in (str, int, float, bool) and isinstance(data, kind):
        return data
    if kind is float and isinstance(data, int):
        return float(data)
    msg = f"cached value {data!r} is not a {kind}"
    raise TypeError(msg)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(kind: type) -> dict[str, Any]:
    """The field types of a rule type (names resolved in its module and the rule model's)."""
    found = _HINTS.get(kind)
    if found is None:
        names = vars(model) | vars(sys.modules[kind.__module__])
        found = _HINTS[kind] = typing.get_type_hints(kind, globalns=names)
    return found


__all__ = ["FORMAT", "cache_key", "decode", "encode", "load_cached"]
