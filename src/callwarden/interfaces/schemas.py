"""Boundary models shared by the CLI and the API: untrusted JSON in, core values out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from callwarden.core.types import Address, Attempt, Channel, LineType, Method, Purpose

_ZERO = timedelta(0)


class AddressIn(BaseModel):
    """An address as far as it is known."""

    model_config = ConfigDict(extra="forbid")

    state: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    zip: str | None = Field(default=None, pattern=r"^\d{5}(-\d{4})?$")


class AttemptIn(BaseModel):
    """One attempt, as in ``callwarden check`` input (design.md)."""

    model_config = ConfigDict(extra="forbid", str_max_length=200)

    id: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=40)
    at: AwareDatetime
    channel: Channel = Channel.VOICE
    purpose: Purpose = Purpose.TELEMARKETING
    method: Method = Method.MANUAL
    campaign: str = ""
    seller: str = ""
    address: AddressIn | None = None
    line_type: LineType = LineType.UNKNOWN

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_text(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    def to_core(self) -> Attempt:
        """The core Attempt."""
        address = None
        if self.address is not None:
            address = Address(
                state=self.address.state.upper() if self.address.state else None,
                zip=self.address.zip,
            )
        at = self.at
        if at.tzinfo is not UTC and at.utcoffset() == _ZERO:
            at = at.replace(tzinfo=UTC)  # the same instant, with the zone the core recognizes
        return Attempt(
            id=self.id,
            phone=self.phone,
            at=at,
            channel=self.channel,
            purpose=self.purpose,
            method=self.method,
            campaign=self.campaign,
            seller=self.seller,
            address=address,
            line_type=self.line_type,
        )


def first_error(exc: Exception) -> str:
    """A short, input-free description of the first validation error."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "(line)"
        return f"{loc}: {first.get('msg', 'invalid')}"
    return str(exc)


__all__ = ["AddressIn", "AttemptIn", "datetime", "first_error"]
