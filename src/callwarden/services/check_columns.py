"""The batch check, column by column: thousands of attempts, one decision per kind of attempt.

``CheckService.check`` prepares every attempt on its own: it normalizes the phone, finds the
jurisdictions, asks each DNC list, works out which stored facts can matter, and only then lets
the decision memo answer. In a dialer's batch most of that work repeats. Here the phones are
normalized, located in the numbering plan and tested against every list as arrays (as the scrub
does), and the attempts are grouped by what the decision memo can tell apart: the number's
numbering-plan group (its candidate jurisdictions), its list hits, the attempt's purpose,
channel, method, line type, seller, UTC minute and UTC offset, and its campaign where an
abandonment rule applies (the memo names the campaign only then).

One attempt of each group is prepared as ``CheckService`` prepares it (and remembered for later
batches of the same minute); the group's decision is the memo's decision for it, with the facts
that every attempt of the group shares (list refresh times, emergencies, the campaign's
abandonment rate, the seller's exemptions). A number holding stored facts its decision can
depend on shares the decision of its group's attempts whose facts key alike
(``memo.own_facts``: consents of lasting kinds given before the minute and never revoked count
as their kinds; a call history no cap could count to its limit counts as none). Attempts are
decided on their own, exactly as ``CheckService.check`` decides them, when the group cannot
answer for them:

- the number holds stored facts that do not key (a consent given within the minute, revoked,
  or an established business relationship, which lapses; a disconnection; a history that
  reaches a cap or a quiet period);
- the memo keeps no key for the group (a list goes stale, or an emergency starts or ends,
  within the minute);
- the attempt gives an address, or a UTC offset that is not a whole number of minutes;
- its phone is valid for the single check but not for the arrays (never seen; checked anyway).

A decision is therefore the one ``CheckService.check`` gives for the same attempt, but for the
attempt id and phone, which each attempt gets back as its own. Recording checks (``record``)
keep the one-by-one path, where an allowed attempt counts in the history of the later ones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import overload

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.core.decision import Decision
from callwarden.core.gate import bulk
from callwarden.core.gate.context import Facts
from callwarden.core.gate.gate import Prepared
from callwarden.core.gate.memo import NO_FACTS, Interner, own_facts
from callwarden.core.gate.needs import FactNeeds
from callwarden.core.types import (
    Address,
    Attempt,
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    LineType,
    Method,
    Purpose,
)
from callwarden.errors import InvalidInput
from callwarden.services.check import (
    CheckService,
    FactWants,
    LazyUnitOfWork,
    PreparedAttempt,
    StoredFacts,
)
from callwarden.services.numbers import list_hits, locate
from callwarden.services.phone_column import phone_numbers

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NEVER = datetime.min.replace(tzinfo=UTC)
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptColumns:
    """Many attempts as columns: one value per attempt in each (``Attempt``'s fields)."""

    ids: Sequence[str]
    phones: Sequence[str]
    at: Sequence[datetime]
    channel: Sequence[Channel]
    purpose: Sequence[Purpose]
    method: Sequence[Method]
    campaign: Sequence[str]
    seller: Sequence[str]
    line_type: Sequence[LineType]
    address: Sequence[Address | None]

    def __post_init__(self) -> None:
        """Every column has one value per attempt."""
        sizes = {len(getattr(self, name)) for name in self.__slots__}
        if len(sizes) > 1:
            msg = "every column of AttemptColumns must have one value per attempt"
            raise ValueError(msg)

    def __len__(self) -> int:
        """How many attempts."""
        return len(self.ids)

    def row(self, i: int) -> Attempt:
        """Attempt ``i``."""
        return Attempt(
            id=self.ids[i],
            phone=self.phones[i],
            at=self.at[i],
            channel=self.channel[i],
            purpose=self.purpose[i],
            method=self.method[i],
            campaign=self.campaign[i],
            seller=self.seller[i],
            address=self.address[i],
            line_type=self.line_type[i],
        )

    @classmethod
    def of(cls, attempts: Sequence[Attempt]) -> AttemptColumns:
        """The columns of ``attempts``."""
        return cls(
            ids=[a.id for a in attempts],
            phones=[a.phone for a in attempts],
            at=[a.at for a in attempts],
            channel=[a.channel for a in attempts],
            purpose=[a.purpose for a in attempts],
            method=[a.method for a in attempts],
            campaign=[a.campaign for a in attempts],
            seller=[a.seller for a in attempts],
            line_type=[a.line_type for a in attempts],
            address=[a.address for a in attempts],
        )


class BatchDecisions(Sequence[Decision]):
    """The decisions of a batch, in input order, sharing one object per distinct decision.

    ``distinct[which[i]]`` is attempt ``i``'s decision but for the attempt id and the phone,
    which are ``ids[i]`` and ``phones[i]``; indexing gives the decision with both filled in.
    """

    __slots__ = ("distinct", "ids", "phones", "which")

    def __init__(
        self,
        distinct: list[Decision],
        which: list[int],
        ids: Sequence[str],
        phones: list[str | None],
    ) -> None:
        """Bind the distinct decisions and, per attempt, its decision, id and phone."""
        self.distinct = distinct
        self.which = which
        self.ids = ids
        self.phones = phones

    def __len__(self) -> int:
        """How many attempts."""
        return len(self.which)

    @overload
    def __getitem__(self, i: int) -> Decision: ...

    @overload
    def __getitem__(self, i: slice) -> list[Decision]: ...

    def __getitem__(self, i: int | slice) -> Decision | list[Decision]:
        """Attempt ``i``'s decision."""
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        found = self.distinct[self.which[i]]
        attempt_id, phone = self.ids[i], self.phones[i]
        if found.attempt_id == attempt_id and found.phone_e164 == phone:
            return found
        return found.for_attempt(attempt_id, phone)

    def __iter__(self) -> Iterator[Decision]:
        """The decisions in input order."""
        return (self[i] for i in range(len(self)))


class ColumnarCheck:
    """Decide a batch of attempts given as columns, as ``CheckService.check`` would."""

    #: Prepared attempts remembered per group (each holds for its minute).
    LIMIT = 16_384

    def __init__(self, service: CheckService) -> None:
        """Decide with ``service``'s gate, stores and decision memo."""
        self.service = service
        # Per group key: its prepared attempt, and whether an abandonment rule names its
        # campaign (``DecisionMemo.names_campaign``).
        self._prepared: dict[tuple[object, ...], tuple[PreparedAttempt, bool]] = {}
        self._decided: dict[tuple[object, ...], tuple[Decision, bool]] = {}
        # Numbers for the shared facts in the keys of ``_decided`` (never given twice).
        self._intern = Interner(self.LIMIT)

    @cached_property
    def groups(self) -> bulk.PrefixGroups:
        """The numbering plan folded into groups (built on first use)."""
        return bulk.prefix_groups(self.service.gate.plan)

    def check(self, columns: AttemptColumns) -> BatchDecisions:
        """Decide every attempt (nothing is recorded)."""
        svc = self.service
        numbers = phone_numbers(pa.array(columns.phones, pa.string()))
        group = locate(numbers, self.groups, svc.gate.plan)
        sellers, seller_of = _codes(columns.seller)
        hits = list_hits(svc.dnc, numbers, group, self.groups, sellers=sellers, seller_of=seller_of)
        run = _Run(svc, columns, numbers, group, decided=self._decided, interned=self._intern)
        keyed, alone, invalid = _group_rows(columns, group, hits)
        # Where an array says invalid and the single check does not (never seen), it decides.
        invalid_rows = [i for i in invalid if svc.gate.national(columns.phones[i]) is None]
        if len(invalid_rows) < len(invalid):
            alone.extend(sorted(set(invalid) - set(invalid_rows)))
        plans = self._plan(run, keyed, alone)
        for i in alone:
            run.prepare_alone(i)
        with contextlib.ExitStack() as stack:
            run.open(stack, needs_emergencies=any(p.needs.emergencies for p in plans))
            for p in plans:
                run.decide_group(p)
            run.decide_alone()
            if invalid_rows:
                run.share(svc.gate.decide(columns.row(invalid_rows[0]), Facts()), invalid_rows)
        return BatchDecisions(run.distinct, run.index, columns.ids, run.phones)

    def _plan(
        self, run: _Run, keyed: dict[tuple[object, ...], list[int]], alone: list[int]
    ) -> list[_Group]:
        """Each group's prepared attempt (remembered), and what its attempts want read."""
        plans: list[_Group] = []
        campaigns = run.columns.campaign
        for key, rows in keyed.items():
            planned = self._prepared_for(key, run.columns, rows[0])
            if planned is None:  # the single check disagrees
                alone.extend(rows)
                continue
            item, names_campaign = planned
            parts = [(key, item, rows)]
            if names_campaign:  # an abandonment rule applies
                by_campaign: dict[str, list[int]] = {}
                for r in rows:
                    by_campaign.setdefault(campaigns[r], []).append(r)
                parts = []
                for campaign, subset in by_campaign.items():
                    subkey = (*key, campaign)
                    found = self._prepared_for(subkey, run.columns, subset[0])
                    if found is None:
                        alone.extend(subset)
                    else:
                        parts.append((subkey, found[0], subset))
            for part_key, part_item, part_rows in parts:
                group = _Group(part_key, part_item, part_rows)
                plans.append(group)
                run.want(group)
        return plans

    def _prepared_for(
        self, key: tuple[object, ...], columns: AttemptColumns, row: int
    ) -> tuple[PreparedAttempt, bool] | None:
        """The group's prepared attempt and whether an abandonment rule names its campaign.

        Remembered, else worked out for ``row`` (None if the single check finds it invalid).
        """
        found = self._prepared.get(key)
        if found is None:
            item = self.service.prepare(columns.row(row))
            if item.prepared is None:
                return None
            found = (item, self.service.memo.names_campaign(item.prepared))
            if len(self._prepared) >= self.LIMIT:
                self._prepared.clear()
            self._prepared[key] = found
        return found


class _Run:
    """One batch being decided: its arrays, the stored facts it reads, its decisions."""

    def __init__(
        self,
        service: CheckService,
        columns: AttemptColumns,
        numbers: npt.NDArray[np.int64],
        group: npt.NDArray[np.uint16],
        *,
        decided: dict[tuple[object, ...], tuple[Decision, bool]],
        interned: Callable[[object], int],
    ) -> None:
        self.service = service
        self.decided = decided
        self.interned = interned
        self.refreshed_key: tuple[tuple[str, datetime], ...] = ()
        self.env_ids: dict[object, int] = {}
        self.columns = columns
        self.numbers = numbers
        self.number_list: list[int] = numbers.tolist()
        self.phones = _e164(numbers, group)
        self.distinct: list[Decision] = []
        self.index = [0] * len(columns)
        self.wants = FactWants()
        self.reads = False
        self.singles: dict[int, PreparedAttempt] = {}
        self.work: LazyUnitOfWork | None = None
        self.stored: StoredFacts | None = None
        self.unsafe: frozenset[int] = frozenset()
        self.refreshed: Mapping[str, datetime] = {}

    def want(self, group: _Group) -> None:
        """Read the stored facts the group's attempts can depend on."""
        item, needs = group.item, group.needs
        self.reads = self.reads or item.reads_db
        if item.reads_db and (needs.consents or needs.history or needs.emergencies):
            # From the start of the group's minute: no later than any of its attempts wants.
            since = group.minute - self.service.lookback
            numbers = self.number_list
            wanted = [numbers[r] for r in group.rows]
            self.wants.add_many(wanted, item.attempt.seller, since, needs)

    def prepare_alone(self, row: int) -> None:
        """Prepare a row that decides alone, and read the stored facts it needs."""
        item = self.service.prepare(self.columns.row(row))
        self.singles[row] = item
        if item.number is not None and item.prepared is not None and item.reads_db:
            self.reads = True
            since = item.attempt.at - self.service.lookback
            self.wants.add(item.number, item.attempt.seller, since, item.prepared.needs)

    def open(self, stack: contextlib.ExitStack, *, needs_emergencies: bool) -> None:
        """Read the stored facts wanted (in one read, closed with ``stack``).

        Through the service's driver reads where it has them (a unit of work's ORM machinery
        cost as much as the reads themselves), else through a unit of work.
        """
        svc = self.service
        self.work = LazyUnitOfWork(svc.uow, stack)
        if self.reads:
            if svc.reads is not None:
                points = stack.enter_context(svc.reads())
                self.stored = StoredFacts(points, self.wants, bulk=True)
            else:
                self.stored = svc.read_stored(self.work.get(), self.wants)
            if needs_emergencies:
                self.unsafe = _unsafe_minutes(self.stored.declarations())
        self.refreshed = self.service.dnc.refreshed()
        self.refreshed_key = tuple(sorted(self.refreshed.items()))

    def share(self, decision: Decision, rows: Sequence[int]) -> None:
        """``decision`` holds for ``rows`` (but for their ids and phones)."""
        k = len(self.distinct)
        self.distinct.append(decision)
        for r in rows:
            self.index[r] = k

    def decide_group(self, group: _Group) -> None:
        """The group's decision for the rows it holds for; the other rows decide alone.

        Those are the rows whose numbers hold stored facts their decision can depend on, or
        every row where the memo's decision holds only for its own attempt.
        """
        svc = self.service
        item, rows, needs = group.item, group.rows, group.needs
        if needs.emergencies and group.key[_MINUTE_AT] in self.unsafe:
            self._alone(group, rows)
            return
        decision, shared = self._group_decision(group)
        if not shared:
            self._alone(group, rows)
            return
        stored = self.stored
        if stored is None or not item.reads_db or not (needs.consents or needs.history):
            self.share(decision, rows)
            return
        consenting, latest = stored.holder_index(item.attempt.seller)
        consents, history = needs.consents, needs.history
        at, numbers, lookback = self.columns.at, self.number_list, svc.lookback
        holders = [  # as StoredFacts.holds, for every row of the group
            r
            for r in rows
            if (consents and numbers[r] in consenting)
            or (history and latest.get(numbers[r], _NEVER) >= at[r] - lookback)
        ]
        if holders:
            self._holders(group, holders)
            held = set(holders)
            rows = [r for r in rows if r not in held]
        if rows:
            self.share(decision, rows)

    def _holders(self, group: _Group, rows: Sequence[int]) -> None:
        """Rows of ``group`` whose numbers hold stored facts its decision can depend on.

        Facts that reduce to a key (``memo.own_facts``: settled consents, a history no cap can
        count to its limit) share one decision per key; the others decide alone.
        """
        stored = self.stored
        assert stored is not None  # noqa: S101 - holders are found in the stored facts
        ctx, needs = group.prepared.ctx, group.needs
        seller = group.item.attempt.seller
        minute = group.minute
        at, numbers, lookback = self.columns.at, self.number_list, self.service.lookback
        by_kind: dict[frozenset[ConsentKind], list[int]] = {}
        alone: list[int] = []
        for r in rows:
            number = numbers[r]
            consents = stored.consents(number, seller) if needs.consents else ()
            facts = Facts(
                consents=consents,
                history=stored.history(number, seller, at[r] - lookback) if needs.history else (),
                reassigned_at=stored.reassigned(number) if consents else None,
            )
            kinds = own_facts(ctx, facts, minute)
            if kinds is None:
                alone.append(r)
            else:
                by_kind.setdefault(kinds, []).append(r)
        for kinds, same in by_kind.items():
            decision, shared = self._group_decision(group, kinds)
            if shared:
                self.share(decision, same)
            else:
                alone.extend(same)
        if alone:
            self._alone(group, alone)

    def _group_decision(
        self, group: _Group, kinds: frozenset[ConsentKind] = NO_FACTS
    ) -> tuple[Decision, bool]:
        """The decision of the group's attempts whose own facts key as ``kinds``, and if shared.

        ``kinds`` is ``memo.own_facts`` of their stored facts: the kinds of their settled
        consents (none: they hold no stored facts that can change the decision). Remembered
        across batches under the group's key, ``kinds`` and everything else the decision
        reads: the lists' refresh times, the emergency declarations and the seller's list
        exemptions where the group needs them, and the campaign's abandonment statistics for
        a predictive dialer (its campaign is then part of the key when a rule applies).
        """
        svc = self.service
        assert self.work is not None  # noqa: S101 - opened before deciding
        item = group.item
        env = group.env
        if env is None:
            env = group.env = self._env(group)
        key = (group.key, env, kinds)
        found = self.decided.get(key)
        if found is not None:
            return found
        # Not the prepared attempt's own stored facts: those that key as ``kinds`` (consents of
        # those kinds given long ago), which decide as every attempt's facts of that key do.
        facts, policy = svc.facts_for(self.work, self.stored, item, self.refreshed, own=False)
        if kinds:
            assert item.number is not None  # noqa: S101 - a group's attempt has a number
            consents = tuple(
                Consent(phone=item.number, seller=item.attempt.seller, kind=kind, at=_EPOCH)
                for kind in sorted(kinds, key=list(ConsentKind).index)
            )
            facts = replace(facts, consents=consents)
        found = svc.memo.decide_keyed(group.prepared, facts, policy, again=True)
        if len(self.decided) >= ColumnarCheck.LIMIT:
            self.decided.clear()
        self.decided[key] = found
        return found

    def _env(self, group: _Group) -> tuple[object, ...]:
        """The facts every attempt of the group shares, as read for this batch, as a key."""
        item, needs = group.item, group.needs
        if self.stored is None or not item.reads_db:
            return (self._shared_env(emergencies=False),)
        assert self.work is not None  # noqa: S101 - opened before deciding
        attempt = item.attempt
        abandonment = None
        if attempt.method is Method.PREDICTIVE:
            states = set(group.prepared.ctx.states)
            abandonment = self.service.abandonment(self.work, attempt, states)
        return (
            self._shared_env(emergencies=needs.emergencies),
            self._exemptions_env(attempt.seller) if needs.exemptions else -1,
            abandonment,
        )

    def _shared_env(self, *, emergencies: bool) -> int:
        """The batch's list refresh times (and declarations, if asked for) as a small number."""
        found = self.env_ids.get(emergencies)
        if found is None:
            declarations: tuple[EmergencyDeclaration, ...] = ()
            if emergencies and self.stored is not None:
                declarations = self.stored.declarations()
            found = self.env_ids[emergencies] = self.interned((self.refreshed_key, declarations))
        return found

    def _exemptions_env(self, seller: str) -> int:
        """The seller's list exemptions (as read for this batch) as a small number."""
        key = ("exempt", seller)
        found = self.env_ids.get(key)
        if found is None:
            assert self.stored is not None  # noqa: S101 - asked only where facts are read
            exempt = tuple(sorted(self.stored.exemptions(seller).items()))
            found = self.env_ids[key] = self.interned(("exempt", exempt))
        return found

    def _alone(self, group: _Group, rows: Sequence[int]) -> None:
        """Rows of ``group`` that decide alone, prepared like the group's own attempt."""
        item, gate = group.item, self.service.gate
        for r in rows:
            attempt, number = self.columns.row(r), self.number_list[r]
            ready = gate.prepare_like(group.prepared, attempt, number)
            self.singles[r] = PreparedAttempt(attempt, number, item.hits, ready, item.reads_db)

    def decide_alone(self) -> None:
        """Decide each row that decides alone, as ``CheckService.check`` decides it."""
        svc = self.service
        assert self.work is not None  # noqa: S101 - opened before deciding
        for r, item in self.singles.items():
            if item.number is None or item.prepared is None:
                decision = svc.gate.decide(item.attempt, Facts())
            else:
                facts, policy = svc.facts_for(self.work, self.stored, item, self.refreshed)
                decision = svc.memo.decide(item.prepared, facts, policy)
            self.share(decision, (r,))
            self.phones[r] = decision.phone_e164


#: Where a group key holds the attempt's UTC minute.
_MINUTE_AT = 7


class _Group:
    """Attempts the decision memo cannot tell apart, and the one prepared for them all.

    What the group's work reads again and again is worked out once here: the prepared
    attempt's context and fact needs (``Gate.prepare``) and the start of its UTC minute.
    """

    __slots__ = ("env", "item", "key", "minute", "needs", "prepared", "rows")

    def __init__(self, key: tuple[object, ...], item: PreparedAttempt, rows: list[int]) -> None:
        """The group ``key``, its prepared attempt (valid: ``_plan`` keeps no other), its rows."""
        assert item.prepared is not None  # noqa: S101 - _plan keeps only prepared groups
        minutes = key[_MINUTE_AT]
        assert isinstance(minutes, int)  # noqa: S101 - _group_rows puts it there
        self.key = key
        self.item = item
        self.rows = rows
        self.prepared: Prepared = item.prepared
        self.needs: FactNeeds = item.prepared.needs
        self.minute = _EPOCH + minutes * _MINUTE
        # The shared facts its decisions read, as a key (``_Run._env``; once per batch).
        self.env: tuple[object, ...] | None = None


def _group_rows(
    columns: AttemptColumns, group: npt.NDArray[np.uint16], hits: npt.NDArray[np.uint8]
) -> tuple[dict[tuple[object, ...], list[int]], list[int], list[int]]:
    """Rows by group key; rows that decide alone; rows whose phone is not a valid number.

    The keys are zipped from whole columns (UTC minutes and offsets computed column by
    column), so a row costs one dictionary lookup. A valid row with an address, or with a UTC
    offset that is not a whole number of minutes, decides alone.
    """
    at = columns.at
    offsets = list(map(datetime.utcoffset, at))
    odd = {o for o in set(offsets) if o is None or o % _MINUTE}
    if None in odd:
        raise InvalidInput(f"attempt {offsets.index(None)}: at must carry a UTC offset")
    groups = group.tolist()
    alone: list[int] = []
    if odd or columns.address.count(None) != len(columns):
        each = zip(groups, columns.address, offsets, strict=True)
        alone = [
            i
            for i, (g, address, offset) in enumerate(each)
            if g and (address is not None or offset in odd)
        ]
    skip = set(alone)
    keyed: dict[tuple[object, ...], list[int]] = {}
    rows = zip(
        groups,
        hits.tolist(),
        columns.purpose,
        columns.channel,
        columns.method,
        columns.line_type,
        columns.seller,
        [(a - _EPOCH) // _MINUTE for a in at],
        offsets,
        strict=True,
    )
    for i, key in enumerate(rows):
        if skip and i in skip:
            continue
        found = keyed.get(key)
        if found is None:
            keyed[key] = [i]
        else:
            found.append(i)
    invalid = [i for key in [k for k in keyed if k[0] == 0] for i in keyed.pop(key)]
    return keyed, alone, sorted(invalid)


def _e164(numbers: npt.NDArray[np.int64], group: npt.NDArray[np.uint16]) -> list[str | None]:
    """``+1`` and the number where it is valid (a group's numbers have 10 digits), else None."""
    text = pc.binary_join_element_wise("+1", pc.cast(pa.array(numbers), pa.string()), "")
    valid = pa.array(np.asarray(group) != 0)
    found: list[str | None] = pc.if_else(valid, text, pa.scalar(None, pa.string())).to_pylist()
    return found


def _codes(values: Sequence[str]) -> tuple[list[str], npt.NDArray[np.intp]]:
    """The distinct values in order of appearance, and each row's index into them."""
    encoded = pa.array(values, pa.string()).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)
    return encoded.dictionary.to_pylist(), codes


def _unsafe_minutes(declarations: Sequence[EmergencyDeclaration]) -> frozenset[int]:
    """UTC minutes within which (after their first instant) an emergency starts or ends."""
    found = set()
    for e in declarations:
        for edge in (e.starts_at, e.ends_at):
            minute, rest = divmod(edge - _EPOCH, _MINUTE)
            if rest:
                found.add(minute)
    return frozenset(found)


__all__ = ["AttemptColumns", "BatchDecisions", "ColumnarCheck"]
