"""The North American numbering plan as lookup tables over area code + exchange (NPA-NXX).

Built from the data that ships with ``phonenumbers`` (validity patterns per NANP region, the
geocoder's area code and exchange descriptions, the time-zone prefixes), so that both a single
check and a vectorized scrub answer "is this a valid number, in which state, in which time zones"
with array indexing instead of parsing each number.

Validity follows ``phonenumbers.is_valid_number``: an NPA-NXX is valid when one line number
pattern of a NANP region matches. The few prefixes whose validity depends on the line number
are marked for a per-number check with ``phonenumbers`` itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import phonenumbers

from callwarden.errors import InvalidPhoneNumber

INVALID, VALID, CHECK_LINE = 0, 1, 2
#: Line numbers probed per NPA-NXX; a prefix whose probes disagree is checked number by number.
PROBE_LINES = (*(f"{d}000" for d in range(10)), "0999", "5999", "9999", "5555")
_TYPE_DESCS = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
    "personal_number", "voip", "pager", "uan", "voicemail",
)  # fmt: skip

STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Washington D.C.": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington State": "WA", "Washington": "WA", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY",
}  # fmt: skip
_LOWEST, _HIGHEST = 2_000_000_000, 9_999_999_999
US_STATES = frozenset(STATE_NAMES.values())
_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class NumberingPlan:
    """Per NPA-NXX (index ``npa * 1000 + nxx``): validity, state and time-zone set."""

    validity: npt.NDArray[np.uint8]  # INVALID / VALID / CHECK_LINE
    state_index: npt.NDArray[np.uint8]  # index into ``states``; 0 = no US state
    zone_index: npt.NDArray[np.uint16]  # index into ``zone_sets``; 0 = unknown
    states: tuple[str | None, ...]
    zone_sets: tuple[tuple[str, ...], ...]
    source_version: str
    #: The union of the NANP regions' number patterns (``line_pattern``), compiled on first use.
    line_pattern: str

    @property
    def line_regex(self) -> re.Pattern[str]:
        """``line_pattern`` compiled (once per process; the scrub only needs its text)."""
        return _compiled(self.line_pattern)

    def lookup(self, national: int) -> tuple[str | None, tuple[str, ...]]:
        """State and time zones of a valid 10-digit national number."""
        key = national // 10_000
        return self.states[self.state_index[key]], self.zone_sets[self.zone_index[key]]

    def is_valid(self, national: int) -> bool:
        """Whether a 10-digit national number is a valid, dialable NANP number."""
        if not _LOWEST <= national <= _HIGHEST:
            return False
        flag = self.validity[national // 10_000]
        if flag == CHECK_LINE:
            return self.line_regex.fullmatch(str(national)) is not None
        return bool(flag == VALID)


def normalize(raw: str) -> int:
    """Return the 10-digit national number of a NANP phone string in any common notation.

    Accepts ``(214) 555-0100``, ``+1 214.555.0100``, ``1-214-555-0100``, ``2145550100``.
    Raises InvalidPhoneNumber for anything else (no digits, too few or too many, a country
    code other than 1). Validity of the area code and exchange is checked separately.
    """
    if not isinstance(raw, str) or len(raw) > 40:  # noqa: PLR2004 - bound untrusted input
        raise InvalidPhoneNumber("phone must be a string of at most 40 characters")
    text = raw.strip()
    if text.startswith("+") and not text.startswith("+1"):
        raise InvalidPhoneNumber("only NANP (+1) numbers are supported")
    digits = _DIGITS.sub("", text)
    if len(digits) == 11 and digits[0] == "1":  # noqa: PLR2004
        digits = digits[1:]
    if len(digits) != 10:  # noqa: PLR2004
        raise InvalidPhoneNumber(f"expected 10 digits, got {len(digits)}")
    return int(digits)


def e164(national: int) -> str:
    """Format a 10-digit national number as E.164."""
    return f"+1{national:010d}"


def line_pattern() -> str:
    """One regular expression matching every valid 10-digit NANP national number.

    It is the union of the number-type patterns of every NANP region in ``phonenumbers``;
    a full match is equivalent to ``phonenumbers.is_valid_number``.
    """
    return "(?:" + "|".join(_region_patterns()) + ")"


@dataclass(frozen=True, slots=True)
class LocationTables:
    """State and time-zone indexes per NPA-NXX, with the values they index."""

    states: tuple[str | None, ...]
    state_index: npt.NDArray[np.uint8]
    zone_sets: tuple[tuple[str, ...], ...]
    zone_index: npt.NDArray[np.uint16]


def location_tables() -> LocationTables:
    """Build the state and zone tables from the geocoder and time-zone data (about 0.6 s)."""
    states, state_index = _state_table()
    zone_sets, zone_index = _zone_table()
    return LocationTables(
        states=states, state_index=state_index, zone_sets=zone_sets, zone_index=zone_index
    )


def build_plan(
    validity: npt.NDArray[np.uint8], tables: LocationTables | None = None
) -> NumberingPlan:
    """Assemble the plan from a validity table (built by a vectorized regex at the edge).

    ``tables`` may come from a cache; when absent they are built from ``phonenumbers``.
    """
    if validity.shape != (1_000_000,):
        msg = "validity table must have one entry per NPA-NXX"
        raise ValueError(msg)
    validity = validity.copy()
    keys = np.arange(1_000_000)
    npa, nxx = keys // 1000, keys % 1000
    # N11 codes (211, 311, ... 911) are service codes, never area codes or exchanges.
    validity[(npa % 100 == 11) | (nxx % 100 == 11)] = INVALID  # noqa: PLR2004
    tables = tables or location_tables()
    return NumberingPlan(
        validity=validity,
        state_index=tables.state_index,
        zone_index=tables.zone_index,
        states=tables.states,
        zone_sets=tables.zone_sets,
        source_version=phonenumbers.__version__,
        line_pattern=line_pattern(),
    )


def _region_patterns() -> list[str]:
    patterns = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None:
            continue
        for name in _TYPE_DESCS:
            desc = getattr(meta, name, None)
            if desc is not None and desc.national_number_pattern:
                patterns.append(desc.national_number_pattern)
    return patterns


@functools.lru_cache(maxsize=4)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _longest_prefix_fill(
    data: Mapping[str, Any], value_of: Callable[[Any], int | None], out: npt.NDArray[Any]
) -> None:
    """Fill ``out`` (indexed by NPA-NXX) from "1"+digit prefixes, shorter prefixes first."""
    prefixes = sorted((k for k in data if k.startswith("1") and 4 <= len(k) <= 7), key=len)  # noqa: PLR2004
    for prefix in prefixes:
        value = value_of(data[prefix])
        if value is None:
            continue
        digits = prefix[1:]
        lo = int(digits.ljust(6, "0"))
        hi = int(digits.ljust(6, "9")) + 1
        out[lo:hi] = value


def _state_table() -> tuple[tuple[str | None, ...], npt.NDArray[np.uint8]]:
    states: tuple[str | None, ...] = (None, *sorted(US_STATES))
    position = {s: i for i, s in enumerate(states)}

    def state_of(entry: Any) -> int | None:
        text = entry.get("en", "") if isinstance(entry, dict) else ""
        if not text:
            return None
        code = STATE_NAMES.get(text)
        if code is None and ", " in text:
            code = text.rsplit(", ", 1)[1]
        return position.get(code) if code in US_STATES else 0

    from phonenumbers import geodata  # noqa: PLC0415 - 0.4 s to import; only when building

    table = np.zeros(1_000_000, dtype=np.uint8)
    _longest_prefix_fill(geodata.GEOCODE_DATA, state_of, table)
    return states, table


def _zone_table() -> tuple[tuple[tuple[str, ...], ...], npt.NDArray[np.uint16]]:
    sets: dict[tuple[str, ...], int] = {(): 0}

    def zones_of(entry: Any) -> int | None:
        zones = tuple(sorted(z for z in entry if z != "Etc/Unknown"))
        if not zones or len(zones) > 8:  # noqa: PLR2004 - the "+1" catch-all says nothing
            return None
        return sets.setdefault(zones, len(sets))

    from phonenumbers import tzdata  # noqa: PLC0415 - only when building

    table = np.zeros(1_000_000, dtype=np.uint16)
    _longest_prefix_fill(tzdata.TIMEZONE_DATA, zones_of, table)
    ordered = tuple(sorted(sets, key=sets.__getitem__))
    return ordered, table
