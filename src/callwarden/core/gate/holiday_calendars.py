"""Which days are a rule row's holidays: a ``holidays`` package calendar and fixed dates.

Shared by the rows that name holidays: whole-day bans (``restricted_days``) and calling
windows with holiday hours (``calling_windows``). A row names a calendar of the ``holidays``
package (``US`` or ``US-XX``), optionally restricted to some of its holidays by name (a listed
holiday's observed day counts too), and holidays the law names that the calendar lacks, by
month and day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Protocol

import holidays

from callwarden.core.rules.model import FixedHoliday
from callwarden.errors import InvalidRuleFile

_OBSERVED = " (observed)"


class HolidayRow(Protocol):
    """A rule row that names holidays."""

    @property
    def holiday_calendar(self) -> str | None:
        """``US`` or ``US-XX``: the ``holidays`` package calendar, or None."""
        ...

    @property
    def holiday_names(self) -> tuple[str, ...]:
        """The calendar's holidays the row names; empty: all of them."""
        ...

    @property
    def fixed_holidays(self) -> tuple[FixedHoliday, ...]:
        """Holidays on the same date every year, which the calendar lacks."""
        ...


def holiday(row: HolidayRow, day: date) -> str | None:
    """The name of the row's holiday on ``day``, or None when ``day`` is not one of them.

    A fixed-date holiday of the row counts on its date (the law names the date; no observed
    day); the calendar's holidays count as the calendar has them, observed days included.
    """
    for fixed in row.fixed_holidays:
        if fixed.month == day.month and fixed.day == day.day:
            return fixed.name
    if row.holiday_calendar is None:
        return None
    names = calendar(row.holiday_calendar, day.year).get(day)
    if names is None:
        return None
    wanted = set(row.holiday_names)
    for name in names.split("; "):
        if not wanted or name.removesuffix(_OBSERVED) in wanted:
            return name
    return None


@lru_cache(maxsize=512)
def calendar(name: str, year: int) -> Mapping[date, str]:
    """The holidays of a ``US`` or ``US-XX`` calendar in one year (cached, read-only)."""
    country, _, subdiv = name.partition("-")
    try:
        found = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except NotImplementedError as exc:
        raise InvalidRuleFile(
            f"holiday calendar {name!r} is not known to the holidays package",
            details={"field": "holiday_calendar", "calendar": name},
        ) from exc
    return MappingProxyType(dict(found))
