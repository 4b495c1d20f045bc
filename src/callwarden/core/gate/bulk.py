"""Vectorized decisions for many numbers at one instant: the decision core of ``scrub``.

A scrub asks the gate the same question (one instant, purpose, method, channel, seller,
campaign, line type) about millions of numbers. What varies from number to number is small:

- its numbering-plan *group*: the (state, time-zone set) its area code and exchange give, which
  fixes the candidate jurisdictions and so every rule that applies; 0 means not a valid number;
- which do-not-call lists it is on (national, its state's list, the seller's own, litigator);
- for a few numbers, stored facts: consents, call history, a reassignment.

So the gate's own checks run once per *signature* (group × list hits) on a representative
context, and the verdict (a bit set of reason codes) is broadcast to the rows with array
indexing. Per signature, ``Gate.needs`` says which stored facts the single check would load
(and so may decide with); consents are also probed with synthetic ones, revoked or not and
with or without a later reassignment, to learn whether they could change the verdict at all.
Only rows of signatures where stored facts matter have them loaded, and only rows that have
some are decided one by one. Decisions are therefore exactly those of the single check (the
same code applies 47 CFR 64.1200, 16 CFR 310 and the state rules), while the work grows with
the number of signatures, not of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from callwarden.core.decision import Reason, ReasonCode
from callwarden.core.gate.context import AbandonStats, CheckContext, Facts, SellerPolicy
from callwarden.core.gate.gate import Gate
from callwarden.core.gate.needs import FactNeeds
from callwarden.core.gate.numbering import CHECK_LINE, INVALID, NumberingPlan, e164
from callwarden.core.types import Attempt, Consent, ConsentKind, PastAttempt

#: Every reason code, in the order a row's codes are reported; bit ``i`` is ``CODES[i]``.
CODES: tuple[ReasonCode, ...] = tuple(ReasonCode)
_BIT = {code: 1 << i for i, code in enumerate(CODES)}
INVALID_MASK = _BIT[ReasonCode.INVALID_NUMBER]

#: List-hit bits of a row, and the list names the gate's facts use for them.
HIT_NATIONAL, HIT_STATE, HIT_INTERNAL, HIT_LITIGATOR = 1, 2, 4, 8
_HIT_KINDS = 16
_LOWEST, _HIGHEST = 2_000_000_000, 9_999_999_999
_TEN_DIGITS, _ELEVEN_DIGITS = 10**9, 10**10


def mask_of(reasons: Iterable[Reason]) -> int:
    """The bit set of the reasons' codes."""
    mask = 0
    for r in reasons:
        mask |= _BIT[r.code]
    return mask


def codes_of(mask: int) -> tuple[ReasonCode, ...]:
    """The codes of a bit set, in ``CODES`` order."""
    return tuple(code for code in CODES if mask & _BIT[code])


def reason_lists(
    masks: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int8]]:
    """Reason lists of many rows: list offsets (rows + 1) and code indexes into ``CODES``.

    Rows take only a few distinct masks, so each distinct mask is expanded once into a row of
    a small table (its codes in ``CODES`` order, then padding). Up to eight codes a row, the
    table's rows are read as 32- or 64-bit words, and the rows' codes are one gather of words.
    """
    present = np.flatnonzero(np.bincount(masks, minlength=1))
    expanded = [[i for i in range(len(CODES)) if m >> i & 1] for m in present.tolist()]
    width = max((len(codes) for codes in expanded), default=0)
    lengths_of = np.zeros(int(present[-1]) + 1 if present.size else 1, dtype=np.int32)
    table = np.full((lengths_of.size, max(width, _WORD)), _NO_CODE, dtype=np.uint8)
    for m, codes in zip(present.tolist(), expanded, strict=True):
        lengths_of[m] = len(codes)
        table[m, : len(codes)] = codes
    lengths = lengths_of[masks]
    offsets = np.zeros(masks.size + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    listed = masks[lengths > 0]
    if width <= 1:
        return offsets, table[:, 0].view(np.int8)[listed]
    if width <= _WORD:
        word = 4 if width <= 4 else _WORD  # noqa: PLR2004 - the bytes of a 32-bit word
        block = np.ascontiguousarray(table[:, :word]).view(f"<u{word}")[:, 0][listed]
        found = block.view(np.uint8)  # contiguous: filtered in one pass
    else:
        found = table[listed]
    return offsets, found[found != _NO_CODE].view(np.int8)


_WORD = 8
_NO_CODE = 0xFF


def code_counts(masks: npt.NDArray[np.uint32]) -> dict[ReasonCode, int]:
    """How many rows carry each code."""
    per_mask = np.bincount(masks, minlength=1)
    out: dict[ReasonCode, int] = {}
    for m in np.flatnonzero(per_mask).tolist():
        for code in codes_of(m):
            out[code] = out.get(code, 0) + int(per_mask[m])
    return out


def sorted_unique(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct values, sorted (by sorting, which beats hashing for phone numbers)."""
    ordered = np.sort(np.asarray(values, dtype=np.int64))
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def member(values: npt.NDArray[np.int64], ordered: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each value is in ``ordered`` (sorted, unique)."""
    if ordered.size == 0:
        return np.zeros(values.shape, dtype=bool)
    pos = np.searchsorted(ordered, values)
    pos[pos == ordered.size] = 0
    return np.asarray(ordered[pos] == values)


@dataclass(frozen=True, slots=True)
class PrefixGroups:
    """The numbering plan folded into groups: NPA-NXX → group of equal (state, zones).

    Group 0 holds every prefix that is never valid; the others hold valid prefixes, some of
    which (``check_line``) are valid only for some line numbers.
    """

    group_of: npt.NDArray[np.uint16]  # per NPA-NXX
    check_line: npt.NDArray[np.bool_]  # per NPA-NXX
    states: tuple[str | None, ...]  # per group
    state_of: npt.NDArray[np.uint8]  # per group: index into ``state_names``
    state_names: tuple[str | None, ...]  # the numbering plan's states (0: none)


def prefix_groups(plan: NumberingPlan) -> PrefixGroups:
    """Fold a numbering plan into groups (about 0.1 s; build once per plan)."""
    valid = plan.validity != INVALID
    key = (plan.state_index.astype(np.uint32) << 16) | plan.zone_index.astype(np.uint32)
    present, inverse = np.unique(key[valid], return_inverse=True)
    group_of = np.zeros(plan.validity.shape, dtype=np.uint16)
    group_of[valid] = (inverse + 1).astype(np.uint16)
    state_of = np.concatenate([[0], present >> 16]).astype(np.uint8)
    return PrefixGroups(
        group_of=group_of,
        check_line=np.asarray(plan.validity == CHECK_LINE),
        states=tuple(plan.states[i] for i in state_of.tolist()),
        state_of=state_of,
        state_names=plan.states,
    )


def national_from_integers(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """10-digit national numbers from integers written with or without the leading 1.

    A 10-digit value is kept; an 11-digit value starting with 1 loses it; anything else
    (negative, shorter, longer) becomes -1, which no check accepts.
    """
    values = np.asarray(values, dtype=np.int64)
    eleven = (values >= _ELEVEN_DIGITS) & (values < 2 * _ELEVEN_DIGITS)
    out = np.where(eleven, values - _ELEVEN_DIGITS, values)
    ok = eleven | ((values >= _TEN_DIGITS) & (values < _ELEVEN_DIGITS))
    return np.where(ok, out, -1)


def locate(
    numbers: npt.NDArray[np.int64], groups: PrefixGroups
) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.bool_]]:
    """Group of each number (0 when invalid) and whether its line number must be checked.

    The caller checks the flagged numbers against ``NumberingPlan.line_pattern`` and sets the
    group of those that fail to 0.
    """
    in_range = (numbers >= _LOWEST) & (numbers <= _HIGHEST)
    prefix = np.where(in_range, numbers // 10_000, 0)
    group = np.where(in_range, groups.group_of[prefix], 0).astype(np.uint16)
    needs_line = in_range & groups.check_line[prefix] & (group > 0)
    return group, needs_line


@dataclass(frozen=True, slots=True, kw_only=True)
class Shared:
    """What every row of a scrub shares: the attempt but its phone, facts and the policy.

    ``facts`` carries the list refresh times and the emergencies in force in any state;
    ``abandonment`` the campaign's statistics as loaded for a number of each state (None for
    numbers without one). Per-number facts are left empty.
    """

    attempt: Attempt
    facts: Facts
    policy: SellerPolicy
    abandonment: Mapping[str | None, AbandonStats | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdicts:
    """Per row: the reason bits of its signature and which stored facts could change them."""

    masks: npt.NDArray[np.uint32]
    needs_consents: npt.NDArray[np.bool_]  # its consents (and their reassignment) could
    needs_history: npt.NDArray[np.bool_]  # its call history could


@dataclass(frozen=True, slots=True, kw_only=True)
class RowFacts:
    """The stored facts of one number, for rows decided one by one."""

    consents: tuple[Consent, ...] = ()
    history: tuple[PastAttempt, ...] = ()
    reassigned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Signature:
    """What was learned about one (group, list hits) signature."""

    needs: FactNeeds
    facts: Facts
    policy: SellerPolicy


class BulkGate:
    """The gate over arrays: signature verdicts, cached for the whole scrub.

    Facts are given to the checks exactly as ``CheckService`` loads them for one attempt:
    consents, history, emergencies and list exemptions only where ``Gate.needs`` says the
    decision can depend on them, and a reassignment only for a number holding consents.
    """

    def __init__(self, gate: Gate, groups: PrefixGroups, shared: Shared) -> None:
        """Prepare empty verdict tables for every (group, list hits) signature."""
        self.gate = gate
        self.groups = groups
        self.shared = shared
        size = len(groups.states) * _HIT_KINDS
        self._known = np.zeros(size, dtype=bool)
        self._mask = np.zeros(size, dtype=np.uint32)
        self._flags = np.zeros((2, size), dtype=bool)  # consents, history
        self._signatures: dict[int, _Signature] = {}
        self._known[:_HIT_KINDS] = True
        self._mask[:_HIT_KINDS] = INVALID_MASK
        self.evaluated = 0

    def verdicts(
        self,
        numbers: npt.NDArray[np.int64],
        group: npt.NDArray[np.uint16],
        hits: npt.NDArray[np.uint8],
    ) -> Verdicts:
        """The verdict of each row's signature (invalid rows: INVALID_NUMBER only)."""
        keys = group.astype(np.int64) * _HIT_KINDS + np.where(group > 0, hits, 0)
        present = np.flatnonzero(np.bincount(keys, minlength=self._known.size))
        missing = present[~self._known[present]]
        if missing.size:
            rows = _some_rows(keys, self._known.size)
            for key in missing.tolist():
                self._learn(key, int(numbers[rows[key]]))
        flags = self._flags[:, keys]
        return Verdicts(masks=self._mask[keys], needs_consents=flags[0], needs_history=flags[1])

    def decide(self, number: int, group: int, hits: int, facts: RowFacts) -> int:
        """The reason bits of one row with its stored facts, loaded as the single check would."""
        key = group * _HIT_KINDS + hits
        if key not in self._signatures:
            self._learn(key, number)
        sig = self._signatures[key]
        consents = facts.consents if sig.needs.consents else ()
        full = replace(
            sig.facts,
            consents=consents,
            history=facts.history if sig.needs.history else (),
            reassigned_at=facts.reassigned_at if consents else None,
        )
        return self._run(self._context(number, full, sig.policy))

    def _learn(self, key: int, number: int) -> None:
        group, hits = divmod(key, _HIT_KINDS)
        sig = self._signature(number, group, hits)
        ctx = self._context(number, sig.facts, sig.policy)
        plain = self._run(ctx)
        self._mask[key] = plain
        self._flags[0, key] = sig.needs.consents and self._consents_matter(ctx, plain)
        self._flags[1, key] = sig.needs.history
        self._known[key] = True
        self._signatures[key] = sig
        self.evaluated += 1

    def _signature(self, number: int, group: int, hits: int) -> _Signature:
        state = self.groups.states[group]
        names = hit_names(hits, state)
        needs = self.gate.needs(self._attempt(number), number, names)
        base = self.shared.facts
        emergencies = tuple(e for e in base.emergencies if e.state == state)
        facts = replace(
            base,
            dnc_hits=names,
            emergencies=emergencies if needs.emergencies else (),
            abandonment=self.shared.abandonment.get(state),
        )
        policy = self.shared.policy
        if not needs.exemptions:
            policy = replace(policy, exempt_lists={})
        return _Signature(needs=needs, facts=facts, policy=policy)

    def _consents_matter(self, ctx: CheckContext, plain: int) -> bool:
        """Whether some consents (with or without a later reassignment) change the verdict."""
        a = self.shared.attempt
        moved = a.at - timedelta(hours=12)
        for revoked in (False, True):
            consents = _probe_consents(ctx.national, a.seller, a.at, revoked=revoked)
            for reassigned_at in (None, moved):
                probe = _with(ctx, consents=consents, reassigned_at=reassigned_at)
                if self._run(probe) != plain:
                    return True
        return False

    def _attempt(self, number: int) -> Attempt:
        return replace(self.shared.attempt, phone=e164(number))

    def _context(self, number: int, facts: Facts, policy: SellerPolicy) -> CheckContext:
        return self.gate.context(self._attempt(number), number, facts, policy)

    def _run(self, ctx: CheckContext) -> int:
        mask = 0
        for check in self.gate.checks:
            mask |= mask_of(check(ctx))
        return mask


def hit_names(hits: int, state: str | None) -> frozenset[str]:
    """The list names the gate's facts use for a row's hit bits."""
    names = set()
    if hits & HIT_NATIONAL:
        names.add("national")
    if hits & HIT_STATE and state:
        names.add(f"state:{state}")
    if hits & HIT_INTERNAL:
        names.add("internal")
    if hits & HIT_LITIGATOR:
        names.add("litigator")
    return frozenset(names)


def _with(ctx: CheckContext, **facts: object) -> CheckContext:
    return replace(ctx, facts=replace(ctx.facts, **facts))  # type: ignore[arg-type]


def _some_rows(keys: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.int64]:
    """For every key value, the index of some row holding it (any one represents them all)."""
    rows = np.zeros(size, dtype=np.int64)
    rows[keys] = np.arange(keys.size, dtype=np.int64)
    return rows


def _probe_consents(
    number: int, seller: str, at: datetime, *, revoked: bool
) -> tuple[Consent, ...]:
    """One consent of every kind: in force at ``at``, or given and revoked before it."""
    given = at - timedelta(days=2 if revoked else 1)
    ended = at - timedelta(days=1) if revoked else None
    return tuple(
        Consent(phone=number, seller=seller, kind=kind, at=given, revoked_at=ended)
        for kind in ConsentKind
    )
