"""The emergency-declaration use case: declare and list states of emergency.

Some states ban telephone solicitation while a declared emergency lasts (for example
La. R.S. 45:844.31, during a governor-declared emergency); which states do is rule data
(``emergency_bans``), and the gate's emergency check reads the declarations stored here. A
declaration names its state, optionally the ZIP codes it covers (all of the state when none),
its start and end, and the order that declared it.
"""

from __future__ import annotations

from collections.abc import Callable

from callwarden.core.gate.numbering import US_STATES
from callwarden.core.ports import Clock, UnitOfWork
from callwarden.core.types import EmergencyDeclaration
from callwarden.errors import InvalidInput

ZIP_LENGTH = 5


class EmergencyService:
    """Declare and list emergencies."""

    def __init__(self, *, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        """Compose with a unit-of-work factory and a clock."""
        self.uow = uow
        self.clock = clock

    def declare(self, declaration: EmergencyDeclaration) -> EmergencyDeclaration:
        """Store a declaration after checking it.

        Raises:
            InvalidInput: unknown state, a malformed ZIP code, a naive or inverted time range,
                or an empty citation.
        """
        _validate(declaration)
        with self.uow() as uow:
            uow.emergencies.add(declaration)
            uow.commit()
        return declaration

    def list(self) -> list[tuple[EmergencyDeclaration, bool]]:
        """Every declaration, newest first, with whether it is in force now."""
        now = self.clock.now()
        with self.uow() as uow:
            declarations = uow.emergencies.all()
        return [(d, d.starts_at <= now < d.ends_at) for d in declarations]


def as_dict(d: EmergencyDeclaration, *, in_force: bool | None = None) -> dict[str, object]:
    """The JSON form of a declaration (``in_force`` included when known)."""
    out: dict[str, object] = {
        "state": d.state,
        "zips": sorted(d.zips),
        "starts_at": d.starts_at.isoformat(),
        "ends_at": d.ends_at.isoformat(),
        "citation": d.citation,
    }
    if in_force is not None:
        out["in_force"] = in_force
    return out


def _validate(d: EmergencyDeclaration) -> None:
    if d.state not in US_STATES:
        raise InvalidInput("state must be the two-letter code of a US state or DC")
    if any(len(z) != ZIP_LENGTH or not z.isdigit() for z in d.zips):
        raise InvalidInput("ZIP codes must be five digits")
    for instant in (d.starts_at, d.ends_at):
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise InvalidInput("the declaration's start and end need a UTC offset")
    if d.ends_at <= d.starts_at:
        raise InvalidInput("the declaration must end after it starts")
    if not d.citation.strip():
        raise InvalidInput("a declaration needs a citation (the order that declared it)")
