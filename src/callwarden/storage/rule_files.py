"""Read the versioned rule data (TOML) into a validated ``RuleSet``.

One file per rule family under ``callwarden/ruledata/`` (package data), plus ``time_zones.toml``
and ``VERSION`` (a calendar version, ``YYYY.MM.PATCH``). The schema (``storage.rule_schema``,
examples in ``storage.rule_examples``) validates every row; a bad file is rejected with
``InvalidRuleFile`` naming the file, the rule and the field. Across rows and files the loader
enforces:

- **Unique ids.** A rule id is used once; an override never reuses a shipped id.
- **Versions do not overlap.** Ids that differ only by a version suffix (``-V2``, ``-V3``;
  the first version has none) are successive versions of one rule: same family, same
  jurisdiction, effective ranges that do not overlap.
- **One setting per list.** Families the gate reads as one setting, not as a conjunction of
  rows, allow one row in force per key: a DNC list per (jurisdiction, list name, scope), an
  EBR duration per jurisdiction, the abandonment safe harbor per (jurisdiction, scope).
  Every other family is additive: every applicable row must allow, so rows may overlap.

A compliance officer's override directory is layered on the shipped data. It may *add* rows
(stricter rules: every applicable row must allow), never replace, remove or relax shipped
ones: it cannot reuse a shipped id, add a version of a shipped rule that overlaps it, add a
second setting for a shipped list, EBR or abandonment row, or change time zones.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from callwarden.core.rules.ruleset import RuleSet
from callwarden.errors import InvalidRuleFile
from callwarden.storage.rule_examples import ExampleIn
from callwarden.storage.rule_schema import DAYS, ROW_MODELS, RuleIn, StateZonesIn

FAMILY_FILES = {
    "calling_windows": "calling_windows.toml",
    "restricted_days": "restricted_days.toml",
    "frequency_caps": "frequency_caps.toml",
    "dnc_lists": "dnc_lists.toml",
    "ebr": "ebr.toml",
    "consent": "consent_requirements.toml",
    "abandonment": "abandonment.toml",
    "emergency_bans": "emergency_bans.toml",
    "reassigned": "reassigned.toml",
}
TIME_ZONES_FILE = "time_zones.toml"
VERSION_FILE = "VERSION"
VERSION_PATTERN = re.compile(r"^\d{4}\.(0?[1-9]|1[0-2])\.\d+$")
_VERSION_SUFFIX = re.compile(r"-V(\d+)$")
_KNOWN_FILES = frozenset({*FAMILY_FILES.values(), TIME_ZONES_FILE})

__all__ = [
    "DAYS",
    "FAMILY_FILES",
    "ROW_MODELS",
    "TIME_ZONES_FILE",
    "ExampleIn",
    "LoadedRow",
    "base_id",
    "default_rule_dir",
    "load_examples",
    "load_rows",
    "load_rule_set",
]


@dataclass(frozen=True, slots=True)
class LoadedRow:
    """A validated row with where it came from."""

    family: str
    path: Path
    row: RuleIn
    shipped: bool  # from the base directory, not an override


def base_id(rule_id: str) -> str:
    """The rule id without its version suffix: ``US-CT-CALLING-WINDOW-V2`` → ``…-WINDOW``."""
    return _VERSION_SUFFIX.sub("", rule_id)


def default_rule_dir() -> Path:
    """The shipped rule data directory."""
    return Path(str(resources.files("callwarden") / "ruledata"))


def load_rule_set(base: Path | None = None, overrides: Iterable[Path] = ()) -> RuleSet:
    """Load, validate and index the rule data, plus any override directories."""
    base = base or default_rule_dir()
    dirs = [base, *overrides]
    digest = hashlib.sha256()
    rows = load_rows(base, dirs[1:], digest)
    zones = {z.state: z.to_core() for z in _read_zones(base / TIME_ZONES_FILE, digest)}
    for directory in dirs[1:]:
        if (directory / TIME_ZONES_FILE).exists():
            raise InvalidRuleFile(
                "an override cannot change time zones (they are geography, not policy)",
                details={"file": str(directory / TIME_ZONES_FILE), "field": "(file)"},
            )
    version = read_version(base)
    if len(dirs) > 1:
        version += "+overrides"
    families: dict[str, list[Any]] = {family: [] for family in FAMILY_FILES}
    for loaded in rows:
        families[loaded.family].append(_to_core(loaded))
    return RuleSet(
        version=version,
        content_hash=digest.hexdigest(),
        time_zones=tuple(zones[s] for s in sorted(zones)),
        **{family: tuple(found) for family, found in families.items()},
    )


def load_rows(base: Path, overrides: Iterable[Path] = (), digest: Any = None) -> list[LoadedRow]:
    """Every validated row of the base and override directories, cross-checked."""
    digest = digest if digest is not None else hashlib.sha256()
    rows: list[LoadedRow] = []
    for position, directory in enumerate([base, *overrides]):
        _check_directory(directory, shipped=position == 0)
        for family, filename in FAMILY_FILES.items():
            path = directory / filename
            if path.exists():
                rows.extend(
                    LoadedRow(family, path, row, position == 0)
                    for row in _read_rows(path, ROW_MODELS[family], digest)
                )
    _check_ids(rows)
    _check_versions(rows)
    _check_single_settings(rows)
    return rows


def load_examples(base: Path | None = None) -> list[tuple[str, ExampleIn]]:
    """Every (rule id, example) pair in the rule data, for the examples test and docs."""
    rows = load_rows(base or default_rule_dir())
    return [(loaded.row.id, example) for loaded in rows for example in loaded.row.examples]


def read_version(directory: Path) -> str:
    """The rule set's calendar version from ``VERSION``."""
    path = directory / VERSION_FILE
    if not path.is_file():
        raise InvalidRuleFile("the rule directory has no VERSION file", details={"file": str(path)})
    version = path.read_text(encoding="utf-8").strip()
    if not VERSION_PATTERN.fullmatch(version):
        raise InvalidRuleFile(
            f"VERSION {version[:40]!r} is not a calendar version YYYY.MM.PATCH",
            details={"file": str(path), "field": "version"},
        )
    return version


def _check_directory(directory: Path, *, shipped: bool) -> None:
    if not directory.is_dir():
        raise InvalidRuleFile("rule directory does not exist", details={"file": str(directory)})
    names = {p.name for p in directory.glob("*.toml")}
    unknown = sorted(names - _KNOWN_FILES)
    if unknown:
        raise InvalidRuleFile(
            f"unknown rule file {unknown[0]}; rule files are {sorted(_KNOWN_FILES)}",
            details={"file": str(directory / unknown[0]), "field": "(file)"},
        )
    if not shipped and not names:
        raise InvalidRuleFile(
            "the override directory holds no rule files", details={"file": str(directory)}
        )


def _read_toml(path: Path, digest: Any) -> dict[str, Any]:
    raw = path.read_bytes()
    digest.update(path.name.encode() + b"\0" + raw)
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRuleFile(
            f"{path.name} is not valid TOML: {exc}",
            details={"file": str(path), "rule": "(none)", "field": "(syntax)"},
        ) from exc


def _read_rows(path: Path, model: type[RuleIn], digest: Any) -> list[RuleIn]:
    data = _read_toml(path, digest)
    unknown = set(data) - {"rule"}
    if unknown:
        raise InvalidRuleFile(
            f"{path.name} has unknown top-level keys {sorted(unknown)}; rows are [[rule]] tables",
            details={"file": str(path), "field": sorted(unknown)[0]},
        )
    raw_rows = data.get("rule", [])
    if not isinstance(raw_rows, list):
        raise InvalidRuleFile(
            f"{path.name}: rule must be an array of tables ([[rule]])",
            details={"file": str(path), "field": "rule"},
        )
    return [_validate(path, model, raw, n) for n, raw in enumerate(raw_rows, start=1)]


def _validate(path: Path, model: type[RuleIn], raw: Any, position: int) -> RuleIn:
    rule_id = str(raw.get("id", f"#{position}")) if isinstance(raw, dict) else f"#{position}"
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(row)"
        raise InvalidRuleFile(
            f"{path.name}: rule {rule_id}: field {field}: {first['msg']}",
            details={"file": str(path), "rule": rule_id, "field": field},
        ) from exc


def _to_core(loaded: LoadedRow) -> Any:
    return loaded.row.to_core()  # type: ignore[attr-defined]


def _check_ids(rows: list[LoadedRow]) -> None:
    seen: dict[str, LoadedRow] = {}
    for loaded in rows:
        first = seen.setdefault(loaded.row.id, loaded)
        if first is loaded:
            continue
        why = "is used twice"
        if first.shipped and not loaded.shipped:
            why = "is a shipped rule; an override may add rules, never replace them"
        raise InvalidRuleFile(
            f"{loaded.path.name}: rule {loaded.row.id} {why} (also in {first.path})",
            details={
                "file": str(loaded.path),
                "rule": loaded.row.id,
                "field": "id",
                "other_file": str(first.path),
            },
        )


def _check_versions(rows: list[LoadedRow]) -> None:
    versions: dict[str, list[LoadedRow]] = defaultdict(list)
    for loaded in rows:
        versions[base_id(loaded.row.id)].append(loaded)
    for group in versions.values():
        head = group[0]
        for other in group[1:]:
            if (other.family, other.row.jurisdiction) != (head.family, head.row.jurisdiction):
                raise InvalidRuleFile(
                    f"{other.path.name}: rule {other.row.id} is a version of {head.row.id} "
                    "but of another family or jurisdiction",
                    details={"file": str(other.path), "rule": other.row.id, "field": "id"},
                )
        _no_overlap(group, "versions of one rule")


def _check_single_settings(rows: list[LoadedRow]) -> None:
    settings: dict[tuple[object, ...], list[LoadedRow]] = defaultdict(list)
    for loaded in rows:
        key = _setting_key(loaded)
        if key is not None:
            settings[key].append(loaded)
    for group in settings.values():
        _no_overlap(group, "settings of one list, EBR or abandonment rule")


def _setting_key(loaded: LoadedRow) -> tuple[object, ...] | None:
    row: Any = loaded.row
    if loaded.family == "ebr":
        return ("ebr", row.jurisdiction)
    if loaded.family == "dnc_lists":
        return ("dnc_lists", row.jurisdiction, row.list_name, row.scope())
    if loaded.family == "abandonment":
        return ("abandonment", row.jurisdiction, row.scope())
    return None


def _no_overlap(group: list[LoadedRow], what: str) -> None:
    ordered = sorted(group, key=lambda r: r.row.effective_from)
    for before, after in pairwise(ordered):
        end = before.row.effective_to
        if end is None or end > after.row.effective_from:
            raise InvalidRuleFile(
                f"{after.path.name}: rule {after.row.id} and rule {before.row.id} are {what} "
                f"and their effective ranges overlap ({before.row.id} runs until "
                f"{end or 'further notice'}, {after.row.id} starts {after.row.effective_from})",
                details={
                    "file": str(after.path),
                    "rule": after.row.id,
                    "field": "effective_from",
                    "other_rule": before.row.id,
                    "other_file": str(before.path),
                },
            )


def _read_zones(path: Path, digest: Any) -> list[StateZonesIn]:
    if not path.exists():
        return []
    data = _read_toml(path, digest)
    unknown = set(data) - {"state"}
    if unknown:
        raise InvalidRuleFile(
            f"{path.name} has unknown top-level keys {sorted(unknown)}; rows are [[state]] tables",
            details={"file": str(path), "field": sorted(unknown)[0]},
        )
    out: list[StateZonesIn] = []
    seen: set[str] = set()
    for raw in data.get("state", []):
        label = str(raw.get("state", "?")) if isinstance(raw, dict) else "?"
        try:
            row = StateZonesIn.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(row)"
            raise InvalidRuleFile(
                f"{path.name}: state {label}: field {field}: {first['msg']}",
                details={"file": str(path), "rule": label, "field": field},
            ) from exc
        if row.state in seen:
            raise InvalidRuleFile(
                f"{path.name}: state {row.state} is listed twice",
                details={"file": str(path), "rule": row.state, "field": "state"},
            )
        seen.add(row.state)
        out.append(row)
    return out
