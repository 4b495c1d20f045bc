"""The scrub use case: the bulk form of ``check`` over Arrow record batches.

Every row of a lead list is one attempt at the same instant, with the same purpose, method,
channel, seller, campaign and line type; only the phone differs. A job normalizes the phone
column with Arrow string kernels, locates every number in the numbering plan with array
indexing, tests DNC membership list by list with ``contains_many``, and lets
``core.gate.bulk`` decide with the gate's own checks, once per signature (numbering-plan
group × list hits). Stored consents, history and reassignments are loaded only for the numbers
whose signature they could change, in bulk, and only the rows that have some are decided one by
one. The result is the same ``allowed`` and the same reason codes as ``CheckService.check``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from callwarden.core.gate import bulk
from callwarden.core.gate.context import AbandonStats, Facts, SellerPolicy
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.numbering import US_STATES
from callwarden.core.ports import Clock, DncLookup, UnitOfWork
from callwarden.core.rules.model import AbandonmentRule
from callwarden.core.types import (
    Attempt,
    Channel,
    Consent,
    LineType,
    Method,
    PastAttempt,
    Purpose,
)
from callwarden.errors import InvalidInput
from callwarden.services.check import history_lookback
from callwarden.services.numbers import list_hits, locate
from callwarden.services.phone_column import PHONE_COLUMNS, find_phone_column, phone_numbers

#: Columns every scrubbed batch gets (replacing input columns of the same name).
ADDED_COLUMNS = ("phone_e164", "allowed", "reasons")
REASONS_TYPE = pa.list_(pa.string())
_CODE_NAMES = pa.array([c.value for c in bulk.CODES], pa.string())


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrubOptions:
    """The attempt every row stands for; ``at`` defaults to the clock's now."""

    at: datetime | None = None
    purpose: Purpose = Purpose.TELEMARKETING
    method: Method = Method.MANUAL
    channel: Channel = Channel.VOICE
    seller: str = ""
    campaign: str = ""
    line_type: LineType = LineType.UNKNOWN


@dataclass(slots=True)
class ScrubTally:
    """Running totals of a scrub (for summaries; no phone numbers)."""

    rows: int = 0
    allowed: int = 0
    invalid: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    one_by_one: int = 0

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {
            "rows": self.rows,
            "allowed": self.allowed,
            "denied": self.rows - self.allowed,
            "invalid": self.invalid,
            "by_code": dict(sorted(self.by_code.items())),
        }


def output_schema(schema: pa.Schema) -> pa.Schema:
    """The schema of scrubbed batches: the input's columns, then the added ones."""
    kept = [f for f in schema if f.name not in ADDED_COLUMNS]
    added = [
        pa.field("phone_e164", pa.string()),
        pa.field("allowed", pa.bool_(), nullable=False),
        pa.field("reasons", REASONS_TYPE, nullable=False),
    ]
    return pa.schema(kept + added)


class ScrubService:
    """Start scrub jobs over stored facts."""

    def __init__(
        self,
        *,
        gate: Gate,
        uow: Callable[[], UnitOfWork],
        dnc: DncLookup,
        clock: Clock,
        litigator_blocks: bool = True,
    ) -> None:
        """Compose the gate with storage ports, as ``CheckService`` does."""
        self.gate = gate
        self.uow = uow
        self.dnc = dnc
        self.clock = clock
        self.litigator_blocks = litigator_blocks

    @cached_property
    def groups(self) -> bulk.PrefixGroups:
        """The numbering plan folded into groups (built on first use)."""
        return bulk.prefix_groups(self.gate.plan)

    def start(self, options: ScrubOptions, phone_column: str) -> ScrubJob:
        """Fix the instant and load what every row shares: list times, policy, emergencies."""
        at = options.at or self.clock.now()
        if at.tzinfo is None or at.utcoffset() is None:
            raise InvalidInput("the scrub instant must carry a UTC offset (e.g. ...-05:00 or Z)")
        attempt = Attempt(
            id="scrub",
            phone="",
            at=at,
            channel=options.channel,
            purpose=options.purpose,
            method=options.method,
            campaign=options.campaign,
            seller=options.seller,
            line_type=options.line_type,
        )
        with self.uow() as uow:
            policy = SellerPolicy(
                litigator_blocks=self.litigator_blocks,
                exempt_lists=uow.sellers.exemptions(options.seller),
            )
            facts = Facts(
                list_refreshed=self.dnc.refreshed(),
                emergencies=uow.emergencies.active(sorted(US_STATES), at),
            )
            abandonment = self._abandonment(uow, attempt)
        shared = bulk.Shared(attempt=attempt, facts=facts, policy=policy, abandonment=abandonment)
        engine = bulk.BulkGate(self.gate, self.groups, shared)
        return ScrubJob(service=self, engine=engine, phone_column=phone_column)

    def _abandonment(
        self, uow: UnitOfWork, attempt: Attempt
    ) -> dict[str | None, AbandonStats | None]:
        """The campaign's statistics per state, loaded as the single check loads them.

        The window is that of the first abandonment rule in scope for the number's state; the
        statistics are read once per distinct window.
        """
        if attempt.method is not Method.PREDICTIVE:
            return {}
        a = attempt
        loaded: dict[tuple[int, float], AbandonStats] = {}
        out: dict[str | None, AbandonStats | None] = {}
        for state in (None, *sorted(US_STATES)):
            rows: list[AbandonmentRule] = self.gate.rules.rows(
                "abandonment", [state], attempt.at.date()
            )
            rules = [r for r in rows if r.scope.covers(a.purpose, a.channel, a.method, a.line_type)]
            if not rules:
                out[state] = None
                continue
            key = (rules[0].window_days, rules[0].connect_within_s)
            if key not in loaded:
                loaded[key] = uow.history.abandonment(
                    a.campaign, a.at - timedelta(days=key[0]), a.at, key[1]
                )
            out[state] = loaded[key]
        return out


class ScrubJob:
    """One scrub: decide record batches one after another, or several at once on threads.

    ``scrub`` may run on several threads at once: the bulk gate's verdict table only gains
    entries (each learned the same way by whichever thread gets there), stored facts are read
    in a unit of work per call, and the tally is updated under a lock.
    """

    def __init__(self, *, service: ScrubService, engine: bulk.BulkGate, phone_column: str) -> None:
        """Bind the service, the bulk gate with its verdict cache, and the phone column."""
        self.service = service
        self.engine = engine
        self.phone_column = phone_column
        self.tally = ScrubTally()
        self._counting = threading.Lock()
        self.lookback = history_lookback(service.gate.rules)
        # Whether the seller has any consents, and any calls in the lookback, at all: asked
        # once per job (a scrub reads the facts as of its start), so a seller with none
        # costs no query per batch.
        self._seller_has: dict[str, bool] | None = None

    @property
    def at(self) -> datetime:
        """The instant every row is decided at."""
        return self.engine.shared.attempt.at

    def scrub(
        self, batch: pa.RecordBatch, numbers: npt.NDArray[np.int64] | None = None
    ) -> pa.RecordBatch:
        """The batch with ``phone_e164``, ``allowed`` and ``reasons`` added, rows in order.

        ``numbers`` is the phone column already normalized (``phone_numbers``), when a reader
        did it ahead.
        """
        if self.phone_column not in batch.schema.names:
            raise InvalidInput(
                f"no column {self.phone_column!r} in the batch",
                details={"columns": batch.schema.names},
            )
        if numbers is None:
            numbers = phone_numbers(batch.column(self.phone_column), self.phone_column)
        elif numbers.shape != (batch.num_rows,):
            msg = f"{numbers.shape} numbers for a batch of {batch.num_rows} rows"
            raise ValueError(msg)
        group = self._locate(numbers)
        hits = self._hits(numbers, group)
        verdicts = self.engine.verdicts(numbers, group, hits)
        masks = verdicts.masks.copy()
        self._one_by_one(masks, numbers, group, hits, verdicts)
        self._count(masks)
        return _assemble(batch, numbers, group > 0, masks)

    def _locate(self, numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.uint16]:
        return locate(numbers, self.engine.groups, self.service.gate.plan)

    def _hits(
        self, numbers: npt.NDArray[np.int64], group: npt.NDArray[np.uint16]
    ) -> npt.NDArray[np.uint8]:
        """List-hit bits of the valid rows: national, own state's list, seller's, litigator."""
        seller = self.engine.shared.attempt.seller
        return list_hits(self.service.dnc, numbers, group, self.engine.groups, sellers=[seller])

    def _one_by_one(
        self,
        masks: npt.NDArray[np.uint32],
        numbers: npt.NDArray[np.int64],
        group: npt.NDArray[np.uint16],
        hits: npt.NDArray[np.uint8],
        verdicts: bulk.Verdicts,
    ) -> None:
        """Decide with their stored facts the rows whose signature those facts could change."""
        stored = self._stored(numbers, group > 0, verdicts)
        if stored is None:
            return
        rows = np.flatnonzero((group > 0) & bulk.member(numbers, stored.holders))
        decided: dict[int, int] = {}
        for row in rows.tolist():
            number = int(numbers[row])
            if number not in decided:
                facts = stored.of(number)
                decided[number] = self.engine.decide(number, int(group[row]), int(hits[row]), facts)
            masks[row] = decided[number]
        with self._counting:
            self.tally.one_by_one += rows.size

    def _stored(
        self, numbers: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_], v: bulk.Verdicts
    ) -> _Stored | None:
        """Every stored fact of the numbers holding one their signature is sensitive to.

        Consents for the rows whose signature they could change, history for the rows under
        a frequency cap; a number holding either is then loaded whole (with its reassignment),
        and the bulk gate keeps of it what the single check would load.
        """
        a = self.engine.shared.attempt
        since = a.at - self.lookback
        has = self._seller_facts(a.seller, since)
        wants_consents = valid & v.needs_consents & has["consents"]
        wants_history = valid & v.needs_history & has["history"]
        if not (wants_consents.any() or wants_history.any()):
            return None
        with self.service.uow() as uow:
            consents = _keys(_consents(uow, numbers[wants_consents], a.seller))
            history = _keys(_history(uow, numbers[wants_history], a.seller, since))
            holders = bulk.sorted_unique(np.concatenate([consents, history]))
            if holders.size == 0:
                return None
            return _Stored(
                holders=holders,
                consents=_consents(uow, holders, a.seller),
                history=_history(uow, holders, a.seller, since),
                reassigned=_reassigned(uow, holders),
            )

    def _seller_facts(self, seller: str, since: datetime) -> dict[str, bool]:
        if self._seller_has is None:
            with self.service.uow() as uow:
                self._seller_has = {
                    "consents": uow.consents.any_for_seller(seller),
                    "history": uow.history.any_for_seller(seller, since),
                }
        return self._seller_has

    def _count(self, masks: npt.NDArray[np.uint32]) -> None:
        allowed = int(np.count_nonzero(masks == 0))
        counts = bulk.code_counts(masks)
        with self._counting:  # batches may be scrubbed on several threads at once
            tally = self.tally
            tally.rows += masks.size
            tally.allowed += allowed
            for code, count in counts.items():
                tally.by_code[code.value] = tally.by_code.get(code.value, 0) + count
            tally.invalid = tally.by_code.get("INVALID_NUMBER", 0)


def _consents(
    uow: UnitOfWork, phones: npt.NDArray[np.int64], seller: str
) -> dict[int, tuple[Consent, ...]]:
    return uow.consents.consents_for_numbers(phones, seller) if phones.size else {}


def _history(
    uow: UnitOfWork, phones: npt.NDArray[np.int64], seller: str, since: datetime
) -> dict[int, tuple[PastAttempt, ...]]:
    return uow.history.recent_for_numbers(phones, seller, since) if phones.size else {}


def _reassigned(uow: UnitOfWork, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
    return uow.reassigned.disconnected_for_numbers(phones) if phones.size else {}


def _keys(found: Mapping[int, object]) -> npt.NDArray[np.int64]:
    return bulk.sorted_unique(np.fromiter(found, dtype=np.int64, count=len(found)))


@dataclass(frozen=True, slots=True)
class _Stored:
    """The stored per-number facts of the numbers that hold some (``holders``, sorted)."""

    holders: npt.NDArray[np.int64]
    consents: dict[int, tuple[Consent, ...]]
    history: dict[int, tuple[PastAttempt, ...]]
    reassigned: dict[int, datetime]

    def of(self, number: int) -> bulk.RowFacts:
        """The facts of one number."""
        return bulk.RowFacts(
            consents=self.consents.get(number, ()),
            history=self.history.get(number, ()),
            reassigned_at=self.reassigned.get(number),
        )


def _assemble(
    batch: pa.RecordBatch,
    numbers: npt.NDArray[np.int64],
    valid: npt.NDArray[np.bool_],
    masks: npt.NDArray[np.uint32],
) -> pa.RecordBatch:
    e164 = _e164(numbers, valid)
    offsets, codes = bulk.reason_lists(masks)
    reasons = pa.ListArray.from_arrays(pa.array(offsets), _CODE_NAMES.take(pa.array(codes)))
    columns = [batch.column(n) for n in batch.schema.names if n not in ADDED_COLUMNS]
    arrays = [*columns, e164, pa.array(masks == 0), reasons]
    return pa.RecordBatch.from_arrays(arrays, schema=output_schema(batch.schema))


def _e164(numbers: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_]) -> pa.Array:
    """``+1`` and the ten digits of each valid number; null for the others.

    Each row is twelve bytes, written as three 32-bit words from two small tables: ``+1`` and
    the area code's first two digits, then two runs of four digits. Looked up, not formatted:
    a tenth of the cost of Arrow's integer-to-text cast.
    """
    n = numbers.size
    kept = numbers[valid] if not valid.all() else numbers
    words = np.empty((kept.size, 3), dtype="<u4")
    words[:, 0] = _E164_HEAD[kept // 100_000_000]
    words[:, 1] = _DIGITS4[kept // 10_000 % 10_000]
    words[:, 2] = _DIGITS4[kept % 10_000]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(valid, out=offsets[1:])
    offsets *= _E164_BYTES
    nulls = n - kept.size
    validity = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(words), validity, nulls
    )


def _ascii_words(texts: list[str]) -> npt.NDArray[np.uint32]:
    """Four-byte ASCII texts as little-endian 32-bit words (the bytes in text order)."""
    return np.frombuffer("".join(texts).encode("ascii"), dtype="<u4").copy()


_E164_BYTES = 12
_E164_HEAD = _ascii_words([f"+1{k:02d}" for k in range(100)])
_DIGITS4 = _ascii_words([f"{k:04d}" for k in range(10_000)])


__all__ = [
    "ADDED_COLUMNS",
    "PHONE_COLUMNS",
    "ScrubJob",
    "ScrubOptions",
    "ScrubService",
    "ScrubTally",
    "find_phone_column",
    "output_schema",
    "phone_numbers",
]
