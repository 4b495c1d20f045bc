"""The body of ``POST /v1/check/batch`` read into columns, and its decisions written as JSON.

Reading: the common body (known fields, text and known values, instants in one ISO form, no
address) is parsed by orjson and checked column by column; any other is validated into plain
dicts (``schemas.BATCH_FIELDS``, the same fields and limits as ``AttemptIn``). Either way it is
laid out as ``AttemptColumns``; no model object is built per attempt. A body neither reader
takes (an error, a phone given as a number, more attempts than the limit) is left to
``AttemptIn`` and FastAPI's error envelope, so answers and errors are those of the model path.

Writing: a batch shares one ``Decision`` among the attempts the rules cannot tell apart, and
each distinct decision is written to JSON once. Its bytes are split around the attempt id and
the phone, and each attempt's JSON is its own id and phone between those pieces: the same
bytes as ``orjson.dumps`` of ``Decision.to_dict()``, at a fraction of the cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from callwarden.core.decision import Decision
from callwarden.core.types import Channel, LineType, Method, Purpose
from callwarden.interfaces.schemas import (
    BATCH_FIELDS,
    ISO_INSTANT,
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
    record (recording checks are decided one by one). The common body is read column by
    column (``_plain_columns``); anything else is validated by ``BATCH_FIELDS`` first.
    """
    plain = _plain_columns(body, max_batch)
    return plain if plain is not None else validated_columns(body, max_batch)


def validated_columns(body: bytes, max_batch: int) -> AttemptColumns | None:
    """``read_columns`` by ``BATCH_FIELDS`` alone: every body it takes, validated dict by dict."""
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


#: The fields of an attempt, and the values of its enumerated ones.
_FIELDS = frozenset(AttemptFields.__annotations__)
_CHANNELS = {c.value: c for c in Channel}
_PURPOSES = {p.value: p for p in Purpose}
_METHODS = {m.value: m for m in Method}
_LINE_TYPES = {t.value: t for t in LineType}
#: ``ISO_INSTANT`` with ASCII digits only (Python's ``\d`` also takes other scripts' digits).
_INSTANT = re.compile(ISO_INSTANT, re.ASCII)
_MAX_TEXT, _MAX_PHONE = 200, 40
_ABSENT = object()


def _plain_columns(body: bytes, max_batch: int) -> AttemptColumns | None:
    """Columns of the common batch body, checked column by column; None for any other body.

    The common body: an object with ``attempts`` (1 to ``max_batch`` objects) and at most
    ``"record": false``; every attempt has only known fields, text where ``AttemptFields``
    wants text, known values in its enumerated fields, ``at`` in the ``ISO_INSTANT`` form (a
    real instant) and no address. Those are the checks ``BATCH_FIELDS`` makes on such a body,
    made here on whole columns (set containment, one pass of ``type`` and ``len`` per column)
    instead of attempt by attempt. Any other body, valid or not, gets None, and
    ``BATCH_FIELDS`` reads it as before.
    """
    rows = _plain_rows(body, max_batch)
    if rows is None:
        return None
    texts, kinds = _texts(rows), _kinds(rows)
    if texts is None or kinds is None:
        return None
    at = _instants([r.get("at") for r in rows])
    if at is None:
        return None
    ids, phones, campaign, seller = texts
    channel, purpose, method, line_type = kinds
    return AttemptColumns(
        ids=ids,
        phones=phones,
        at=at,
        channel=channel,
        purpose=purpose,
        method=method,
        campaign=campaign,
        seller=seller,
        line_type=line_type,
        address=[None] * len(rows),
    )


def _plain_rows(body: bytes, max_batch: int) -> list[dict[str, Any]] | None:
    """The attempts of a body of the common shape (see ``_plain_columns``), else None."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or data.keys() - {"attempts", "record"}:
        return None
    rows = data.get("attempts")
    if data.get("record", False) is not False or type(rows) is not list:
        return None
    if (
        not 1 <= len(rows) <= max_batch
        or any(type(r) is not dict for r in rows)
        or not _FIELDS.issuperset(set().union(*rows))
        or any(r.get("address") is not None for r in rows)
    ):
        return None
    return rows


def _texts(rows: Sequence[dict[str, Any]]) -> tuple[list[str], ...] | None:
    """The id, phone, campaign and seller columns, or None where one breaks its limits."""
    columns: list[list[str]] = []
    for name, default, shortest, longest in (
        ("id", None, 1, _MAX_TEXT),
        ("phone", None, 1, _MAX_PHONE),
        ("campaign", "", 0, _MAX_TEXT),
        ("seller", "", 0, _MAX_TEXT),
    ):
        column: list[Any] = [r.get(name, default) for r in rows]
        if any(type(v) is not str for v in column):
            return None
        sizes = [len(v) for v in column]
        if min(sizes) < shortest or max(sizes) > longest:
            return None
        columns.append(column)
    return tuple(columns)


def _kinds(
    rows: Sequence[dict[str, Any]],
) -> tuple[list[Channel], list[Purpose], list[Method], list[LineType]] | None:
    """The enumerated columns (defaults where absent), or None where a value is not known."""
    channel = _enumerated(rows, "channel", Channel.VOICE, _CHANNELS)
    purpose = _enumerated(rows, "purpose", Purpose.TELEMARKETING, _PURPOSES)
    method = _enumerated(rows, "method", Method.MANUAL, _METHODS)
    line_type = _enumerated(rows, "line_type", LineType.UNKNOWN, _LINE_TYPES)
    if channel is None or purpose is None or method is None or line_type is None:
        return None
    return channel, purpose, method, line_type


E = TypeVar("E")


def _enumerated(
    rows: Sequence[dict[str, Any]], name: str, default: E, members: dict[str, E]
) -> list[E] | None:
    """The column of an enumerated field (``default`` where absent), or None if a value is not."""
    values = [r.get(name, _ABSENT) for r in rows]
    found = set(values)
    found.discard(_ABSENT)  # absent: the default; null is not absent, and not a member
    if not all(type(v) is str for v in found) or not found.issubset(members):
        return None
    return [default if v is _ABSENT else members[v] for v in values]


def _instants(values: Sequence[object]) -> list[datetime] | None:
    """The instants of ``at`` texts in the ``ISO_INSTANT`` form, as ``columns_of`` reads them."""
    match, parse = _INSTANT.match, datetime.fromisoformat
    out = []
    try:
        for v in values:
            if type(v) is not str or match(v) is None:
                return None
            out.append(core_instant(parse(v)))
    except ValueError:  # the form is right but the instant does not exist (February 30)
        return None
    return out


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


__all__ = ["allowed", "columns_of", "read_columns", "render", "validated_columns"]
