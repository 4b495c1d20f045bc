"""The check use case: load the facts an attempt needs, ask the gate, optionally record it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from callwarden.core.decision import Decision
from callwarden.core.gate.context import AbandonStats, Facts, SellerPolicy
from callwarden.core.gate.gate import Gate, Prepared
from callwarden.core.gate.memo import DecisionMemo
from callwarden.core.gate.needs import FactNeeds
from callwarden.core.ports import Clock, DncLookup, FactReads, UnitOfWork
from callwarden.core.rules.model import AbandonmentRule
from callwarden.core.rules.ruleset import RuleSet
from callwarden.core.types import (
    Attempt,
    Consent,
    EmergencyDeclaration,
    Method,
    Outcome,
    PastAttempt,
)

#: How long a campaign's abandonment rate is reused (the rate covers 30 days of calls).
ABANDONMENT_TTL = timedelta(seconds=60)

#: The least history a decision loads; longer frequency windows in the rules extend it.
HISTORY_LOOKBACK = timedelta(days=31)


class CheckService:
    """Decide attempts with stored facts."""

    def __init__(
        self,
        *,
        gate: Gate,
        uow: Callable[[], UnitOfWork],
        dnc: DncLookup,
        clock: Clock,
        litigator_blocks: bool = True,
        reads: Callable[[], FactReads] | None = None,
    ) -> None:
        """Compose the gate with storage ports.

        ``reads``, when given, serves the point reads of checks that write nothing and read
        the facts of fewer than ``BULK_FROM`` numbers (a dialer's single checks); the unit of
        work serves batches, recording checks and the abandonment statistics.
        """
        self.gate = gate
        self.uow = uow
        self.reads = reads
        self.dnc = dnc
        self.clock = clock
        self.litigator_blocks = litigator_blocks
        self.lookback = history_lookback(gate.rules)
        # Attempts the rules cannot tell apart (same kind, place, lists, minute, no stored
        # facts of their own) share one decision: see core.gate.memo.
        self.memo = DecisionMemo(gate)
        self._abandonment_cache: dict[tuple[str, str, datetime], tuple[datetime, AbandonStats]] = {}
        self._abandonment_rules: dict[tuple[object, ...], AbandonmentRule | None] = {}

    def check(self, attempts: Sequence[Attempt], *, record: bool = False) -> list[Decision]:
        """Decide each attempt; with ``record``, store every allowed one as a past attempt.

        Only the facts a decision can depend on are loaded (``Gate.needs``): a manual
        telemarketing call to a number on no list, in a state without frequency caps, costs
        no database query at all. The facts of many attempts are loaded together, a few
        queries per seller rather than a few per attempt, and give the same decisions as
        one attempt at a time: an attempt recorded earlier in the batch counts in the history
        of the later ones.
        """
        refreshed = self.dnc.refreshed()
        prepared = [self.prepare(attempt) for attempt in attempts]
        reading = [p for p in prepared if p.reads_db]
        decisions: list[Decision] = []
        with contextlib.ExitStack() as stack:
            work = LazyUnitOfWork(self.uow, stack)
            stored: StoredFacts | None = None
            if record or (reading and (self.reads is None or len(reading) >= BULK_FROM)):
                uow = work.get()
                stored = self.read_stored(uow, FactWants.of(reading, self.lookback))
            elif reading:
                assert self.reads is not None  # noqa: S101 - the branch above took None
                points = stack.enter_context(self.reads())
                stored = StoredFacts(points, FactWants.of(reading, self.lookback), bulk=False)
            recorded: list[PastAttempt] = []
            for item in prepared:
                if item.number is None or item.prepared is None:
                    decisions.append(self.gate.decide(item.attempt, Facts()))
                    continue
                facts, policy = self.facts_for(work, stored, item, refreshed)
                decision = self.memo.decide(item.prepared, facts, policy)
                decisions.append(decision)
                if record and decision.allowed and stored is not None:
                    past = _as_past(item.attempt, item.number)
                    recorded.append(past)
                    stored.recorded(past)
            if record:
                uow = work.get()
                if recorded:
                    uow.history.add(recorded, source="check")
                uow.commit()
        return decisions

    def read_stored(self, uow: UnitOfWork, wants: FactWants) -> StoredFacts:
        """The stored facts ``wants`` names, read through an open unit of work."""
        return StoredFacts(_UnitOfWorkReads(uow), wants, bulk=True)

    def prepare(self, attempt: Attempt) -> PreparedAttempt:
        """The attempt's number, list hits and fact needs: all that needs no query."""
        number = self.gate.national(attempt.phone)
        if number is None:
            return PreparedAttempt(attempt, None, frozenset(), None, reads_db=False)
        # Only the candidate states' lists can matter (the gate drops other states' hits).
        hits = self.dnc.hits(number, attempt.seller, self.gate.states_of(number, attempt))
        prepared = self.gate.prepare(attempt, number, hits)
        return PreparedAttempt(
            attempt, number, hits, prepared, reads_db=_touches_db(prepared.needs, attempt)
        )

    def facts_for(
        self,
        work: LazyUnitOfWork,
        stored: StoredFacts | None,
        item: PreparedAttempt,
        refreshed: Mapping[str, datetime],
        *,
        own: bool = True,
    ) -> tuple[Facts, SellerPolicy]:
        """The facts and seller policy of a prepared attempt, as its decision needs them.

        ``own=False`` leaves out the number's own stored facts (consents, history and a
        reassignment): the facts of any attempt like it to a number that holds none.
        """
        attempt, number, hits, prepared, reads_db = item
        assert number is not None and prepared is not None  # noqa: S101 - checked by the caller
        needs = prepared.needs
        if stored is None or not reads_db:
            facts = Facts(dnc_hits=hits, list_refreshed=refreshed)
            return facts, SellerPolicy(litigator_blocks=self.litigator_blocks)
        states = set(prepared.ctx.states)  # the number's state and the address's, if any
        consents = stored.consents(number, attempt.seller) if own and needs.consents else ()
        facts = Facts(
            dnc_hits=hits,
            list_refreshed=refreshed,
            consents=consents,
            history=(
                stored.history(number, attempt.seller, attempt.at - self.lookback)
                if own and needs.history
                else ()
            ),
            abandonment=self.abandonment(work, attempt, states),
            reassigned_at=stored.reassigned(number) if consents else None,
            emergencies=stored.emergencies(states, attempt.at) if needs.emergencies else (),
        )
        exempt = stored.exemptions(attempt.seller) if needs.exemptions else {}
        return facts, SellerPolicy(litigator_blocks=self.litigator_blocks, exempt_lists=exempt)

    def abandonment(
        self, work: LazyUnitOfWork, attempt: Attempt, states: set[str]
    ) -> AbandonStats | None:
        """The campaign's statistics over the window of the first abandonment rule in scope."""
        if attempt.method is not Method.PREDICTIVE:
            return None
        rule = self._abandonment_rule(attempt, states)
        if rule is None:
            return None
        # The rate is over 30 days of calls: it is computed once per campaign and minute of
        # the attempt, and reused for at most ABANDONMENT_TTL of real time.
        minute = attempt.at.replace(second=0, microsecond=0)
        key = (attempt.campaign, rule.meta.id, minute)
        now = self.clock.now()
        cached = self._abandonment_cache.get(key)
        if cached is not None and now - cached[0] < ABANDONMENT_TTL:
            return cached[1]
        stats = work.get().history.abandonment(
            attempt.campaign,
            minute - timedelta(days=rule.window_days),
            minute,
            rule.connect_within_s,
        )
        if len(self._abandonment_cache) >= 4096:  # noqa: PLR2004 - bound the memo
            self._abandonment_cache.clear()
        self._abandonment_cache[key] = (now, stats)
        return stats

    def _abandonment_rule(self, attempt: Attempt, states: set[str]) -> AbandonmentRule | None:
        """The first abandonment rule of these states in force that covers the attempt.

        Remembered per states, day and kind of attempt (the rules are fixed for the service's
        life): a batch asks for it once per group of a predictive dialer.
        """
        a = attempt
        day = a.at.date()
        key = (frozenset(states), day, a.purpose, a.channel, a.method, a.line_type)
        try:
            return self._abandonment_rules[key]
        except KeyError:
            pass
        rows: list[AbandonmentRule] = self.gate.rules.rows("abandonment", states, day)
        covering = [r for r in rows if r.scope.covers(a.purpose, a.channel, a.method, a.line_type)]
        found = covering[0] if covering else None
        if len(self._abandonment_rules) >= 4096:  # noqa: PLR2004 - bound the memo
            self._abandonment_rules.clear()
        self._abandonment_rules[key] = found
        return found


class PreparedAttempt(NamedTuple):
    """An attempt with what is known before any query: its number, list hits, fact needs."""

    attempt: Attempt
    number: int | None  # None: not a valid number
    hits: frozenset[str]
    prepared: Prepared | None  # None: not a valid number
    reads_db: bool  # whether a fact its decision can depend on is stored


#: From this many numbers of one seller on, a fact is read with one ``IN`` query per chunk
#: rather than one query per number.
BULK_FROM = 8


@dataclass(slots=True)
class FactWants:
    """Which stored facts a batch reads.

    Per seller, the numbers whose consents or history its decisions can depend on (with the
    earliest instant of history wanted), and how many attempts ask for the emergencies in force.
    """

    consents: dict[str, set[int]] = field(default_factory=dict)
    history: dict[str, tuple[set[int], datetime]] = field(default_factory=dict)
    instants: int = 0

    @classmethod
    def of(cls, prepared: Iterable[PreparedAttempt], lookback: timedelta) -> FactWants:
        """What ``prepared`` attempts want, by their fact needs (``Gate.needs``)."""
        wants = cls()
        for attempt, number, _hits, ready, _reads_db in prepared:
            if number is None or ready is None:
                continue
            wants.add(number, attempt.seller, attempt.at - lookback, ready.needs)
        return wants

    def add(self, number: int, seller: str, since: datetime, needs: FactNeeds) -> None:
        """Want the facts ``needs`` names of one number and seller (history from ``since``)."""
        self.add_many((number,), seller, since, needs)

    def add_many(
        self, numbers: Collection[int], seller: str, since: datetime, needs: FactNeeds
    ) -> None:
        """Want the facts ``needs`` names of these numbers and one seller.

        History is wanted from ``since``, the earliest instant any of them wants it from.
        """
        if needs.consents:
            self.consents.setdefault(seller, set()).update(numbers)
        if needs.history:
            wanted, earliest = self.history.get(seller, (set(), since))
            wanted.update(numbers)
            self.history[seller] = (wanted, min(earliest, since))
        if needs.emergencies:
            self.instants += len(numbers)


class StoredFacts:
    """The stored facts of a batch of attempts, read per seller in as few queries as it takes.

    Each fact is read only for the numbers whose decision can depend on it (``Gate.needs``),
    in the order the single-number queries give (consents and history oldest first).
    """

    def __init__(self, points: FactReads, wants: FactWants, *, bulk: bool) -> None:
        """Read consents, history and reassignments for the numbers that want them.

        ``points`` reads them one number at a time for a few numbers, and with its bulk reads
        for more where ``bulk`` allows (false for a single check's few numbers).
        """
        self._points = points
        self._bulk = bulk
        consents = wants.consents
        history = wants.history
        self._instants = wants.instants
        self._consents = {
            seller: _read(
                numbers,
                partial(points.consents, seller=seller),
                partial(self._many_consents, seller=seller),
            )
            for seller, numbers in consents.items()
        }
        self._history = {
            seller: _read(
                numbers,
                partial(points.recent, seller=seller, since=since),
                partial(self._many_recent, seller=seller, since=since),
            )
            for seller, (numbers, since) in history.items()
        }
        consenting = {n for found in self._consents.values() for n in found}
        self._reassigned = _read(
            consenting,
            points.disconnected_at,
            self._many_disconnected,
        )
        self._recorded: dict[tuple[int, str], list[PastAttempt]] = {}
        self._exemptions: dict[str, Mapping[str, str]] = {}
        self._declarations: tuple[EmergencyDeclaration, ...] | None = None
        self._holders: dict[str, tuple[frozenset[int], dict[int, datetime]]] = {}

    def consents(self, number: int, seller: str) -> tuple[Consent, ...]:
        """The number's consents to the seller, oldest first."""
        return self._consents.get(seller, {}).get(number, ())

    def history(self, number: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        """The seller's attempts to the number at or after ``since``, oldest first.

        Attempts recorded earlier in this batch come last, as they would from the database.
        """
        stored = self._history.get(seller, {}).get(number, ())
        found = tuple(p for p in stored if p.at >= since)
        recorded = self._recorded.get((number, seller))
        if recorded:
            found += tuple(p for p in recorded if p.at >= since)
            found = tuple(sorted(found, key=lambda p: p.at))
        return found

    def holds(self, number: int, seller: str, since: datetime, needs: FactNeeds) -> bool:
        """Whether the number holds consents or history (from ``since``) that ``needs`` names."""
        if needs.consents and self.consents(number, seller):
            return True
        return needs.history and bool(self.history(number, seller, since))

    def holder_index(self, seller: str) -> tuple[frozenset[int], dict[int, datetime]]:
        """For ``holds`` over many numbers: who holds consents, and each one's latest attempt.

        A number holds history from ``since`` when its latest attempt by the seller is at or
        after ``since``. For batches that record nothing (attempts recorded in this batch would
        not be counted).
        """
        if self._recorded:
            msg = "holder_index does not count attempts recorded in this batch"
            raise RuntimeError(msg)
        found = self._holders.get(seller)
        if found is None:
            consenting = frozenset(n for n, c in self._consents.get(seller, {}).items() if c)
            latest = {
                n: max(p.at for p in h) for n, h in self._history.get(seller, {}).items() if h
            }
            found = self._holders[seller] = (consenting, latest)
        return found

    def recorded(self, past: PastAttempt) -> None:
        """Count an attempt recorded in this batch in the history of the later ones."""
        self._recorded.setdefault((past.phone, past.seller), []).append(past)

    def reassigned(self, number: int) -> datetime | None:
        """When the number was last permanently disconnected, if ever."""
        return self._reassigned.get(number)

    def exemptions(self, seller: str) -> Mapping[str, str]:
        """The lists the seller says do not apply to it (read once per batch)."""
        found = self._exemptions.get(seller)
        if found is None:
            found = self._exemptions[seller] = self._points.exemptions(seller)
        return found

    def emergencies(self, states: set[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        """Declarations of these states in force at ``at``, oldest first.

        A single attempt asks the database; a batch reads the declarations in force during
        its span once.
        """
        if self._instants < BULK_FROM or not self._bulk:
            found = self._points.emergencies(states, at)
        else:
            found = tuple(
                e
                for e in self.declarations()
                if e.state in states and e.starts_at <= at < e.ends_at
            )
        return tuple(sorted(found, key=_declaration_order))

    def declarations(self) -> tuple[EmergencyDeclaration, ...]:
        """Every stored emergency declaration, read once (a bulk read)."""
        if self._declarations is None:
            self._declarations = self._points_for_bulk().declarations()
        return self._declarations

    def _many_consents(
        self, phones: npt.NDArray[np.int64], seller: str
    ) -> dict[int, tuple[Consent, ...]]:
        return self._points_for_bulk().consents_for_numbers(phones, seller)

    def _many_recent(
        self, phones: npt.NDArray[np.int64], seller: str, since: datetime
    ) -> dict[int, tuple[PastAttempt, ...]]:
        return self._points_for_bulk().recent_for_numbers(phones, seller, since)

    def _many_disconnected(self, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
        return self._points_for_bulk().disconnected_for_numbers(phones)

    def _points_for_bulk(self) -> FactReads:
        """The reads, for a bulk read (only asked for with ``BULK_FROM`` numbers)."""
        if not self._bulk:
            msg = "these stored facts are read one number at a time"
            raise RuntimeError(msg)
        return self._points


class _UnitOfWorkReads:
    """``FactReads`` through a unit of work's repositories (already open)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __enter__(self) -> _UnitOfWorkReads:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        return None

    def consents(self, phone: int, seller: str) -> tuple[Consent, ...]:
        return self._uow.consents.for_number(phone, seller)

    def recent(self, phone: int, seller: str, since: datetime) -> tuple[PastAttempt, ...]:
        return self._uow.history.recent(phone, seller, since)

    def disconnected_at(self, phone: int) -> datetime | None:
        return self._uow.reassigned.disconnected_at(phone)

    def exemptions(self, seller: str) -> Mapping[str, str]:
        return self._uow.sellers.exemptions(seller)

    def emergencies(self, states: Iterable[str], at: datetime) -> tuple[EmergencyDeclaration, ...]:
        return self._uow.emergencies.active(states, at)

    def consents_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str
    ) -> dict[int, tuple[Consent, ...]]:
        return self._uow.consents.consents_for_numbers(phones, seller)

    def recent_for_numbers(
        self, phones: npt.NDArray[np.int64], seller: str, since: datetime
    ) -> dict[int, tuple[PastAttempt, ...]]:
        return self._uow.history.recent_for_numbers(phones, seller, since)

    def disconnected_for_numbers(self, phones: npt.NDArray[np.int64]) -> dict[int, datetime]:
        return self._uow.reassigned.disconnected_for_numbers(phones)

    def declarations(self) -> tuple[EmergencyDeclaration, ...]:
        return self._uow.emergencies.all()


class LazyUnitOfWork:
    """A unit of work opened on first use, closed with the check."""

    def __init__(self, factory: Callable[[], UnitOfWork], stack: contextlib.ExitStack) -> None:
        """Open units of work from ``factory`` on ``stack`` (closed with it)."""
        self._factory = factory
        self._stack = stack
        self._uow: UnitOfWork | None = None

    def get(self) -> UnitOfWork:
        """The unit of work, opened on the first call."""
        if self._uow is None:
            self._uow = self._stack.enter_context(self._factory())
        return self._uow


def _declaration_order(e: EmergencyDeclaration) -> tuple[object, ...]:
    return (e.starts_at, e.state, e.ends_at, e.citation, sorted(e.zips))


T = TypeVar("T")


def _read(
    numbers: set[int],
    one: Callable[[int], T | None],
    many: Callable[[npt.NDArray[np.int64]], dict[int, T]],
) -> dict[int, T]:
    """A fact of each number: one query per number for a few, chunked ``IN`` queries for more.

    Numbers without the fact are left out.
    """
    if len(numbers) < BULK_FROM:
        found = {n: one(n) for n in sorted(numbers)}
        return {n: v for n, v in found.items() if v is not None and v != ()}
    return many(np.fromiter(numbers, dtype=np.int64, count=len(numbers)))


def _touches_db(needs: FactNeeds, attempt: Attempt) -> bool:
    """Whether any fact of this attempt lives in the database."""
    return (
        needs.consents
        or needs.history
        or needs.emergencies
        or needs.exemptions
        or attempt.method is Method.PREDICTIVE
    )


def history_lookback(rules: RuleSet) -> timedelta:
    """How far back a decision needs the call history: the longest frequency window, plus a day.

    Calendar-day windows and quiet periods reach back to the start of a local day, so they get
    one extra day; never less than ``HISTORY_LOOKBACK``.
    """
    longest = HISTORY_LOOKBACK
    for cap in rules.frequency_caps:
        for span in (
            timedelta(hours=cap.window_hours or 0),
            timedelta(days=(cap.window_days or 0) + 1),
            timedelta(days=(cap.quiet_days_after_conversation or 0) + 1),
        ):
            longest = max(longest, span)
    return longest


def _as_past(attempt: Attempt, number: int) -> PastAttempt:
    """An allowed check recorded as an attempt whose outcome is not yet known."""
    return PastAttempt(
        phone=number,
        at=attempt.at,
        seller=attempt.seller,
        campaign=attempt.campaign,
        purpose=attempt.purpose,
        channel=attempt.channel,
        method=attempt.method,
        outcome=Outcome.NO_ANSWER,
    )
