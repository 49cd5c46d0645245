"""The number-block cache answers exactly what an uncached phonenumbers lookup answers."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as pn_timezone

from smpp_gateway.checks.numbers import PhoneCache, describe_number, zones_for

# Prefixes of real plans: French mobiles and fixed lines, overseas departments, UK, US, Germany,
# premium-rate and satellite ranges, short plans that are never grouped.
PREFIXES = [
    "336",
    "337",
    "331",
    "3389",
    "262692",
    "590690",
    "447",
    "4420",
    "1212",
    "1800",
    "4915",
    "8816",
    "352",
    "3906",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PREFIXES), st.integers(min_value=4, max_value=10), st.data())
def test_block_templates_agree_with_a_full_parse(prefix: str, rest: int, data: st.DataObject) -> None:
    cache = PhoneCache()
    first = prefix + data.draw(st.text("0123456789", min_size=rest, max_size=rest))
    second = first[:-3] + data.draw(st.text("0123456789", min_size=3, max_size=3))
    for number in (first, second):  # the second is answered from the first's block when grouped
        cached = cache.lookup("+" + number, "FR")
        fresh = describe_number("+" + number, "FR")
        assert (cached.valid, cached.region, cached.number_type, cached.e164) == (
            fresh.valid,
            fresh.region,
            fresh.number_type,
            fresh.e164,
        )


def test_distinct_numbers_of_one_block_cost_one_parse() -> None:
    cache = PhoneCache()
    infos = [cache.lookup(f"+33612345{n:03d}", "FR") for n in range(50)]
    assert all(info.valid and info.region == "FR" and info.number_type == "mobile" for info in infos)
    assert len(cache._blocks) == 1
    assert infos[7].time_zones() == ("Europe/Paris",)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PREFIXES), st.integers(min_value=4, max_value=10), st.data())
def test_block_templates_give_the_time_zones_of_a_full_parse(
    prefix: str, rest: int, data: st.DataObject
) -> None:
    """Numbers answered from a block template build their PhoneNumber only for the time zones."""
    cache = PhoneCache()
    first = prefix + data.draw(st.text("0123456789", min_size=rest, max_size=rest))
    second = first[:-3] + data.draw(st.text("0123456789", min_size=3, max_size=3))
    for number in (first, second):
        assert (
            cache.lookup("+" + number, "FR").time_zones() == describe_number("+" + number, "FR").time_zones()
        )


@pytest.mark.parametrize(
    "raw",
    ["33612345678", "0612345678", "+33612345678", "0033612345678", "33 612345678", "٣٣٦١٢٣٤٥٦٧٨", "3361234"],
)
def test_a_block_template_answers_what_a_parse_answers_for_every_spelling(raw: str) -> None:
    # The same number (or not a number) however it is written: the first lookup of each spelling
    # after the block is known is answered from the block's template.
    cache = PhoneCache()
    cache.lookup("33612345600", "FR")  # makes the block's template
    cached, parsed = cache.lookup(raw, "FR"), describe_number(raw, "FR")
    assert (cached.e164, cached.valid, cached.region, cached.number_type) == (
        parsed.e164,
        parsed.valid,
        parsed.region,
        parsed.number_type,
    )


def _library_zones(e164: str) -> tuple[str, ...]:
    found = tuple(pn_timezone.time_zones_for_number(phonenumbers.parse("+" + e164)))
    return () if found == ("Etc/Unknown",) else found


# Every region's example numbers of every type, as seeds for nearby numbers.
EXAMPLES = sorted(
    {
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[1:]
        for region in phonenumbers.SUPPORTED_REGIONS
        for kind in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE,
            PhoneNumberType.TOLL_FREE,
            PhoneNumberType.PREMIUM_RATE,
            PhoneNumberType.VOIP,
            PhoneNumberType.PAGER,
        )
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    }
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(EXAMPLES), st.integers(min_value=0, max_value=6), st.data())
def test_zones_from_the_known_type_are_phonenumbers_own(
    example: str, changed: int, data: st.DataObject
) -> None:
    """zones_for skips phonenumbers' second type lookup: it must answer exactly what it answers."""
    tail = data.draw(st.text("0123456789", min_size=changed, max_size=changed))
    number = example[: len(example) - changed] + tail
    info = describe_number("+" + number, "FR")
    if info.valid:
        assert zones_for(info.e164, info.number_type) == _library_zones(info.e164)
    else:
        assert zones_for(info.e164, info.number_type) == ()


def test_zones_of_some_known_numbers() -> None:
    assert describe_number("+33612345678", "FR").time_zones() == ("Europe/Paris",)
    assert describe_number("+12125551234", "FR").time_zones() == ("America/New_York",)
    assert describe_number("+8816123456", "FR").time_zones() == ()  # not a valid number
