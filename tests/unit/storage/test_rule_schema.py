"""Rule-file rows become the core's rules."""

from __future__ import annotations

from datetime import time

from callwarden.core.types import LineType, Purpose
from callwarden.storage.rule_schema import CallingWindowIn, RestrictedDayIn


class TestRowsToCore:
    def test_calling_window(self) -> None:
        """Days become weekday numbers; the default scope excludes the emergency purpose."""
        row = CallingWindowIn.model_validate(
            {
                "id": "US-TX-CALLING-WINDOW",
                "jurisdiction": "US-TX",
                "effective_from": "2000-01-01",
                "citation": "Tex. Bus. & Com. Code 301.051",
                "windows": [{"days": ["sat", "sun"], "start": "12:00", "end": "21:00"}],
            }
        )
        rule = row.to_core()
        assert rule.windows[0].days == frozenset({5, 6})
        assert rule.windows[0].start == time(12)
        assert Purpose.EMERGENCY not in rule.scope.purposes
        assert rule.scope.line_types == frozenset({LineType.WIRELESS, LineType.LANDLINE})
        assert not rule.standard_time

    def test_calling_window_in_standard_time(self) -> None:
        """``standard_time`` says the hours are the zone's standard time."""
        row = CallingWindowIn.model_validate(
            {
                "id": "US-MS-CALLING-WINDOW",
                "jurisdiction": "US-MS",
                "effective_from": "2000-01-01",
                "citation": "Miss. Code 77-3-723",
                "windows": [{"days": ["mon"], "start": "08:00", "end": "20:00"}],
                "standard_time": True,
            }
        )
        assert row.to_core().standard_time

    def test_restricted_day(self) -> None:
        """A holiday row keeps its calendar, names and consent lifting."""
        row = RestrictedDayIn.model_validate(
            {
                "id": "US-UT-HOLIDAY-BAN",
                "jurisdiction": "US-UT",
                "effective_from": "2000-01-01",
                "citation": "Utah Code 13-25a-103(3)",
                "holiday_calendar": "US-UT",
                "holiday_names": ["Pioneer Day"],
                "unless_consent": True,
            }
        )
        rule = row.to_core()
        assert (rule.holiday_calendar, rule.holiday_names) == ("US-UT", ("Pioneer Day",))
        assert rule.unless_consent
        assert rule.weekdays == frozenset()
