"""The batch body read into columns, and decisions written as JSON, as the model path does.

``read_columns`` must give the attempts ``CheckBatchIn`` gives for every body it takes, and
leave every body it does not take (errors included) to the model; ``render`` must write the
bytes ``orjson.dumps`` writes from ``Decision.to_dict()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest

from callwarden.core.decision import (
    Confidence,
    Decision,
    JurisdictionCandidate,
    Reason,
    ReasonCode,
)
from callwarden.interfaces.api.batch_body import allowed, read_columns, render
from callwarden.interfaces.api.routes.check import _batch_model
from callwarden.services.check_columns import AttemptColumns, BatchDecisions

BASE = {"id": "a1", "phone": "(214) 234-5678", "at": "2026-03-03T15:00:00+00:00"}
FULL = {
    **BASE,
    "channel": "sms",
    "purpose": "debt_collection",
    "method": "autodialer",
    "campaign": "spring ☀",
    "seller": "acme",
    "address": {"state": "fl", "zip": "33101"},
    "line_type": "wireless",
}
TAKEN = [
    [BASE],
    [FULL],
    [{**BASE, "at": "2026-03-03T10:00:00-05:00"}],
    [{**BASE, "at": "2026-03-03T15:00:00Z"}],
    [{**BASE, "at": "2026-03-03T15:00:00.123456+05:30"}],
    [{**BASE, "at": "2026-03-03T15:00:00.5-05:00"}],
    [{**BASE, "at": "2028-02-29T23:59:59+14:00"}],
    [{**BASE, "address": None}],
    [{**BASE, "address": {}}],
    [BASE, FULL, {**BASE, "id": "a2", "phone": "not a phone"}],
]
LEFT = [
    [{**BASE, "phone": 2142345678}],  # a number: the model turns it into text
    [{**BASE, "at": "2026-03-03T15:00:00"}],  # no offset
    # Instants the model reads (or refuses) itself.
    [{**BASE, "at": "2026-02-30T15:00:00Z"}],
    [{**BASE, "at": "2026-03-03 15:00:00Z"}],
    [{**BASE, "at": "2026-03-03T15:00:00.1234567Z"}],
    [{**BASE, "at": "2026-03-03T15:00:00+05:30:15"}],
    [{**BASE, "at": "2026-03-03T15:00:00+99:00"}],
    [{**BASE, "at": 1772550000}],
    [{**BASE, "extra": 1}],
    [{k: v for k, v in BASE.items() if k != "at"}],
    [{**BASE, "id": ""}],
    [{**BASE, "phone": "1" * 41}],
    [{**BASE, "campaign": "c" * 201}],
    [{**BASE, "method": "carrier pigeon"}],
    [{**BASE, "address": {"state": "Texas"}}],
    [],
    [BASE] * 6,  # over the limit of 5
]


def model_attempts(body: bytes) -> list[Any]:
    return [a.to_core() for a in _batch_model(5).model_validate_json(body).attempts]


@pytest.mark.parametrize("attempts", TAKEN)
def test_a_body_it_takes_gives_the_models_attempts(attempts: list[dict[str, Any]]) -> None:
    body = orjson.dumps({"attempts": attempts})
    columns = read_columns(body, max_batch=5)
    assert columns is not None
    assert [columns.row(i) for i in range(len(columns))] == model_attempts(body)


@pytest.mark.parametrize("attempts", LEFT)
def test_a_body_it_does_not_take_is_left_to_the_model(attempts: list[dict[str, Any]]) -> None:
    assert read_columns(orjson.dumps({"attempts": attempts}), max_batch=5) is None


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"attempts": 3}', b"\xff\xfe", b"null"])
def test_broken_json_is_left_to_the_model(body: bytes) -> None:
    assert read_columns(body, max_batch=5) is None


def test_a_recording_batch_is_left_to_the_model() -> None:
    body = orjson.dumps({"attempts": [BASE], "record": True})
    assert read_columns(body, max_batch=5) is None
    assert read_columns(orjson.dumps({"attempts": [BASE], "record": False}), 5) is not None


def _decision(attempt_id: str, phone: str | None, **changes: Any) -> Decision:
    reason = Reason(
        code=ReasonCode.OUTSIDE_CALLING_HOURS,
        rule="US-FL-HOURS",
        citation="Fla. Stat. 501.616(6)(a) — “quoted” \\ text",
        message="outside 08:00-20:00 local time",
        confidence=Confidence.LOW,
    )
    fields: dict[str, Any] = {
        "attempt_id": attempt_id,
        "allowed": False,
        "reasons": (reason,),
        "next_allowed_at": datetime.fromisoformat("2026-03-04T08:00:00-05:00"),
        "jurisdictions": (
            JurisdictionCandidate(state="FL", tz="America/New_York", source="number"),
            JurisdictionCandidate(state="FL", tz="America/Chicago", source="number"),
        ),
        "rule_set": "2026.12.2+abc",
        "phone_e164": phone,
        "notes": ("FL-X not applied: \u0000 control",),
    }
    fields.update(changes)
    return Decision(**fields)


def test_render_writes_the_bytes_of_the_model_path() -> None:
    shared = _decision("rep", "+13052345678")
    plain = _decision("x", None, allowed=True, reasons=(), next_allowed_at=None, notes=())
    ids = ["a", 'quote " and \\ back', "ünïcode", "a"]
    phones: list[str | None] = ["+13052345678", "+13052345679", None, "+13052345678"]
    decisions = BatchDecisions([shared, plain], [0, 0, 1, 0], ids, phones)
    expected = orjson.dumps({"decisions": [d.to_dict() for d in decisions]})
    assert render(decisions) == expected
    assert allowed(decisions) == 1
    assert [d.attempt_id for d in decisions] == ids


def test_columns_round_trip_through_attempts() -> None:
    columns = read_columns(orjson.dumps({"attempts": [BASE, FULL]}), 5)
    assert columns is not None
    again = AttemptColumns.of([columns.row(0), columns.row(1)])
    assert again == columns
    assert columns.row(1).at.utcoffset() == timedelta(0)


#: Values each field may take in the randomized bodies, good and bad.
_VALUES: dict[str, list[Any]] = {
    "id": ["a1", "", "x" * 200, "x" * 201, "é" * 200, "é" * 201, 7, None],
    "phone": ["(214) 234-5678", "+1 305 234 5678", "", "9" * 40, "9" * 41, 2142345678, None],
    "at": [
        "2026-03-03T15:00:00+00:00",
        "2026-03-03T15:00:00Z",
        "2026-03-03T10:00:00.25-05:00",
        "2026-02-30T15:00:00Z",
        "2026-03-03T15:00:00",
        "2026-03-03 15:00:00Z",
        "２０２６-03-03T15:00:00Z",
        "2026-03-03T15:00:00Z\n",
        "2026-03-03T15:00:00.1234567Z",
        "2026-03-03t15:00:00z",
        1772550000,
        None,
    ],
    "channel": ["voice", "sms", "fax", "VOICE", 1, None],
    "purpose": ["telemarketing", "informational", "debt_collection", "healthcare", "spam"],
    "method": ["manual", "autodialer", "predictive", "prerecorded", "pigeon", True],
    "campaign": ["", "spring ☀", "c" * 200, "c" * 201, 3, None],
    "seller": ["acme", "", "s" * 201, "é" * 200, "é" * 201, [], None],
    "line_type": ["wireless", "landline", "unknown", "voip", "satellite"],
    "address": [None, {}, {"state": "tx"}, {"zip": "75201"}, "TX"],
    "extra": [1],
}


def test_the_plain_reader_knows_every_field_of_an_attempt() -> None:
    """The typed decoder's attempt has exactly ``AttemptFields``' fields."""
    from callwarden.interfaces.api.batch_body import _PlainAttempt
    from callwarden.interfaces.schemas import AttemptFields

    assert set(_PlainAttempt.__struct_fields__) == set(AttemptFields.__annotations__)


def test_the_plain_reader_agrees_with_the_validating_one_on_random_bodies() -> None:
    """Whatever the plain reader takes, it reads as ``BATCH_FIELDS`` and ``columns_of`` do."""
    import random

    from callwarden.interfaces.api.batch_body import _plain_columns, validated_columns

    rng = random.Random(41)
    taken = 0
    for _ in range(4_000):
        attempts = []
        for _ in range(rng.randint(1, 3)):
            attempt = {name: rng.choice(values) for name, values in _VALUES.items()}
            # Mostly well formed: a field is left out, or kept only now and then when odd.
            for name in list(attempt):
                if rng.random() < 0.2 or (name == "extra" and rng.random() < 0.9):
                    del attempt[name]
                elif rng.random() < 0.9:
                    attempt[name] = _VALUES[name][0]
            attempts.append(attempt)
        shell: dict[str, Any] = {"attempts": attempts}
        if rng.random() < 0.1:
            shell["record"] = rng.choice([False, True, 0, "false", None])
        body = orjson.dumps(shell)
        plain = _plain_columns(body, max_batch=3)
        if plain is None:
            continue
        taken += 1
        expected = validated_columns(body, max_batch=3)
        assert expected is not None, body
        assert [plain.row(i) for i in range(len(plain))] == [
            expected.row(i) for i in range(len(expected))
        ], body
    assert taken > 400  # the plain reader took a good share of them
