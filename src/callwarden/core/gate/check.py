"""The check contract and the helpers checks share.

A check is a callable ``(CheckContext) -> list[Reason]``. A *clock* check also answers
``earliest(ctx, instant)``: the first moment at or after ``instant`` that it alone would allow,
or None when waiting does not help within the search horizon. A *steady* check also answers
``allows_until(ctx)``: how long an allow lasts, so that ``next_allowed_at`` need not ask it
again at the later instant. The gate composes checks with all-of semantics: every check must
allow, and an empty set of checks is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Generic, Protocol, TypeVar, runtime_checkable
from zoneinfo import ZoneInfo

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate.context import CheckContext
from callwarden.core.rules.model import RuleMeta
from callwarden.core.rules.ruleset import RuleSet

K = TypeVar("K")
V = TypeVar("V")

#: How far ahead ``next_allowed_at`` is searched.
HORIZON = timedelta(days=15)


class Check(Protocol):
    """A pure check over a context."""

    name: str

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """Reasons to deny the attempt; empty when this check allows it."""
        ...


@runtime_checkable
class ClockCheck(Check, Protocol):
    """A check whose denials go away with time."""

    def earliest(self, ctx: CheckContext, instant: datetime) -> datetime | None:
        """The first instant at or after ``instant`` this check allows, or None."""
        ...


@runtime_checkable
class SteadyCheck(Check, Protocol):
    """A check that can say how long it keeps allowing an attempt as time passes."""

    def allows_until(self, ctx: CheckContext) -> datetime:
        """How long an allow lasts, given that this check allows ``ctx``'s attempt.

        An instant before which (exclusive) it allows the same attempt at any later instant;
        ``ctx.attempt.at`` itself when it cannot say.
        """
        ...


@runtime_checkable
class NotingCheck(Check, Protocol):
    """A check that also explains what it did not apply (for example a list exemption)."""

    def notes(self, ctx: CheckContext) -> list[str]:
        """Lines for the decision's ``notes``; empty when there is nothing to say."""
        ...


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """A cached IANA time zone."""
    return ZoneInfo(name)


def reason(code: ReasonCode, meta: RuleMeta, message: str) -> Reason:
    """A reason for a rule row, carrying its id, citation and confidence."""
    return Reason(
        code=code,
        rule=meta.id,
        citation=meta.citation,
        message=message,
        confidence=meta.confidence,
    )


class RuleSetMemo(Generic[K, V]):
    """A bounded memo that belongs to one rule set.

    Another rule set starts it over, and so does growing past ``LIMIT`` entries. The rule set
    and its dict are replaced together, as one tuple, so a thread never reads a dict with
    another rule set's answers.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        """Start empty."""
        self._state: tuple[RuleSet | None, dict[K, V]] = (None, {})

    def of(self, rules: RuleSet) -> dict[K, V]:
        """The memo's entries for ``rules`` (a fresh dict for a new rule set, or when full)."""
        known, memo = self._state
        if known is not rules or len(memo) > self.LIMIT:
            memo = {}
            self._state = (rules, memo)
        return memo


class Reasons:
    """Reasons a check has already written, by what their message depends on.

    A reason whose message names only the rule and the attempt's kind (seller, campaign,
    purpose, ...) is the same object for every attempt of that kind: built once, then reused.
    Bounded; starts over with another rule set.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._memo: RuleSetMemo[object, Reason] = RuleSetMemo()

    def get(
        self, rules: RuleSet, key: object, build: Callable[..., Reason], *args: object
    ) -> Reason:
        """The reason remembered for ``key`` under ``rules``, ``build(*args)`` if new.

        Passing the arguments (rather than a closure over them) costs nothing when the
        reason is remembered, which it usually is.
        """
        memo = self._memo.of(rules)
        found = memo.get(key)
        if found is None:
            found = memo[key] = build(*args)
        return found


def first_agreed(
    asks: Sequence[Callable[[datetime], datetime | None]], start: datetime, rounds: int = 64
) -> datetime | None:
    """The first instant at or after ``start`` that every ask allows, or None.

    Each ask answers the first instant at or after the one it is given that it alone allows
    (None: not within the horizon). They are asked in turn at the latest instant found so far,
    until every one in a row has allowed the instant it was asked about (one is not asked again
    about an instant it already allowed); an answer past ``HORIZON`` after ``start``, or no
    agreement within ``rounds`` rounds, is None.
    """
    count = len(asks)
    if not count:
        return start
    current, agreed = start, 0
    for step in range(rounds * count):
        found = asks[step % count](current)
        if found is None:
            return None
        if found > current:
            if found - start > HORIZON:
                return None
            current, agreed = found, 1
        else:
            agreed += 1
        if agreed == count:
            return current
    return None


def first_between_changes(
    ask: Callable[[datetime], datetime | None], changes: Sequence[datetime], start: datetime
) -> datetime | None:
    """The first instant at or after ``start`` that ``ask`` allows, when facts change over time.

    ``ask(t)`` answers as if what it reads at ``t`` (say, whether a consent lifts a rule)
    held from then on; that is right only before the first of ``changes`` after ``t``. So an
    answer at or past that change is set aside and the search starts again from it.
    """
    at = start
    for change in (c for c in changes if c > start):
        found = ask(at)
        if found is not None and found < change:
            return found
        at = change.astimezone(start.tzinfo)
    return ask(at)
