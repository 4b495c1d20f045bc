"""Rule rows that apply to an attempt: in force on the local day, and in scope.

Shared by the checks. A row applies to a candidate jurisdiction when it is federal or of the
candidate's state, is in force on the candidate's local date, and its scope covers the
attempt's purpose, channel, method and line type.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

from callwarden.core.gate.check import RuleSetMemo, zone
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import FEDERAL, RuleMeta, Scope
from callwarden.core.rules.ruleset import RuleSet

_DAY = timedelta(days=1)


class Scoped(Protocol):
    """A rule row with a scope."""

    @property
    def meta(self) -> RuleMeta:
        """Identity, place, dates and citation."""
        ...

    @property
    def scope(self) -> Scope:
        """Which attempts the row covers."""
        ...


S = TypeVar("S", bound=Scoped)


class Applicable(Generic[S]):
    """The rows of one family that apply to an attempt, memoized per rule set.

    A check keeps one per family it reads. The answer depends only on the rule set, the
    jurisdiction, the day and the attempt's purpose, channel, method and line type, so it is
    computed once per such key (the memo is bounded and starts over with another rule set).
    """

    def __init__(self, family: str) -> None:
        """Memoize rows of ``family`` (a ``RuleSet`` field name such as ``"dnc_lists"``)."""
        self.family = family
        self._rows: RuleSetMemo[tuple[object, ...], tuple[S, ...]] = RuleSetMemo()

    def at(self, ctx: CheckContext, state: str | None, day: date) -> tuple[S, ...]:
        """Federal rows and rows of ``state`` in force on ``day`` that cover the attempt."""
        a = ctx.attempt
        memo = self._memo(ctx.rules)
        key = (state, day, a.purpose, a.channel, a.method, a.line_type)
        found = memo.get(key)
        if found is None:
            rows: list[S] = ctx.rules.rows(self.family, [state], day)
            found = tuple(
                r for r in rows if r.scope.covers(a.purpose, a.channel, a.method, a.line_type)
            )
            memo[key] = found
        return found

    def across(self, ctx: CheckContext, instant: datetime) -> tuple[S, ...]:
        """Rows that apply in any candidate's jurisdiction on its local date, each once.

        Federal rows come first, then state rows, each group ordered by rule id. At the
        attempt's own instant the answer is kept in the context, for the other checks that
        read the same family.
        """
        own = instant is ctx.attempt.at
        if own:
            known = ctx.memo.get(self.family)
            if known is not None:
                return known  # type: ignore[return-value]
        found = self._across(ctx, instant)
        if own:
            ctx.memo[self.family] = found
        return found

    def _across(self, ctx: CheckContext, instant: datetime) -> tuple[S, ...]:
        key = _places_key(ctx, instant)
        memo = self._memo(ctx.rules)
        found = memo.get(key)
        if found is None:
            unique: dict[str, S] = {}
            for state, day in key[0]:  # type: ignore[attr-defined]
                for row in self.at(ctx, state, day):
                    unique.setdefault(row.meta.id, row)
            found = tuple(
                sorted(unique.values(), key=lambda r: (r.meta.jurisdiction != FEDERAL, r.meta.id))
            )
            memo[key] = found
        return found

    def _memo(self, rules: RuleSet) -> dict[tuple[object, ...], tuple[S, ...]]:
        return self._rows.of(rules)


class Liftable:
    """Whether a consent may lift a row of one family in a candidate's jurisdiction.

    Only where a row of the federal rules or of a candidate state is ``unless_consent`` can a
    consent change what the family's check allows; elsewhere its memos hold with consents too.
    """

    def __init__(self, family: str) -> None:
        """For rows of ``family`` (a ``RuleSet`` field whose rows have ``unless_consent``)."""
        self.family = family
        #: The states (None: federal) with a row a consent lifts, and their rule set.
        self._lifting: tuple[RuleSet | None, frozenset[str | None]] = (None, frozenset())

    def __call__(self, ctx: CheckContext) -> bool:
        """Whether some row of a candidate's jurisdiction (on any day) is ``unless_consent``."""
        known, lifting = self._lifting
        if known is not ctx.rules:  # one rule set at a time, known by identity
            rows = getattr(ctx.rules, self.family)
            lifting = frozenset(r.meta.state for r in rows if r.unless_consent)
            self._lifting = (ctx.rules, lifting)
        return None in lifting or any(c.state in lifting for c in ctx.candidates)


def places_key(ctx: CheckContext) -> tuple[object, ...]:
    """What the rows in scope at the attempt's own instant depend on, as a key.

    The candidates' states and local dates, and the attempt's purpose, channel, method and
    line type: two contexts with equal keys have the same rows of every family.
    """
    return _places_key(ctx, ctx.attempt.at)


def _places_key(ctx: CheckContext, instant: datetime) -> tuple[object, ...]:
    """The candidates' (state, local date) at ``instant`` and the attempt's scope.

    At the attempt's own instant it is computed once per context.
    """
    own = instant is ctx.attempt.at
    if own:
        known = ctx.memo.get(_PLACES)
        if known is not None:
            return known  # type: ignore[return-value]
    places = tuple(
        (cand.state, local.date())
        for cand, local in zip(ctx.candidates, ctx.locals_at(instant), strict=True)
    )
    a = ctx.attempt
    key = (places, a.purpose, a.channel, a.method, a.line_type)
    if own:
        ctx.memo[_PLACES] = key
    return key


_PLACES = "places"


def kind(ctx: CheckContext) -> tuple[object, ...]:
    """The attempt's purpose, channel, method and line type: what a row's scope looks at."""
    a = ctx.attempt
    return (a.purpose, a.channel, a.method, a.line_type)


_ROWS_UNTIL = "rows until"


def rows_until(ctx: CheckContext) -> datetime:
    """The first local midnight after the attempt in any candidate's zone, in UTC.

    Until then every candidate's local date, and so every row in force and in scope, is that
    of the attempt's own instant. Computed once per context.
    """
    known = ctx.memo.get(_ROWS_UNTIL)
    if known is not None:
        return known  # type: ignore[return-value]
    found = next_midnight(ctx, ctx.attempt.at)
    ctx.memo[_ROWS_UNTIL] = found
    return found


def next_midnight(ctx: CheckContext, instant: datetime) -> datetime:
    """The first local midnight after ``instant`` in any candidate's zone, in UTC.

    ``instant`` itself (in UTC) when there is no candidate.
    """
    pairs = zip(ctx.candidates, ctx.locals_at(instant), strict=True)
    return min((_midnight_after(local.date(), c.tz) for c, local in pairs), default=utc(instant))


@lru_cache(maxsize=4096)
def _midnight_after(day: date, tz: str) -> datetime:
    """The local midnight that ends ``day`` in ``tz``, in UTC."""
    return local_midnight(day + _DAY, tz)


class EarliestMemo:
    """A clock check's last search per key: (asked at, found, free until), all in UTC.

    For a key that fixes which instants the check allows (candidates, scope, rule set, and
    whatever facts it reads), if none in ``[asked, found)`` is allowed and ``found`` is, then
    the first allowed instant at or after any instant in ``[asked, found]`` is ``found``; and
    when the search also knew that every instant in ``[found, free until)`` is allowed (a day
    without bans lasts until local midnight), the first allowed instant at or after one of
    those is that instant itself. Bounded; starts over with another rule set.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._searches: RuleSetMemo[object, tuple[datetime, datetime, datetime]] = RuleSetMemo()

    def get(self, rules: RuleSet, key: object, instant: datetime) -> datetime | None:
        """The remembered answer for ``instant`` (in its offset), or None when unknown."""
        known = self._memo(rules).get(key)
        if known is None:
            return None
        asked, found, free_until = known
        at = utc(instant)
        if asked <= at <= found:
            return found.astimezone(instant.tzinfo)
        if found < at < free_until:
            return instant
        return None

    def put(
        self,
        rules: RuleSet,
        key: object,
        instant: datetime,
        found: datetime,
        free_until: datetime | None = None,
    ) -> None:
        """Remember that the search from ``instant`` found ``found`` (free until ``free_until``)."""
        done = utc(found)
        self._memo(rules)[key] = (
            utc(instant),
            done,
            done if free_until is None else utc(free_until),
        )

    def through(
        self,
        rules: RuleSet,
        key: object,
        instant: datetime,
        search: Callable[[], datetime | None],
        free_until: Callable[[datetime], datetime] | None = None,
    ) -> datetime | None:
        """The remembered answer for ``instant``, else ``search()`` (remembered when found).

        ``free_until(found)``: an instant before which every instant from ``found`` on is
        allowed too, when the check can say.
        """
        known = self.get(rules, key, instant)
        if known is not None:
            return known
        found = search()
        if found is not None:
            until = free_until(found) if free_until is not None else None
            self.put(rules, key, instant, found, until)
        return found

    def _memo(self, rules: RuleSet) -> dict[object, tuple[datetime, datetime, datetime]]:
        return self._searches.of(rules)


def local_midnight(day: date, tz: str) -> datetime:
    """The first instant of a local calendar day, in UTC."""
    return datetime.combine(day, time(0), zone(tz)).astimezone(UTC)


def utc(instant: datetime) -> datetime:
    """The instant in UTC, so that arithmetic and comparisons ignore wall-clock folds."""
    if instant.tzinfo is UTC:
        return instant
    return instant.astimezone(UTC)
