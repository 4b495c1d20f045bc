"""Emergency declarations on SQLite and PostgreSQL: declared, listed, and seen by the gate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from callwarden.bootstrap import App
from callwarden.core.types import EmergencyDeclaration
from callwarden.errors import InvalidInput
from callwarden.services.emergency import EmergencyService, as_dict
from callwarden.testing import FixedClock

NOW = datetime(2026, 9, 5, 12, tzinfo=UTC)
HURRICANE = EmergencyDeclaration(
    state="FL",
    starts_at=datetime(2026, 9, 1, 4, tzinfo=UTC),
    ends_at=datetime(2026, 9, 15, 4, tzinfo=UTC),
    citation="Fla. Exec. Order 26-101",
    zips=frozenset({"32401", "32402"}),
)


@pytest.fixture
def service(db_app: App) -> EmergencyService:
    return EmergencyService(uow=db_app.uow, clock=FixedClock(NOW))


def test_declarations_are_listed_newest_first_with_whether_in_force(
    service: EmergencyService,
) -> None:
    """A current and a past declaration come back with their ZIPs and in-force flags."""
    old = replace(
        HURRICANE,
        state="LA",
        zips=frozenset(),
        starts_at=NOW - timedelta(days=400),
        ends_at=NOW - timedelta(days=380),
        citation="La. Proclamation 115 JML 2025",
    )
    service.declare(old)
    service.declare(HURRICANE)
    listed = service.list()
    assert [(d.state, active) for d, active in listed] == [("FL", True), ("LA", False)]
    assert listed[0][0] == HURRICANE
    assert as_dict(listed[1][0], in_force=False)["zips"] == []


def test_the_gate_sees_declarations_in_force(db_app: App, service: EmergencyService) -> None:
    """What is declared here is what the check service loads for an attempt."""
    service.declare(HURRICANE)
    with db_app.uow() as uow:
        assert uow.emergencies.active(["FL", "GA"], NOW) == (HURRICANE,)
        assert uow.emergencies.active(["FL"], HURRICANE.ends_at) == ()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"state": "XX"}, "two-letter code"),
        ({"zips": frozenset({"3240"})}, "five digits"),
        ({"ends_at": HURRICANE.starts_at}, "end after it starts"),
        ({"starts_at": datetime(2026, 9, 1)}, "UTC offset"),
        ({"citation": "  "}, "needs a citation"),
    ],
)
def test_bad_declarations_store_nothing(
    service: EmergencyService, change: dict[str, object], why: str
) -> None:
    """The service checks a declaration even when the caller did not."""
    with pytest.raises(InvalidInput, match=why):
        service.declare(replace(HURRICANE, **change))  # type: ignore[arg-type]
    assert service.list() == []
