"""The default checks of the gate, in the order their reasons are reported."""

from __future__ import annotations

from callwarden.core.gate.abandonment import AbandonmentCheck
from callwarden.core.gate.calling_hours import CallingHoursCheck
from callwarden.core.gate.check import Check
from callwarden.core.gate.consent import ConsentCheck
from callwarden.core.gate.dnc import DncCheck
from callwarden.core.gate.emergency import EmergencyCheck
from callwarden.core.gate.frequency import FrequencyCheck
from callwarden.core.gate.reassigned import ReassignedCheck
from callwarden.core.gate.restricted_days import RestrictedDaysCheck


def default_checks() -> list[Check]:
    """A fresh list of every built-in check."""
    return [
        DncCheck(),
        ConsentCheck(),
        ReassignedCheck(),
        EmergencyCheck(),
        CallingHoursCheck(),
        RestrictedDaysCheck(),
        FrequencyCheck(),
        AbandonmentCheck(),
    ]
