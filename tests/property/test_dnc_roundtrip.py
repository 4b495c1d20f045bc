"""Import then export of a DNC list gives back the same numbers, in whatever form they came."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from callwarden.core.ports import DncImportEntry, ListExemption
from callwarden.core.rules.ruleset import RuleSet
from callwarden.services.dnc import DncService
from callwarden.storage.dnc_files import DncFileReader
from callwarden.storage.dnc_store import DncStore
from callwarden.testing import FixedClock

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@dataclass
class MemoryImportLog:
    entries: list[DncImportEntry] = field(default_factory=list)

    def record(self, entry: DncImportEntry) -> None:
        self.entries.append(entry)

    def recent(self, list_name: str | None = None, limit: int = 50) -> tuple[DncImportEntry, ...]:
        found = [e for e in reversed(self.entries) if list_name in (None, e.list_name)]
        return tuple(found[:limit])


@dataclass
class MemoryExemptions:
    rows: dict[tuple[str, str], ListExemption] = field(default_factory=dict)

    def set(self, exemption: ListExemption) -> None:
        self.rows[(exemption.seller, exemption.list_name)] = exemption

    def all(self) -> tuple[ListExemption, ...]:
        return tuple(self.rows[k] for k in sorted(self.rows))


NUMBERS = st.builds(
    lambda npa, nxx, line: npa * 10_000_000 + nxx * 10_000 + line,
    st.integers(200, 999),
    st.integers(200, 999),
    st.integers(0, 9999),
)
FORMS = st.sampled_from(["plain", "comma", "crlf", "spaces"])


def render(number: int, form: str) -> str:
    text = f"{number:010d}"
    if form == "comma":
        return f"{text[:3]},{text[3:]}\n"
    if form == "crlf":
        return text + "\r\n"
    if form == "spaces":
        return f"  {text}  \n"
    return text + "\n"


@settings(max_examples=40, deadline=None)
@given(
    entries=st.lists(st.tuples(NUMBERS, FORMS), min_size=1, max_size=300),
    bitmap=st.booleans(),
    zipped=st.booleans(),
)
def test_import_then_export_round_trips(
    entries: list[tuple[int, str]], bitmap: bool, zipped: bool
) -> None:
    """The exported file holds each distinct imported number once, ascending, 10 digits."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        text = "".join(render(number, form) for number, form in entries)
        source = root / "list.txt"
        source.write_text(text)
        if zipped:
            archive = root / "list.zip"
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
                z.write(source, "list.txt")
            source = archive
        store = DncStore(root / "dnc", bitmap_threshold=0 if bitmap else 10**6, recheck_s=0)
        service = DncService(
            lists=store,
            files=DncFileReader(block=997),
            imports=MemoryImportLog(),
            exemptions=MemoryExemptions(),
            rules=RuleSet(version="test", content_hash="0" * 64),
            clock=FixedClock(NOW),
        )
        result = service.import_list("internal:acme", source)
        out = root / "export.txt"
        count = service.export("internal:acme", out)
        expected = sorted({number for number, _ in entries})
        assert count == result.size == len(expected)
        assert out.read_text() == "".join(f"{n:010d}\n" for n in expected)
        assert store.lists()["internal:acme"].backend == ("bitmap" if bitmap else "sorted")
