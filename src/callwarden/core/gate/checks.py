"""The default checks of the gate, in the order their reasons are reported."""

from __future__ import annotations

from callwarden.core.gate.calling_hours import CallingHoursCheck
from callwarden.core.gate.check import Check


def default_checks() -> list[Check]:
    """A fresh list of every built-in check."""
    return [CallingHoursCheck()]
