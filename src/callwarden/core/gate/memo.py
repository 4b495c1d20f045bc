"""Decisions reused for attempts the rules cannot tell apart.

A decision depends on the number only through its candidate jurisdictions and the lists it is
on, and on the instant only at whole minutes of UTC: calling windows open and close on the
minute, days begin at local midnight (every US zone is a whole number of hours from UTC), and
rules take effect on local days. Stored facts carry instants of their own (consents and their
revocations, past calls, a disconnection), so attempts with those are decided afresh, except
where the instants cannot matter: consents of lasting kinds given before the minute, never
revoked, to a number never disconnected count as their kinds alone, and a call history no
frequency cap could count to its limit counts as none (``own_facts``).
Emergencies and campaign statistics are part of the key, so an emergency that starts
within a minute gives the attempts before and after it different keys. The one instant left is
a list's refresh time: a list goes stale, and a stale list's message counts whole days, at its
refresh time plus a whole number of days; a minute containing such an instant is never reused,
nor one within which a declared emergency starts or ends.

So two attempts of the same kind (purpose, channel, method, line type, seller, campaign where a
rule names it, address, and the instant's time zone, in which ``next_allowed_at`` is written)
to numbers with the same candidates and list hits, in the same minute, with the same stored
facts (as above) and seller policy, get the same decision but for the attempt id and the
number. Tests hold reused decisions to fresh ones over randomized attempts, instants and facts.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from callwarden.core.decision import Decision
from callwarden.core.gate import _rows
from callwarden.core.gate._consents import settled_kinds
from callwarden.core.gate.context import CheckContext, Facts, SellerPolicy
from callwarden.core.gate.frequency import history_is_inert
from callwarden.core.gate.gate import Gate, Prepared, relevant_hits
from callwarden.core.gate.numbering import e164
from callwarden.core.rules.model import AbandonmentRule
from callwarden.core.types import ConsentKind

#: Each list's refresh time in UTC, by list name.
_Refreshed = tuple[tuple[str, datetime], ...]
_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
#: ``own_facts`` of a number that holds none.
NO_FACTS: frozenset[ConsentKind] = frozenset()


class Interner:
    """Small numbers standing for hashable values, in a table of at most ``limit`` entries.

    Equal values get the same number while the table holds them. A number is never given to
    two values, even after a full table starts over: a key made with an earlier number can
    never match a key made later, whoever still holds it.
    """

    def __init__(self, limit: int) -> None:
        """An empty table of at most ``limit`` values."""
        self._limit = limit
        self._numbers: dict[object, int] = {}
        self._count = itertools.count()

    def __call__(self, value: object) -> int:
        """The number standing for ``value``."""
        found = self._numbers.get(value)
        if found is None:
            if len(self._numbers) >= self._limit:
                self._numbers.clear()
            found = self._numbers[value] = next(self._count)
        return found


class DecisionMemo:
    """Decide prepared attempts with ``gate``, reusing the decision of an identical attempt."""

    LIMIT = 16_384

    def __init__(self, gate: Gate) -> None:
        """Remember decisions of ``gate`` (bounded; starts over when full)."""
        self.gate = gate
        self._decisions: dict[tuple[object, ...], Decision] = {}
        self._refreshed: tuple[Mapping[str, datetime] | None, _Refreshed] = (None, ())
        self._safe: dict[tuple[_Refreshed, datetime], bool] = {}
        self._abandonment: _rows.Applicable[AbandonmentRule] = _rows.Applicable("abandonment")
        self._numbers = Interner(self.LIMIT)
        self._prepared: dict[int, tuple[Prepared, int, datetime]] = {}

    def decide(
        self, prepared: Prepared, facts: Facts, policy: SellerPolicy | None = None
    ) -> Decision:
        """The decision ``gate.decide_prepared`` gives, reused where the key allows."""
        decision, _shared = self.decide_keyed(prepared, facts, policy)
        return decision

    def decide_keyed(
        self,
        prepared: Prepared,
        facts: Facts,
        policy: SellerPolicy | None = None,
        *,
        again: bool = False,
    ) -> tuple[Decision, bool]:
        """The decision, and whether every attempt with the same key gets it too.

        False when no key applies (stored facts of the number's own, or a minute within which
        a list goes stale or an emergency starts or ends): the decision is this attempt's only.
        ``again`` says the caller will ask about this prepared attempt again (a batch's group):
        its part of the key is then remembered for it.
        """
        key = self._key(prepared, facts, policy or SellerPolicy(), again=again)
        if key is None:
            return self.gate.decide_prepared(prepared, facts, policy), False
        found = self._decisions.get(key)
        attempt = prepared.ctx.attempt
        if found is None:
            found = self.gate.decide_prepared(prepared, facts, policy)
            if len(self._decisions) >= self.LIMIT:
                self._decisions.clear()
            self._decisions[key] = found
            return found, True
        if found.attempt_id == attempt.id:
            return found, True
        return found.for_attempt(attempt.id, e164(prepared.ctx.national)), True

    def _key(
        self, prepared: Prepared, facts: Facts, policy: SellerPolicy, *, again: bool = False
    ) -> tuple[object, ...] | None:
        static, minute = self._attempt_key(prepared, again=again)
        own = own_facts(prepared.ctx, facts, minute)
        if own is None:
            return None
        refreshed = self._refreshed_key(facts.list_refreshed)
        if not self._minute_is_safe(refreshed, minute):
            return None
        for e in facts.emergencies:  # one that starts or ends within the minute
            if minute < _rows.utc(e.starts_at) < minute + _MINUTE:
                return None
            if minute < _rows.utc(e.ends_at) < minute + _MINUTE:
                return None
        hits = relevant_hits(facts.dnc_hits, prepared.ctx.candidates)
        exempt = policy.exempt_lists
        return (
            static,
            hits,
            facts.emergencies,
            facts.abandonment,
            refreshed,
            policy.litigator_blocks,
            tuple(sorted(exempt.items())) if exempt else (),
            own,
        )

    def names_campaign(self, prepared: Prepared) -> bool:
        """Whether the attempt's campaign is part of its key (an abandonment rule applies)."""
        ctx = prepared.ctx
        return bool(self._abandonment.across(ctx, ctx.attempt.at))

    def _attempt_key(self, prepared: Prepared, *, again: bool) -> tuple[int, datetime]:
        """What the key takes from the attempt itself, as a number, and its UTC minute.

        The attempt's part (its kind, seller, campaign where a rule names it, address, minute,
        zone and candidates) is numbered once per distinct value, and with ``again`` remembered
        per prepared attempt: a batch group asked about in every batch of its minute hashes it
        once. Numbers are never given again, so a key made before the table started over never
        matches a later one.
        """
        found = self._prepared.get(id(prepared)) if again else None
        if found is not None and found[0] is prepared:
            return found[1], found[2]
        ctx = prepared.ctx
        a = ctx.attempt
        minute = _rows.utc(a.at).replace(second=0, microsecond=0)
        tz = a.at.tzinfo
        zone: object = tz if isinstance(tz, ZoneInfo) else a.at.utcoffset()
        campaign = a.campaign if self.names_campaign(prepared) else None
        part = (
            a.purpose,
            a.channel,
            a.method,
            a.line_type,
            a.seller,
            campaign,
            a.address,
            minute,
            zone,
            ctx.candidates,
        )
        number = self._numbers(part)
        if again:
            if len(self._prepared) >= self.LIMIT:
                self._prepared.clear()
            self._prepared[id(prepared)] = (prepared, number, minute)
        return number, minute

    def _refreshed_key(self, refreshed: Mapping[str, datetime]) -> _Refreshed:
        """The refresh times as a key, computed once per mapping the caller passes."""
        known, key = self._refreshed
        if known is not refreshed:
            key = tuple(sorted((name, _rows.utc(at)) for name, at in refreshed.items()))
            self._refreshed = (refreshed, key)
        return key

    def _minute_is_safe(self, refreshed: _Refreshed, minute: datetime) -> bool:
        """Whether no list's refresh time plus whole days falls within ``minute``.

        An instant ``r + k days`` at the minute's first microsecond counts too: a list is
        fresh up to and including it, and stale one microsecond later.
        """
        found = self._safe.get((refreshed, minute))
        if found is None:
            found = True
            for _name, at in refreshed:
                rest = (minute - at) % _DAY
                if rest == timedelta(0) or rest + _MINUTE > _DAY:
                    found = False
                    break
            if len(self._safe) >= self.LIMIT:
                self._safe.clear()
            self._safe[(refreshed, minute)] = found
        return found


def own_facts(ctx: CheckContext, facts: Facts, minute: datetime) -> frozenset[ConsentKind] | None:
    """The number's own stored facts as part of a key, or None when they must be decided afresh.

    ``minute`` is the start of the attempt's UTC minute. Consents settled by then count as their
    kinds (``settled_kinds``); a history that no cap could count to its limit
    (``history_is_inert``) counts as none. Any other consent, history or disconnection is the
    attempt's own.
    """
    if not facts.consents and not facts.history and facts.reassigned_at is None:
        return NO_FACTS
    if not history_is_inert(ctx, facts.history):
        return None
    return settled_kinds(facts.consents, ctx.attempt.seller, minute, facts.reassigned_at)
