"""The body of ``POST /v1/check/batch`` read into columns, and its decisions written as JSON.

Reading: the body is validated into plain dicts (``schemas.BATCH_FIELDS``, the same fields and
limits as ``AttemptIn``) and laid out as ``AttemptColumns``; no model object is built per
attempt. A body this path does not take (an error, a phone given as a number, more attempts
than the limit) is left to ``AttemptIn`` and FastAPI's error envelope, so answers and errors
are those of the model path.

Writing: a batch shares one ``Decision`` among the attempts the rules cannot tell apart, and
each distinct decision is written to JSON once. Its bytes are split around the attempt id and
the phone, and each attempt's JSON is its own id and phone between those pieces: the same
bytes as ``orjson.dumps`` of ``Decision.to_dict()``, at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson
from pydantic import ValidationError

from callwarden.core.decision import Decision
from callwarden.core.types import Channel, LineType, Method, Purpose
from callwarden.interfaces.schemas import (
    BATCH_FIELDS,
    AttemptFields,
    core_address,
    core_instant,
)
from callwarden.services.check_columns import AttemptColumns, BatchDecisions

_ID = "\x00callwarden-attempt-id\x00"
_PHONE = "\x00callwarden-phone\x00"
_ID_JSON = orjson.dumps(_ID)
_PHONE_JSON = orjson.dumps(_PHONE)


def read_columns(body: bytes, max_batch: int) -> AttemptColumns | None:
    """The batch's attempts as columns, or None when the model path must read the body.

    None for anything but a valid batch of 1 to ``max_batch`` attempts that does not ask to
    record (recording checks are decided one by one).
    """
    try:
        fields = BATCH_FIELDS.validate_json(body)
    except ValidationError:
        return None
    rows = fields["attempts"]
    if not 1 <= len(rows) <= max_batch or fields.get("record", False):
        return None
    try:
        return columns_of(rows)
    except ValueError:  # an instant of the right form that does not exist
        return None


def columns_of(rows: Sequence[AttemptFields]) -> AttemptColumns:
    """Validated attempt dicts as columns, with ``AttemptIn.to_core``'s defaults and values.

    Raises ValueError where an instant does not exist (the model path then reports it).
    """
    parse = datetime.fromisoformat
    return AttemptColumns(
        ids=[r["id"] for r in rows],
        phones=[r["phone"] for r in rows],
        at=[core_instant(parse(r["at"])) for r in rows],
        channel=[r.get("channel", Channel.VOICE) for r in rows],
        purpose=[r.get("purpose", Purpose.TELEMARKETING) for r in rows],
        method=[r.get("method", Method.MANUAL) for r in rows],
        campaign=[r.get("campaign", "") for r in rows],
        seller=[r.get("seller", "") for r in rows],
        line_type=[r.get("line_type", LineType.UNKNOWN) for r in rows],
        address=[core_address(r.get("address")) for r in rows],
    )


def render(decisions: BatchDecisions) -> bytes:
    """``{"decisions": [...]}`` as ``orjson.dumps`` writes it from ``Decision.to_dict()``."""
    pieces = [_PIECES.of(d) for d in decisions.distinct]
    dumps = orjson.dumps
    out = []
    for which, attempt_id, phone in zip(
        decisions.which, decisions.ids, decisions.phones, strict=True
    ):
        head, middle, tail = pieces[which]
        out.append(head + dumps(attempt_id) + middle + dumps(phone) + tail)
    return b'{"decisions":[' + b",".join(out) + b"]}"


def allowed(decisions: BatchDecisions) -> int:
    """How many attempts of the batch are allowed."""
    open_ = [d.allowed for d in decisions.distinct]
    return sum(open_[which] for which in decisions.which)


class _PiecesMemo:
    """The JSON pieces of decisions seen lately, by identity.

    The decision memo hands the same ``Decision`` object to every batch of its minute, so its
    JSON is written once a minute rather than once a batch. Entries hold their decision, so an
    identity is never taken for another object's.
    """

    LIMIT = 16_384  # as many as the decision memo keeps; about 1 KB of JSON each

    def __init__(self) -> None:
        self._known: dict[int, tuple[Decision, tuple[bytes, bytes, bytes]]] = {}

    def of(self, decision: Decision) -> tuple[bytes, bytes, bytes]:
        """The decision's JSON pieces (``_pieces``)."""
        found = self._known.get(id(decision))
        if found is not None and found[0] is decision:
            return found[1]
        pieces = _pieces(decision)
        if len(self._known) >= self.LIMIT:
            self._known.clear()
        self._known[id(decision)] = (decision, pieces)
        return pieces


_PIECES = _PiecesMemo()


def _pieces(decision: Decision) -> tuple[bytes, bytes, bytes]:
    """The decision's JSON before its attempt id, between that and its phone, and after."""
    data = decision.to_dict()
    data["id"], data["phone_e164"] = _ID, _PHONE
    head, rest = orjson.dumps(data).split(_ID_JSON)
    middle, tail = rest.split(_PHONE_JSON)
    return head, middle, tail


__all__ = ["allowed", "columns_of", "read_columns", "render"]
