"""Realistic attempts and facts for the latency benchmarks.

For the pure gate, attempts are spread over a Wednesday afternoon and evening in UTC (08:00 to
19:00 Eastern), so western numbers are sometimes still outside their calling window; their
instants only move forward. For the service and the API, which may cache per campaign and
minute, attempts follow the pace of a busy dialer instead (1,000 per second from 13:00
Eastern, when Hawaii's window is just opening). Phones come from the data set's registry and
clear numbers, written in the six notations of the lead files.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks._data import NOTATIONS, digits_matrix

PURPOSES = ("telemarketing",) * 6 + ("informational", "debt_collection", "healthcare")
#: Seconds between the attempts of a busy dialer (1,000 attempts per second).
DIALER_PACE_S = 0.001
METHODS = ("manual", "autodialer", "predictive", "prerecorded")


def dialing_day(now: datetime | None = None) -> datetime:
    """The next Wednesday at 00:00 UTC: after the lists were imported, and within 31 days."""
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


def format_phones(numbers: npt.NDArray[np.int64], seed: int = 7) -> list[str]:
    """Each number in one of the six lead-file notations."""
    rng = np.random.default_rng(seed)
    notation = rng.integers(0, len(NOTATIONS), size=numbers.size)
    digits = digits_matrix(numbers)
    out = []
    for i in range(numbers.size):  # a few thousand at most: the latency samples
        template, positions = NOTATIONS[int(notation[i])]
        row = bytearray(template)
        for pos, digit in zip(positions, digits[i], strict=True):
            row[pos] = int(digit)
        out.append(row.decode())
    return out


def attempt_dicts(
    numbers: npt.NDArray[np.int64],
    count: int,
    day: datetime,
    seed: int = 11,
    pace_s: float | None = None,
) -> list[dict[str, Any]]:
    """``count`` attempts as the JSON of ``callwarden check`` (cycling over ``numbers``).

    Without ``pace_s`` the instants spread over the afternoon and evening (every calling-hours
    outcome occurs); with it they start at 18:00 UTC and advance ``pace_s`` seconds per
    attempt, as the stream of a busy dialer does.
    """
    rng = np.random.default_rng(seed)
    phones = format_phones(numbers, seed)
    if pace_s is None:
        seconds = np.sort(rng.integers(13 * 3600, 24 * 3600, size=count)).astype(float)
    else:
        seconds = 18 * 3600 + np.arange(count) * pace_s
    purpose = rng.integers(0, len(PURPOSES), size=count)
    method = rng.integers(0, len(METHODS), size=count)
    return [
        {
            "id": f"a{i}",
            "phone": phones[i % len(phones)],
            "at": (day + timedelta(seconds=float(seconds[i]))).isoformat(),
            "channel": "sms" if i % 10 == 0 else "voice",
            "purpose": PURPOSES[int(purpose[i])],
            "method": METHODS[int(method[i])],
            "campaign": f"c{i % 5}",
            "seller": f"seller{i % 3}",
        }
        for i in range(count)
    ]


def sample_numbers(
    registry: npt.NDArray[np.int64], clear: npt.NDArray[np.int64], count: int, seed: int = 5
) -> npt.NDArray[np.int64]:
    """``count`` numbers: 30 % from the registry, the rest clear, shuffled."""
    rng = np.random.default_rng(seed)
    on = rng.random(count) < 0.3
    out = np.where(
        on,
        registry[rng.integers(0, registry.size, size=count)],
        clear[rng.integers(0, clear.size, size=count)],
    )
    return np.asarray(out, dtype=np.int64)
