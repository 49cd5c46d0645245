"""Destination numbers: normalisation to E.164 and a bounded cache of phonenumbers facts.

Theory of operation: phonenumbers answers "is this a valid number, of which region and type" in
about 50 us (a parse of ~30 us plus ~16 us of pattern matching), which alone would blow the
pipeline's budget. Numbers repeat (OTP users, customers of one shop), so results are kept in an
LRU keyed by the raw address and the default region. Time zones are asked only for marketing
(quiet hours), from the type already known (``zones_for``), and memoised on the entry.
Digits-only international input skips the generic parser and builds no PhoneNumber (country code
split by table, the rest taken as the national significant number); anything else, or a number
that fast path finds invalid, goes through ``phonenumbers.parse`` so that lenient cases (a national
0 kept after the country code) still get phonenumbers' answer. Region and type come from
``numbertype.region_and_type``: phonenumbers' own tests on patterns compiled once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType
from phonenumbers.phonenumberutil import (
    COUNTRY_CODE_TO_REGION_CODE,
    NumberParseException,
    is_number_type_geographical,
)
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from .numbertype import region_and_type
from .recent import RecentMap

# 100 000 entries of ~200 bytes (dict slot, NumberInfo, e164 string): ~20 MB at most, and a day
# of a mid-size account's distinct recipients. Beyond it the least recently used numbers are
# parsed again (a cost, not a failure).
DEFAULT_PHONE_CACHE_SIZE = 100_000

_TYPE_NAMES = {value: name.lower() for name, value in vars(PhoneNumberType).items() if name.isupper()}
_TYPE_VALUES = {name: value for value, name in _TYPE_NAMES.items()}
_UNKNOWN_ZONES = ("Etc/Unknown",)


@dataclass(slots=True)
class NumberInfo:
    """What the checks need to know about one destination address."""

    raw: str
    e164: str  # digits, no "+"; the input's digits when it could not be parsed
    valid: bool
    region: str | None  # ISO 3166 alpha-2 as phonenumbers names it (GP, RE, ...), None if unknown
    number_type: str  # phonenumbers type in lower case: mobile, fixed_line, premium_rate, unknown
    _zones: tuple[str, ...] | None = field(default=None, repr=False)

    def time_zones(self) -> tuple[str, ...]:
        """IANA zones of the number (empty when unknown), computed on first use."""
        zones = self._zones
        if zones is None:
            zones = self._zones = zones_for(self.e164, self.number_type)
        return zones


def zones_for(e164: str, number_type: str) -> tuple[str, ...]:
    """``phonenumbers.timezone.time_zones_for_number`` for a number whose type is known (empty when
    unknown): its steps without asking the type again (~30 us) or formatting the number. ``e164`` is
    the number as phonenumbers formats it in E.164, as NumberInfo keeps every valid number."""
    kind = _TYPE_VALUES.get(number_type, PhoneNumberType.UNKNOWN)
    if kind == PhoneNumberType.UNKNOWN:
        return ()
    split = _split_country_code(e164)
    if split is None:
        return ()
    country_code = split[0]
    if is_number_type_geographical(kind, country_code):
        candidates = [e164[:length] for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1)]
    else:  # zones of the whole country (phonenumbers' country-level lookup, same slices)
        code = str(country_code)
        candidates = [code[: 1 + length] for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1)]
    for prefix in candidates:
        found = TIMEZONE_DATA.get(prefix)
        if found is not None:
            return () if tuple(found) == _UNKNOWN_ZONES else tuple(found)
    return ()


def _split_country_code(digits: str) -> tuple[int, str] | None:
    """The country code phonenumbers knows at the start of ``digits``, and the digits after it."""
    for length in (1, 2, 3):
        head = digits[:length]
        if head.isdigit() and int(head) in COUNTRY_CODE_TO_REGION_CODE:
            return int(head), digits[length:]
    return None


def to_e164_digits(addr: str, default_region: str) -> str | None:
    """Cheap textual normalisation: '+33..' / '0033..' -> '33..'; national '06..' -> None (needs parse)."""
    value = addr.strip().replace(" ", "")
    if value.startswith("+"):
        value = value[1:]
    elif value.startswith("00"):
        value = value[2:]
    elif value.startswith("0"):
        return None
    return value if value.isdigit() and value.isascii() else None


def _describe(raw: str, number: PhoneNumber) -> NumberInfo:
    national = phonenumbers.national_significant_number(number)
    # phonenumbers' region_code_for_number and number_type, with the patterns compiled once
    region, kind = region_and_type(number.country_code or 0, national)
    if number.raw_input is None:  # what format_number(E164) answers then, without the "+"
        e164 = f"{number.country_code}{national}"
    else:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    valid = region is not None and kind != PhoneNumberType.UNKNOWN
    return NumberInfo(raw, e164, valid, region, _TYPE_NAMES.get(kind, "unknown"))


def describe_number(raw: str, default_region: str) -> NumberInfo:
    """Parse and classify one address (uncached; use PhoneCache.lookup on the hot path)."""
    digits = to_e164_digits(raw, default_region)
    if digits is not None and 2 < len(digits) <= 17:
        split = _split_country_code(digits)
        if split is not None and split[1]:
            # The parser would keep the national digits as they are, leading zeros included
            # (Italian fixed lines): they are the national significant number and the digits the
            # E.164 form, so no PhoneNumber is built (a third of the cost of a new number).
            code, national = split
            region, kind = region_and_type(code, national)
            if region is not None and kind != PhoneNumberType.UNKNOWN:
                return NumberInfo(raw, digits, True, region, _TYPE_NAMES.get(kind, "unknown"))
    try:
        text = raw.strip()
        if digits is not None and not text.startswith("+"):
            text = "+" + digits
        number = phonenumbers.parse(text, default_region)
    except NumberParseException:
        fallback = "".join(ch for ch in raw if ch.isdigit() and ch.isascii())
        return NumberInfo(raw, fallback, False, None, "unknown")
    return _describe(raw, number)


# Numbering plans allocate numbers in blocks: ARCEP in France by 10,000, NANPA by 1,000 (thousands-
# block pooling), and phonenumbers' region and type patterns stop well before the last three digits of
# a long number. So every number of one 1,000-block (same digits but the last three, same length)
# shares validity, region and type: bulk traffic to distinct recipients costs one phonenumbers parse
# per block, not per number (~50 us each). Short national numbers (small plans) are not grouped.
BLOCK_DIGITS = 3
MIN_GROUPED_LENGTH = 10  # country code + national number, E.164 digits


class PhoneCache:
    """Bounded map of NumberInfo by raw address, per default region, and of number-block templates.

    RecentMaps (two generations of plain dicts, see recent.py): an entry costs half an
    OrderedDict's, and a hit no move_to_end. Keyed per region by the raw address: no key tuple.
    """

    __slots__ = ("_blocks", "_entries", "hits", "max_size", "misses")

    def __init__(self, max_size: int = DEFAULT_PHONE_CACHE_SIZE) -> None:
        self.max_size = max_size
        self._entries: dict[str, RecentMap[str, NumberInfo]] = {}  # by default region
        self._blocks: RecentMap[str, NumberInfo] = RecentMap(max_size)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._entries.values())

    def lookup(self, raw: str, default_region: str) -> NumberInfo:
        entries = self._entries.get(default_region)
        if entries is None:  # one map per region (a handful): each holds up to max_size
            entries = self._entries[default_region] = RecentMap(self.max_size)
        info = entries.current.get(raw)
        if info is None:
            info = entries.previous.pop(raw, None)
            if info is None:
                self.misses += 1
                info = self._describe(raw, default_region)
            else:
                self.hits += 1
            entries.put(raw, info)
            return info
        self.hits += 1
        return info

    def _describe(self, raw: str, default_region: str) -> NumberInfo:
        # Bulk traffic sends bare E.164 digits: those are their own digits (to_e164_digits answers
        # the same for them), one call fewer for every new recipient.
        if raw.isdigit() and raw.isascii() and raw[0] != "0":
            digits: str | None = raw
        else:
            digits = to_e164_digits(raw, default_region)
        if digits is None or len(digits) < MIN_GROUPED_LENGTH:
            return describe_number(raw, default_region)
        block = digits[:-BLOCK_DIGITS] + str(len(digits))  # the block, and the length of its numbers
        blocks = self._blocks
        template = blocks.current.get(block)
        if template is None:
            template = blocks.get(block)  # the previous generation, moved to the current one
        if template is not None:
            return NumberInfo(raw, digits, template.valid, template.region, template.number_type)
        info = describe_number(raw, default_region)
        if info.valid and info.e164 == digits:
            # Only numbers the fast path understood exactly (no lenient re-parse) become a template.
            self._blocks.put(block, info)
        return info
