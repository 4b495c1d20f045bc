"""Rule examples: an attempt, the facts around it, and the decision the law dictates.

Every rule row may carry ``examples``; ``tests/rules/test_examples.py`` decides each through
the real gate. Facts default to a clean slate: every list in the data refreshed a day earlier
and the number on none, no consent, no history, no declared emergency, and (for predictive
dialing) a campaign with no abandoned calls. Fields name what differs: ``dnc``,
``list_age_days``, ``missing_lists``, ``consent`` (a kind or a list of kinds) with
``consent_days_ago`` and ``revoked_days_ago``, ``history``, ``abandon``, ``emergency``,
``disconnected_days_ago`` (the number was permanently disconnected that many days earlier).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from callwarden.core.gate.context import AbandonStats, Facts
from callwarden.core.types import (
    Address,
    Attempt,
    Channel,
    Consent,
    ConsentKind,
    EmergencyDeclaration,
    LineType,
    Method,
    Outcome,
    PastAttempt,
    Purpose,
)

LIST_NAME = r"^(national|internal|litigator|state:[A-Z]{2})$"
_MAX_EXAMPLE_HOURS = 24 * 800


class Row(BaseModel):
    """A row of a rule file: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PastIn(Row):
    """A call in an example's history, ``hours_ago`` before the example's instant."""

    hours_ago: float = Field(gt=0, le=_MAX_EXAMPLE_HOURS)
    outcome: Outcome = Outcome.NO_ANSWER
    purpose: Purpose | None = None  # default: the example's
    channel: Channel | None = None
    method: Method | None = None
    campaign: str | None = None


class AbandonIn(Row):
    """A campaign's predictive-dialer outcomes over the measurement window."""

    answered: int = Field(ge=0)
    abandoned: int = Field(ge=0)

    @field_validator("abandoned")
    @classmethod
    def _not_more_than_answered(cls, abandoned: int, info: ValidationInfo) -> int:
        answered = info.data.get("answered")
        if answered is not None and abandoned > answered:
            msg = "abandoned calls cannot outnumber calls answered by a person"
            raise ValueError(msg)
        return abandoned


class ExampleIn(Row):
    """An attempt, with the facts around it, whose decision the row's law dictates (tested).

    Facts default to a clean slate: every list in the data refreshed a day earlier and the
    number on none, no consent, no history, no declared emergency, and (for predictive
    dialing) a campaign with no abandoned calls.
    """

    at: AwareDatetime
    phone: str = Field(min_length=10, max_length=40)
    expect: Literal["allow", "deny"]
    purpose: Purpose = Purpose.TELEMARKETING
    channel: Channel = Channel.VOICE
    method: Method = Method.MANUAL
    line_type: LineType = LineType.UNKNOWN
    state: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    zip: str | None = Field(default=None, pattern=r"^\d{5}$")
    seller: str = "example-seller"
    campaign: str = "example-campaign"
    dnc: list[str] = Field(default_factory=list)
    consent: list[ConsentKind] = Field(default_factory=list)  # "written" or ["written", ...]
    consent_days_ago: int = Field(default=30, ge=0, le=3650)
    revoked_days_ago: int | None = Field(default=None, ge=0, le=3650)
    history: list[PastIn] = Field(default_factory=list, max_length=100)
    list_age_days: dict[str, int] = Field(default_factory=dict)
    missing_lists: list[str] = Field(default_factory=list)
    abandon: AbandonIn | None = None
    emergency: bool = False
    disconnected_days_ago: int | None = Field(default=None, ge=0, le=3650)
    denied_by: str | None = None  # the rule that must be among the reasons; default the row
    note: str | None = None

    @field_validator("consent", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("dnc", "missing_lists")
    @classmethod
    def _list_names(cls, names: list[str]) -> list[str]:
        for name in names:
            _check_list_name(name)
        return names

    @field_validator("list_age_days")
    @classmethod
    def _ages(cls, ages: dict[str, int]) -> dict[str, int]:
        for name, days in ages.items():
            _check_list_name(name)
            if days < 0:
                msg = f"list age of {name} must not be negative"
                raise ValueError(msg)
        return ages

    @field_validator("revoked_days_ago")
    @classmethod
    def _revoked_after_given(cls, revoked: int | None, info: ValidationInfo) -> int | None:
        if revoked is not None:
            if not info.data.get("consent"):
                msg = "revoked_days_ago needs a consent"
                raise ValueError(msg)
            if revoked > info.data.get("consent_days_ago", 30):
                msg = "a consent cannot be revoked before it was given"
                raise ValueError(msg)
        return revoked

    def to_attempt(self, attempt_id: str) -> Attempt:
        """The attempt the example describes."""
        address = None
        if self.state is not None or self.zip is not None:
            address = Address(state=self.state, zip=self.zip)
        return Attempt(
            id=attempt_id,
            phone=self.phone,
            at=self.at,
            channel=self.channel,
            purpose=self.purpose,
            method=self.method,
            campaign=self.campaign,
            seller=self.seller,
            address=address,
            line_type=self.line_type,
        )

    def to_facts(self, *, national: int, states: frozenset[str], lists: set[str]) -> Facts:
        """The stored facts of the example, for the number ``national`` in ``states``."""
        day = timedelta(days=1)
        refreshed = {
            name: self.at - self.list_age_days.get(name, 1) * day
            for name in sorted(lists | set(self.list_age_days))
            if name not in self.missing_lists
        }
        stats = None
        if self.abandon is not None:
            stats = AbandonStats(
                campaign=self.campaign,
                answered_live=self.abandon.answered,
                abandoned=self.abandon.abandoned,
            )
        elif self.method is Method.PREDICTIVE:
            stats = AbandonStats(campaign=self.campaign, answered_live=0, abandoned=0)
        return Facts(
            dnc_hits=frozenset(self.dnc),
            list_refreshed=refreshed,
            consents=self._consents(national),
            history=tuple(self._past(national, p) for p in self.history),
            abandonment=stats,
            emergencies=self._emergencies(states),
            reassigned_at=(
                None
                if self.disconnected_days_ago is None
                else self.at - timedelta(days=self.disconnected_days_ago)
            ),
        )

    def _consents(self, national: int) -> tuple[Consent, ...]:
        revoked = None
        if self.revoked_days_ago is not None:
            revoked = self.at - timedelta(days=self.revoked_days_ago)
        return tuple(
            Consent(
                phone=national,
                seller=self.seller,
                kind=kind,
                at=self.at - timedelta(days=self.consent_days_ago),
                revoked_at=revoked,
                evidence={"source": "rule example"},
            )
            for kind in self.consent
        )

    def _past(self, national: int, past: PastIn) -> PastAttempt:
        return PastAttempt(
            phone=national,
            at=self.at - timedelta(hours=past.hours_ago),
            seller=self.seller,
            campaign=past.campaign or self.campaign,
            purpose=past.purpose or self.purpose,
            channel=past.channel or self.channel,
            method=past.method or self.method,
            outcome=past.outcome,
        )

    def _emergencies(self, states: frozenset[str]) -> tuple[EmergencyDeclaration, ...]:
        if not self.emergency:
            return ()
        return tuple(
            EmergencyDeclaration(
                state=state,
                starts_at=self.at - timedelta(days=1),
                ends_at=self.at + timedelta(days=1),
                citation="declaration of the rule example",
            )
            for state in sorted(states)
        )


def _check_list_name(name: str) -> None:
    if not re.fullmatch(LIST_NAME, name):
        msg = f"{name!r} is not a list name (national, internal, litigator or state:XX)"
        raise ValueError(msg)
