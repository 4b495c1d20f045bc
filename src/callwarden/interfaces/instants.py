"""Instants at the boundary: ISO 8601 text with a UTC offset, converted to UTC.

Kept apart from the ledger models so that a command that takes only an instant (``scrub
--at``) does not build every import model first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, TypeAdapter, ValidationError

from callwarden.errors import InvalidInput


def instant_text(value: object) -> object:
    """Instants must be ISO 8601 text: numbers (epoch seconds) are refused as ambiguous."""
    if not isinstance(value, str | datetime):
        msg = "must be an ISO 8601 date-time text with a UTC offset"
        raise ValueError(msg)
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(instant_text)]

_INSTANT = TypeAdapter(Instant)


def parse_instant(text: str, option: str) -> datetime:
    """An ISO 8601 instant with offset from a command-line option, in UTC.

    Raises:
        InvalidInput: the text is not such an instant (naive times included).
    """
    try:
        return utc(_INSTANT.validate_python(text))
    except ValidationError as exc:
        raise InvalidInput(
            f"{option} must be an ISO 8601 date-time with a UTC offset, "
            "such as 2026-03-03T14:30:00-05:00",
            details={"option": option},
        ) from exc


def utc(instant: datetime) -> datetime:
    """The same instant in UTC."""
    return instant.astimezone(UTC)


__all__ = ["Instant", "instant_text", "parse_instant", "utc"]
