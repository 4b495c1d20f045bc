"""The consent ledger service on SQLite and PostgreSQL: record, show, revoke, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from callwarden.bootstrap import App
from callwarden.core.types import Consent, ConsentKind
from callwarden.errors import InvalidInput, NotFound
from callwarden.services.consent import ConsentService, ConsentState
from callwarden.testing import FixedClock

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
PHONE = 5412345678


def consent(**overrides: object) -> Consent:
    values: dict[str, object] = {
        "phone": PHONE,
        "seller": "acme",
        "kind": ConsentKind.WRITTEN,
        "at": datetime(2025, 11, 15, 2, 22, 5, tzinfo=UTC),
        "evidence": {"form_url": "https://acme.example/signup", "ip": "203.0.113.24"},
    }
    values.update(overrides)
    return Consent(**values)  # type: ignore[arg-type]


@pytest.fixture
def service(db_app: App) -> ConsentService:
    return ConsentService(uow=db_app.uow, clock=FixedClock(NOW))


def test_evidence_comes_back_exactly_as_given(service: ConsentService) -> None:
    """Nested objects, numbers, booleans and non-ASCII text survive the database."""
    evidence = {
        "recording": {"id": "rec-20250601-0042", "seconds": 41.5, "agent": "a.moreno"},
        "text_shown": "Acepto recibir llamadas de Acme — responda ALTO para cancelar.",
        "checkboxes": [True, False],
        "ip": "2001:db8::7",
    }
    assert service.record([consent(evidence=evidence, scope="home internet offers")]) == 1
    (status,) = service.show(PHONE)
    assert status.consent.evidence == evidence
    assert status.consent.scope == "home internet offers"
    assert status.to_dict()["phone"] == "+15412345678"


def test_show_lists_every_seller_with_its_state_now(service: ConsentService) -> None:
    """Active, revoked and not-yet-valid consents are told apart at the clock's instant."""
    service.record(
        [
            consent(),
            consent(seller="globex", kind=ConsentKind.EXPRESS, revoked_at=NOW - timedelta(days=1)),
            consent(seller="initech", kind=ConsentKind.EBR_INQUIRY, at=NOW + timedelta(hours=2)),
            consent(phone=2142345678),
        ]
    )
    states = {s.consent.seller: s.state for s in service.show(PHONE)}
    assert states == {
        "acme": ConsentState.ACTIVE,
        "globex": ConsentState.REVOKED,
        "initech": ConsentState.NOT_YET,
    }


def test_revoke_ends_every_active_consent_to_that_seller_only(service: ConsentService) -> None:
    """Active consents of the seller end at the instant; other sellers keep theirs."""
    at = NOW - timedelta(hours=1)
    service.record([consent(), consent(kind=ConsentKind.EBR_PURCHASE), consent(seller="globex")])
    result = service.revoke(PHONE, "acme", at)
    assert result.revoked == 2
    by_seller = {(s.consent.seller, s.consent.kind): s for s in service.show(PHONE)}
    assert by_seller["acme", ConsentKind.WRITTEN].consent.revoked_at == at
    assert by_seller["acme", ConsentKind.EBR_PURCHASE].state is ConsentState.REVOKED
    assert by_seller["globex", ConsentKind.WRITTEN].state is ConsentState.ACTIVE


def test_revoke_defaults_to_the_clock(service: ConsentService) -> None:
    """Without an instant the revocation takes effect now."""
    service.record([consent()])
    assert service.revoke(PHONE, "acme").at == NOW
    assert service.show(PHONE)[0].consent.revoked_at == NOW


def test_revoke_leaves_later_consents_and_moves_later_revocations(
    service: ConsentService,
) -> None:
    """A consent given after the revocation stands; one set to end later now ends then."""
    at = datetime(2026, 2, 1, tzinfo=UTC)
    service.record(
        [
            consent(kind=ConsentKind.EXPRESS, revoked_at=datetime(2026, 6, 1, tzinfo=UTC)),
            consent(at=datetime(2026, 2, 10, tzinfo=UTC)),
            consent(kind=ConsentKind.EBR_INQUIRY, revoked_at=datetime(2026, 1, 5, tzinfo=UTC)),
        ]
    )
    assert service.revoke(PHONE, "acme", at).revoked == 1
    revoked = {s.consent.kind: s.consent.revoked_at for s in service.show(PHONE)}
    assert revoked == {
        ConsentKind.EXPRESS: at,
        ConsentKind.WRITTEN: None,
        ConsentKind.EBR_INQUIRY: datetime(2026, 1, 5, tzinfo=UTC),
    }


def test_revoking_what_the_ledger_does_not_hold_is_not_found(service: ConsentService) -> None:
    """A revocation for a seller with no consent says so, naming only the last four digits."""
    service.record([consent(seller="globex")])
    with pytest.raises(NotFound, match="ending 5678 to seller 'acme'") as caught:
        service.revoke(PHONE, "acme", NOW)
    assert "541" not in caught.value.message


def test_a_naive_revocation_time_is_refused(service: ConsentService) -> None:
    """Revocations need an offset like every other instant."""
    service.record([consent()])
    with pytest.raises(InvalidInput):
        service.revoke(PHONE, "acme", datetime(2026, 3, 1, 12, 0))


def test_an_import_that_fails_midway_stores_nothing(service: ConsentService) -> None:
    """The records are consumed in one transaction: a failure after 6,000 rolls all back."""

    def lines() -> Iterator[Consent]:
        for i in range(6_000):
            yield consent(phone=2142340000 + i)
        raise InvalidInput("the input file's header is malformed")

    with pytest.raises(InvalidInput):
        service.record(lines())
    assert service.show(2142340000) == []


def test_a_large_import_crosses_bulk_batches(service: ConsentService) -> None:
    """12,000 consents (more than two bulk batches) are all stored."""
    stored = service.record(consent(phone=2142340000 + i) for i in range(12_000))
    assert stored == 12_000
    assert len(service.show(2142340000 + 11_999)) == 1
