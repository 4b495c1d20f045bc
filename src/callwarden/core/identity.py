"""Identities: who acts (a unique name) and what their role lets them do."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """What a key may do (see ``docs/api.md`` for the route table)."""

    ADMIN = "admin"  # everything, including key management and list imports
    COMPLIANCE = "compliance"  # read everything, manage consent, lists, emergencies
    DIALER = "dialer"  # check, scrub, record history, record opt-outs
    READONLY = "readonly"  # read decisions' inputs: rules, list status


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: a key's name and role."""

    name: str
    role: Role
