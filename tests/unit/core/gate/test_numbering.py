"""The numbering plan agrees with phonenumbers and refuses what the NANP never assigns."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from callwarden.core.gate.numbering import e164, normalize
from callwarden.errors import InvalidPhoneNumber


class TestNormalize:
    @pytest.mark.parametrize(
        "raw",
        ["(214) 234-5678", "+1 214.234.5678", "2142345678", "1-214-234-5678", " +12142345678 "],
    )
    def test_common_notations(self, raw: str) -> None:
        """Every common notation gives the same 10-digit number."""
        assert normalize(raw) == 2142345678

    @pytest.mark.parametrize(
        "raw", ["", "214234567", "221423456789", "+44 20 7946 0958", "call me", "x" * 41]
    )
    def test_malformed(self, raw: str) -> None:
        """Wrong lengths, other countries and junk are refused."""
        with pytest.raises(InvalidPhoneNumber):
            normalize(raw)

    def test_wrong_type(self) -> None:
        """A non-string is refused, not coerced."""
        with pytest.raises(InvalidPhoneNumber):
            normalize(2142345678)  # type: ignore[arg-type]

    def test_e164(self) -> None:
        assert e164(2142345678) == "+12142345678"


class TestValidity:
    @pytest.mark.parametrize(
        "number",
        [9112345678, 2129115678, 4112345678, 2140345678, 2141345678, 1234567890, 999],
    )
    def test_never_assigned(self, plan, number: int) -> None:
        """N11 codes and 0/1-leading exchanges are never valid."""
        assert not plan.is_valid(number)

    def test_matches_phonenumbers(self, plan) -> None:
        """On random numbers with valid-shaped codes, validity equals phonenumbers'."""
        rng = random.Random(20261201)
        for _ in range(20_000):
            npa = rng.randrange(200, 1000)
            nxx = rng.randrange(200, 1000)
            if npa % 100 == 11 or nxx % 100 == 11:
                continue
            number = npa * 10_000_000 + nxx * 10_000 + rng.randrange(10_000)
            parsed = phonenumbers.PhoneNumber(country_code=1, national_number=number)
            assert plan.is_valid(number) == phonenumbers.is_valid_number(parsed), number

    def test_state_and_zones(self, plan) -> None:
        """Area code and exchange give the state and the prefix's time zones."""
        assert plan.lookup(2142345678) == ("TX", ("America/Chicago",))
        assert plan.lookup(5412345678)[0] == "OR"
        assert plan.lookup(4162345678)[0] is None  # Toronto: valid NANP, no US state
