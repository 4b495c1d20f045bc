"""Hand-made rule rows for tests that need one rule the test rule files do not hold."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from callwarden.core.decision import Reason
from callwarden.core.gate.check import Check, NotingCheck
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import RuleMeta, Scope
from callwarden.core.types import Channel, LineType, Method, Purpose


def meta(rule_id: str, *, jurisdiction: str = "US", citation: str = "made-up") -> RuleMeta:
    """A rule's identity, in force since 2000."""
    return RuleMeta(
        id=rule_id, jurisdiction=jurisdiction, effective_from=date(2000, 1, 1), citation=citation
    )


def scope(purposes: Iterable[Purpose] = Purpose) -> Scope:
    """A scope covering every channel, method and line type of the given purposes."""
    return Scope(
        purposes=frozenset(purposes),
        channels=frozenset(Channel),
        methods=frozenset(Method),
        line_types=frozenset(LineType),
    )


class Asking:
    """A non-clock check without ``allows_until``: a gate must ask it again at a later instant."""

    def __init__(self, check: Check) -> None:
        """Wrap ``check``, keeping its name, reasons and notes."""
        self.check = check
        self.name = check.name

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """The wrapped check's reasons."""
        return self.check(ctx)

    def notes(self, ctx: CheckContext) -> list[str]:
        """The wrapped check's notes, if it writes any."""
        return self.check.notes(ctx) if isinstance(self.check, NotingCheck) else []
