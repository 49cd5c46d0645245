"""region_and_type answers what phonenumbers answers, for every region's numbers and their neighbours."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumber, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from smpp_gateway.checks.numbers import describe_number
from smpp_gateway.checks.numbertype import region_and_type

TYPES = [value for name, value in vars(PhoneNumberType).items() if name.isupper()]
COUNTRY_CODES = sorted(COUNTRY_CODE_TO_REGION_CODE)


def _set_leading_zeros(national: str, number: PhoneNumber) -> None:
    # phonenumbers' parser's rule (Italian fixed lines keep their leading zeros).
    if len(national) > 1 and national[0] == "0":
        number.italian_leading_zero = True
        zeros = 1
        while zeros < len(national) - 1 and national[zeros] == "0":
            zeros += 1
        if zeros != 1:
            number.number_of_leading_zeros = zeros


def phonenumbers_answer(country_code: int, national: str) -> tuple[str | None, int]:
    number = PhoneNumber(country_code=country_code, national_number=int(national))
    _set_leading_zeros(national, number)  # as phonenumbers' parser sets them
    assert phonenumbers.national_significant_number(number) == national
    return phonenumbers.region_code_for_number(number), phonenumbers.number_type(number)


def example_numbers() -> Iterator[tuple[int, str]]:
    """Every example number phonenumbers has: per region and type, and per non-geographic code."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and example.country_code is not None:
                yield example.country_code, phonenumbers.national_significant_number(example)
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            yield code, phonenumbers.national_significant_number(example)


def neighbours(national: str) -> Iterator[str]:
    """The number, numbers close to it, one digit longer and shorter, and other leading digits."""
    yield national
    width = len(national)
    value = int(national)
    for step in (1, -1, 37, -37, 1000, -1000):
        if value + step >= 0:
            yield f"{value + step:0{width}d}"
    yield national + "5"
    if width > 1:
        yield national[:-1]
    for digit in "0123456789":
        yield digit + national[1:]


def test_every_example_number_and_its_neighbours() -> None:
    compared = 0
    for country_code, national in example_numbers():
        for candidate in neighbours(national):
            assert region_and_type(country_code, candidate) == phonenumbers_answer(country_code, candidate), (
                country_code,
                candidate,
            )
            compared += 1
    assert compared > 20_000  # ~240 regions x their types x 20 neighbours


@settings(max_examples=3_000)
@given(st.sampled_from(COUNTRY_CODES), st.text(alphabet="0123456789", min_size=1, max_size=15))
def test_random_numbers(country_code: int, national: str) -> None:
    assert region_and_type(country_code, national) == phonenumbers_answer(country_code, national)


@pytest.mark.parametrize("country_code", [0, 999, 1_000])
def test_a_country_code_nobody_uses_is_unknown(country_code: int) -> None:
    assert region_and_type(country_code, "612345678") == (None, PhoneNumberType.UNKNOWN)


def parsed_answer(digits: str) -> tuple[bool, str | None, str, str] | None:
    """What phonenumbers' own parser says of "+digits": validity, region, type and E.164 form."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    kind = phonenumbers.number_type(number)
    name = next(name.lower() for name, value in vars(PhoneNumberType).items() if value == kind)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    return phonenumbers.is_valid_number(number), phonenumbers.region_code_for_number(number), name, e164


def describe_answer(raw: str) -> tuple[bool, str | None, str, str]:
    info = describe_number(raw, "FR")
    return info.valid, info.region, info.number_type, info.e164


def international_digits() -> Iterator[str]:
    """Every example number written as bare E.164 digits, and its neighbours (the last digits
    changed, one digit more, one less)."""
    for country_code, national in example_numbers():
        digits = f"{country_code}{national}"
        yield digits
        yield digits[:-1]
        yield digits + "7"
        for last in "0369":
            yield digits[:-2] + last + digits[-1]


def test_bare_digits_are_described_as_phonenumbers_parses_them() -> None:
    # describe_number answers bare international digits without building a PhoneNumber (the digits
    # after the country code taken as the national significant number): its answer must be the
    # parser's whenever that one is valid, and invalid when the parser's is.
    compared = 0
    for digits in international_digits():
        expected = parsed_answer(digits)
        if expected is None:
            continue
        got = describe_answer(digits)
        compared += 1
        if expected[0]:
            assert got == expected, digits
        else:
            assert not got[0], digits
    assert compared > 5_000


@settings(max_examples=2_000, deadline=None)
@given(st.sampled_from(COUNTRY_CODES), st.text("0123456789", min_size=3, max_size=13))
def test_random_bare_digits_are_described_as_parsed(country_code: int, national: str) -> None:
    digits = f"{country_code}{national}"
    expected = parsed_answer(digits)
    assume(expected is not None)
    assert expected is not None
    got = describe_answer(digits)
    if expected[0]:
        assert got == expected
    else:
        assert not got[0]
