"""RESTRICTED_DAY: whole days without solicitation, in the called party's local date.

Weekday bans (Sundays in Rhode Island, R.I. Gen. Laws 5-61-3.4; Sundays and holidays in Utah
without prior express consent, Utah Code 13-25a-103) and legal-holiday bans (Pennsylvania,
73 P.S. 2245(a)(10)) come from the rule data (``restricted_days``). Holidays are those of
the row's calendar in the ``holidays`` package (``US`` or ``US-XX``), restricted to
``holiday_names`` when the row lists them; a listed holiday's observed day counts too. Holidays
the law names that a calendar lacks are the row's ``fixed_holidays`` (a month and day). A row
marked ``unless_consent`` is lifted by the seller's prior express (or written) consent in
force. Every candidate time zone's local date must be free of bans.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate import _rows
from callwarden.core.gate._consents import LIFTING_KINDS, lifting_changes, usable
from callwarden.core.gate.check import (
    HORIZON,
    first_agreed,
    first_between_changes,
    reason,
    zone,
)
from callwarden.core.gate.context import CheckContext
from callwarden.core.gate.holiday_calendars import holiday
from callwarden.core.rules.model import RestrictedDayRule


class RestrictedDaysCheck:
    """Deny on a banned weekday or holiday of any candidate's local date."""

    name = "restricted_days"

    def __init__(self) -> None:
        """Start with an empty memo of the restricted-day rows."""
        self._rows: _rows.Applicable[RestrictedDayRule] = _rows.Applicable("restricted_days")
        #: Without consents, whether a day is banned depends only on the candidates, the
        #: scope and the rule set: the last search per candidates and scope is remembered.
        self._earliest = _rows.EarliestMemo()
        self._liftable = _rows.Liftable("restricted_days")

    def __call__(self, ctx: CheckContext) -> list[Reason]:
        """One reason per (rule, candidate zone) whose ban covers the local date."""
        out: list[Reason] = []
        at = ctx.attempt.at
        for cand, local in zip(ctx.candidates, ctx.locals_at(at), strict=True):
            for rule, why in self._bans(ctx, cand.state, local.date(), at):
                where = cand.state or cand.tz
                message = f"{local:%A %Y-%m-%d} in {cand.tz} ({where}) is {why}"
                out.append(reason(ReasonCode.RESTRICTED_DAY, rule.meta, message))
        return out

    def earliest(self, ctx: CheckContext, instant: datetime) -> datetime | None:
        """The first instant at or after ``instant`` on an unrestricted day in every zone."""
        changes = lifting_changes(ctx) if ctx.facts.consents and self._liftable(ctx) else ()
        if changes:
            # A ban may be lifted by a consent, in force for a while: no memo can hold that,
            # and the search restarts where a consent starts or stops lifting.
            return self._search(ctx, instant, changes)
        key = (ctx.candidates, *_rows.kind(ctx))
        # Bans cover whole local days: a free instant stays free until a local midnight.
        return self._earliest.through(
            ctx.rules,
            key,
            instant,
            lambda: self._search(ctx, instant),
            partial(_rows.next_midnight, ctx),
        )

    def _search(
        self, ctx: CheckContext, instant: datetime, changes: tuple[datetime, ...] = ()
    ) -> datetime | None:
        """The first free instant of every candidate, searched afresh.

        ``changes``: the instants at which a consent starts or stops lifting a ban.
        """
        asks = [partial(self._next_free, ctx, c.state, c.tz) for c in ctx.candidates]
        if changes:
            asks = [partial(first_between_changes, ask, changes) for ask in asks]
        found = first_agreed(asks, _rows.utc(instant))
        return None if found is None else found.astimezone(instant.tzinfo)

    def _next_free(
        self, ctx: CheckContext, state: str | None, tz: str, instant: datetime
    ) -> datetime | None:
        """The start of the first unrestricted local day of one candidate, or ``instant``."""
        today = instant.astimezone(zone(tz)).date()
        for offset in range(HORIZON.days + 1):
            day = today + timedelta(days=offset)
            start = instant if offset == 0 else _rows.local_midnight(day, tz)
            if not self._bans(ctx, state, day, start):
                return start
        return None

    def _bans(
        self, ctx: CheckContext, state: str | None, day: date, instant: datetime
    ) -> list[tuple[RestrictedDayRule, str]]:
        """The rules banning ``day`` for one candidate, each with why."""
        out: list[tuple[RestrictedDayRule, str]] = []
        lifted: bool | None = None
        for rule in self._rows.at(ctx, state, day):
            why = _why(rule, day)
            if why is None:
                continue
            if rule.unless_consent:
                if lifted is None:
                    lifted = bool(usable(ctx, LIFTING_KINDS, instant))
                if lifted:
                    continue
            out.append((rule, why))
        return out


def _why(rule: RestrictedDayRule, day: date) -> str | None:
    if day.weekday() in rule.weekdays:
        return f"a {day:%A}, when this rule bans calls"
    name = holiday(rule, day)
    return None if name is None else f"a holiday ({name}), when this rule bans calls"
