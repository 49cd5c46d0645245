"""A number's region and type as phonenumbers answers them, with the patterns compiled once.

phonenumbers decides a number's type by testing its national number against up to eleven
descriptions of the region's metadata (premium rate, toll free, ..., fixed line, mobile), each
through four Python calls and a lookup of the compiled pattern by its text: ~30 us a number, the
largest cost of a destination the checks have not seen. ``region_and_type`` runs the same tests in
the same order (``phonenumberutil._number_type_helper`` and ``_region_code_for_number_from_list``
of phonenumbers 9) on descriptions compiled once per region: one call and a loop. The rules ported:
- a description matches when it exists, its possible lengths (if it lists any) include the
  number's length, and its pattern (if not empty) matches the whole national number;
- the general description must match first, then the types in phonenumbers' order; a fixed-line
  match is FIXED_LINE_OR_MOBILE when the region's mobile pattern is the same or also matches;
- a country code shared by several regions (+1, +7, +44, ...) goes to the first region whose
  leading digits match the start of the number, or, for a region without leading digits, whose
  type is known.
A property test compares the answers with phonenumbers' own on every region's example numbers,
their neighbours and random numbers (tests/unit/checks/test_number_type.py).
"""

from __future__ import annotations

import re
from functools import cache

from phonenumbers import PhoneMetadata, PhoneNumberType
from phonenumbers.phonemetadata import REGION_CODE_FOR_NON_GEO_ENTITY, PhoneNumberDesc
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

# One description: the national-number lengths it allows (empty: any) and its pattern.
_Desc = tuple[frozenset[int], re.Pattern[str]]


def _compiled(desc: PhoneNumberDesc | None) -> _Desc | None:
    """None for a description that never matches (absent, or without a pattern)."""
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)


def _matches(desc: _Desc | None, national: str) -> bool:
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and len(national) not in lengths:
        return False
    return pattern.fullmatch(national) is not None


class _RegionTypes:
    """One region's descriptions, compiled, in phonenumbers' order."""

    __slots__ = ("fixed_line", "general", "leading_digits", "mobile", "same_mobile_and_fixed", "specific")

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.general = _compiled(metadata.general_desc)
        candidates = (
            (PhoneNumberType.PREMIUM_RATE, metadata.premium_rate),
            (PhoneNumberType.TOLL_FREE, metadata.toll_free),
            (PhoneNumberType.SHARED_COST, metadata.shared_cost),
            (PhoneNumberType.VOIP, metadata.voip),
            (PhoneNumberType.PERSONAL_NUMBER, metadata.personal_number),
            (PhoneNumberType.PAGER, metadata.pager),
            (PhoneNumberType.UAN, metadata.uan),
            (PhoneNumberType.VOICEMAIL, metadata.voicemail),
        )
        self.specific = tuple(
            (kind, compiled) for kind, desc in candidates if (compiled := _compiled(desc)) is not None
        )
        self.fixed_line = _compiled(metadata.fixed_line)
        self.mobile = _compiled(metadata.mobile)
        self.same_mobile_and_fixed = bool(metadata.same_mobile_and_fixed_line_pattern)
        self.leading_digits = re.compile(metadata.leading_digits) if metadata.leading_digits else None

    def number_type(self, national: str) -> int:
        if not _matches(self.general, national):
            return PhoneNumberType.UNKNOWN
        for kind, desc in self.specific:
            if _matches(desc, national):
                return kind
        if _matches(self.fixed_line, national):
            if self.same_mobile_and_fixed or _matches(self.mobile, national):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_mobile_and_fixed and _matches(self.mobile, national):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


@cache
def _region_types(region: str, country_code: int) -> _RegionTypes | None:
    """The compiled descriptions of ``region`` (of a non-geographic code for "001"); bounded by
    the metadata's ~250 regions and codes."""
    if region == REGION_CODE_FOR_NON_GEO_ENTITY:
        metadata = PhoneMetadata.metadata_for_nongeo_region(country_code, None)
    else:
        metadata = PhoneMetadata.metadata_for_region(region, None)
    return None if metadata is None else _RegionTypes(metadata)


def region_and_type(country_code: int, national: str) -> tuple[str | None, int]:
    """phonenumbers' ``region_code_for_number`` and ``number_type`` of the number whose country code
    is ``country_code`` and whose national significant number is ``national``."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if regions is None:
        return None, PhoneNumberType.UNKNOWN
    if len(regions) == 1:
        region: str | None = regions[0]
    else:
        region = None
        for candidate in regions:
            types = _region_types(candidate.upper(), country_code)
            if types is None:
                continue
            if types.leading_digits is not None:
                if types.leading_digits.match(national):
                    region = candidate
                    break
            elif types.number_type(national) != PhoneNumberType.UNKNOWN:
                region = candidate
                break
    if region is None:
        return None, PhoneNumberType.UNKNOWN
    types = _region_types(region, country_code)
    return region, PhoneNumberType.UNKNOWN if types is None else types.number_type(national)
