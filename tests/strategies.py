"""Hypothesis strategies shared by the property tests.

Gate strategies draw realistic attempts (numbers of known states across every US time zone,
addresses with and without ZIP codes, instants at whole minutes around the daylight saving
changes and holidays of 2026) and the facts a service would load for them, relative to the
attempt's instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from callwarden.core.gate.context import AbandonStats, Facts
from callwarden.core.types import (
    Address,
    Attempt,
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    LineType,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)

#: Valid numbers whose area code places them in one state (and one or more zones).
PHONES = (
    "2142345678",  # Dallas, TX (Central)
    "9152345678",  # El Paso, TX (Mountain)
    "4012345678",  # Providence, RI
    "2152345678",  # Philadelphia, PA
    "3052345678",  # Miami, FL (Eastern)
    "8502345678",  # Pensacola, FL (Central)
    "8012345678",  # Salt Lake City, UT
    "5042345678",  # New Orleans, LA
    "2122345678",  # New York, NY
    "4152345678",  # San Francisco, CA
    "6022345678",  # Phoenix, AZ (no daylight saving time)
    "8082345678",  # Honolulu, HI
)
ADDRESSES = (
    Address(state="TX", zip="79901"),  # El Paso: Mountain
    Address(state="TX", zip="75201"),  # Dallas: Central
    Address(state="TX"),  # no ZIP: every Texas zone
    Address(state="FL", zip="32501"),  # Pensacola: Central
    Address(state="FL", zip="33101"),
    Address(state="RI", zip="02903"),
    Address(state="PA", zip="19103"),
    Address(state="UT", zip="84101"),
    Address(state="LA", zip="70112"),
    Address(state="CA", zip="94105"),
    Address(state="AZ", zip="85004"),
    Address(state="KY"),  # split between Eastern and Central
)
#: Days where local dates and offsets are tricky: DST changes, holidays, Sundays.
TRICKY_DAYS = (
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 3, 9, tzinfo=UTC),
    datetime(2026, 7, 3, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 11, 2, tzinfo=UTC),
    datetime(2026, 11, 26, tzinfo=UTC),
    datetime(2026, 12, 25, tzinfo=UTC),
)
OFFSETS = tuple(timezone(timedelta(hours=h)) for h in (0, -4, -5, -6, -7, -8, -10))
START = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """An instant of 2026 at a whole minute, expressed in a US-like fixed offset."""
    if draw(st.booleans()):
        day = draw(st.sampled_from(TRICKY_DAYS))
        base = day + timedelta(minutes=draw(st.integers(0, 48 * 60)))
    else:
        base = START + timedelta(minutes=draw(st.integers(0, 364 * 24 * 60)))
    return base.astimezone(draw(st.sampled_from(OFFSETS)))


@st.composite
def attempts(draw: st.DrawFn, *, address: bool | None = None, clock_only: bool = False) -> Attempt:
    """An attempt of seller "acme".

    ``address`` forces an address (True) or none (False); ``clock_only`` keeps to manual
    dialing and to purposes that need no consent and no abandonment statistics.
    """
    with_address = draw(st.booleans()) if address is None else address
    if clock_only:
        method = Method.MANUAL
        purpose = draw(st.sampled_from([Purpose.TELEMARKETING, Purpose.DEBT_COLLECTION]))
    else:
        method = draw(st.sampled_from(Method))
        purpose = draw(st.sampled_from(Purpose))
    return Attempt(
        id="p1",
        phone=draw(st.sampled_from(PHONES)),
        at=draw(instants()),
        channel=draw(st.sampled_from(Channel)),
        purpose=purpose,
        method=method,
        campaign=draw(st.sampled_from(["spring", "autumn"])),
        seller="acme",
        address=draw(st.sampled_from(ADDRESSES)) if with_address else None,
        line_type=draw(st.sampled_from(LineType)),
    )


def _before(draw: st.DrawFn, at: datetime, max_minutes: int) -> datetime:
    return (at - timedelta(minutes=draw(st.integers(1, max_minutes)))).astimezone(UTC)


@st.composite
def past_attempts(draw: st.DrawFn, attempt: Attempt, phone: int) -> PastAttempt:
    """A call of the seller to the number in the day, three days or ten days before."""
    days = draw(st.sampled_from([1, 3, 10]))
    return PastAttempt(
        phone=phone,
        at=_before(draw, attempt.at, days * 24 * 60),
        seller=attempt.seller,
        campaign=draw(st.sampled_from([attempt.campaign, attempt.campaign, "winter"])),
        purpose=draw(st.sampled_from([attempt.purpose, attempt.purpose, Purpose.INFORMATIONAL])),
        channel=draw(st.sampled_from(Channel)),
        method=Method.MANUAL,
        outcome=draw(st.sampled_from(Outcome)),
    )


@st.composite
def consents(draw: st.DrawFn, attempt: Attempt, phone: int) -> Consent:
    """A consent of the number to the seller (or a rival), maybe revoked, maybe after ``at``."""
    given = _before(draw, attempt.at + timedelta(days=2), 700 * 24 * 60)
    revoked = None
    if draw(st.booleans()):
        revoked = given + timedelta(minutes=draw(st.integers(1, 400 * 24 * 60)))
    return Consent(
        phone=phone,
        seller=draw(st.sampled_from(["acme", "acme", "rival"])),
        kind=draw(st.sampled_from(ConsentKind)),
        at=given,
        revoked_at=revoked,
    )


@st.composite
def clock_facts(draw: st.DrawFn, attempt: Attempt, phone: int) -> Facts:
    """Facts under which only the clock (hours, days, frequency) can stand in the way."""
    fresh = attempt.at.astimezone(UTC) - timedelta(hours=draw(st.integers(1, 24)))
    return Facts(
        list_refreshed={"national": fresh, "state:TX": fresh, "state:FL": fresh},
        history=tuple(
            sorted(draw(st.lists(past_attempts(attempt, phone), max_size=12)), key=lambda p: p.at)
        ),
    )


@st.composite
def facts(draw: st.DrawFn, attempt: Attempt, phone: int) -> Facts:
    """Any facts a service could load: list hits and ages, consents, history, statistics."""
    ages = st.one_of(st.none(), st.integers(1, 60 * 24 * 60))
    refreshed = {}
    for name in ("national", "state:TX", "state:FL"):
        age = draw(ages)
        if age is not None:
            refreshed[name] = (attempt.at - timedelta(minutes=age)).astimezone(UTC)
    lists = ["national", "state:TX", "state:FL", "state:LA", "internal", "litigator"]
    base = draw(clock_facts(attempt, phone))
    reassigned = _before(draw, attempt.at, 500 * 24 * 60) if draw(st.booleans()) else None
    emergencies: tuple[EmergencyDeclaration, ...] = ()
    if draw(st.booleans()):
        emergencies = (
            EmergencyDeclaration(
                state="LA",
                starts_at=attempt.at - timedelta(days=2),
                ends_at=attempt.at + timedelta(days=5),
                citation="Proclamation (test)",
                zips=draw(st.sampled_from([frozenset(), frozenset({"70112"})])),
            ),
        )
    return Facts(
        dnc_hits=frozenset(draw(st.lists(st.sampled_from(lists), max_size=3))),
        list_refreshed=refreshed,
        consents=tuple(draw(st.lists(consents(attempt, phone), max_size=3))),
        history=base.history,
        abandonment=draw(
            st.one_of(
                st.none(),
                st.builds(
                    AbandonStats,
                    campaign=st.just(attempt.campaign),
                    answered_live=st.integers(0, 2000),
                    abandoned=st.integers(0, 80),
                ),
            )
        ),
        reassigned_at=reassigned,
        emergencies=emergencies,
    )
