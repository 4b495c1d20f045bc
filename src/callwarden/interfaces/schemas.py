"""Boundary models shared by the CLI and the API: untrusted JSON in, core values out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, NotRequired

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)
from typing_extensions import TypedDict

from callwarden.core.types import Address, Attempt, Channel, LineType, Method, Purpose

_ZERO = timedelta(0)
#: The instants the batch reader parses itself: date, ``T``, time to the second with up to six
#: decimals, and ``Z`` or an offset in hours and minutes. Other forms ``AttemptIn`` reads.
ISO_INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"


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
        address = core_address(self.address)
        return Attempt(
            id=self.id,
            phone=self.phone,
            at=core_instant(self.at),
            channel=self.channel,
            purpose=self.purpose,
            method=self.method,
            campaign=self.campaign,
            seller=self.seller,
            address=address,
            line_type=self.line_type,
        )


def core_instant(at: datetime) -> datetime:
    """The same instant, in UTC as the core recognizes it when its offset is zero."""
    if at.tzinfo is not UTC and at.utcoffset() == _ZERO:
        return at.replace(tzinfo=UTC)
    return at


def core_address(address: AddressIn | None) -> Address | None:
    """The core Address (the state upper-cased), or None."""
    if address is None:
        return None
    return Address(state=address.state.upper() if address.state else None, zip=address.zip)


class AttemptFields(TypedDict):
    """``AttemptIn`` as a dict: the same fields and limits, read without building a model.

    A batch of thousands of attempts validates about twice as fast this way. It is stricter
    than ``AttemptIn`` in two respects, and callers validate what it refuses with ``AttemptIn``
    (which gives the same errors as ever): a phone given as a JSON number is refused, and
    ``at`` is text in one ISO 8601 form (``ISO_INSTANT``), which ``datetime.fromisoformat``
    then reads (and refuses where the date does not exist, such as February 30).
    """

    __pydantic_config__ = ConfigDict(extra="forbid", str_max_length=200)  # type: ignore[misc]

    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    phone: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    at: Annotated[str, StringConstraints(pattern=ISO_INSTANT)]
    channel: NotRequired[Channel]
    purpose: NotRequired[Purpose]
    method: NotRequired[Method]
    campaign: NotRequired[str]
    seller: NotRequired[str]
    address: NotRequired[AddressIn | None]
    line_type: NotRequired[LineType]


class BatchFields(TypedDict):
    """A batch body as a dict (``attempts`` and the ``record`` flag), without a size limit."""

    attempts: list[AttemptFields]
    record: NotRequired[bool]


#: Validates a batch body's JSON into ``BatchFields``.
BATCH_FIELDS: TypeAdapter[BatchFields] = TypeAdapter(BatchFields)


def first_error(exc: Exception) -> str:
    """A short, input-free description of the first validation error."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "(line)"
        return f"{loc}: {first.get('msg', 'invalid')}"
    return str(exc)


__all__ = [
    "BATCH_FIELDS",
    "ISO_INSTANT",
    "AddressIn",
    "AttemptFields",
    "AttemptIn",
    "BatchFields",
    "core_address",
    "core_instant",
    "datetime",
    "first_error",
]
