"""callwarden: compliance and data protection for contact centers.

The public Python API is what ``__all__`` lists; every other module is internal.
"""

from callwarden.core.decision import Decision, Reason, ReasonCode
from callwarden.core.types import Address, Attempt, Channel, LineType, Method, Purpose
from callwarden.errors import CallwardenError

__all__ = [
    "Address",
    "Attempt",
    "CallwardenError",
    "Channel",
    "Decision",
    "LineType",
    "Method",
    "Purpose",
    "Reason",
    "ReasonCode",
]
