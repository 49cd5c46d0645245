"""Hypothesis strategies for SMPP 3.4 PDUs and TLVs, shared by every test of the core.

Sizes and types come from the protocol digest (sections 2 and 6), written out here independently of
the codec's own tables so that a wrong size in the codec makes a round trip fail. Every PDU a strategy
draws is one the codec must encode, and decode back to an equal PDU.

Public: ``pdus()`` (any PDU), ``pdus_of(cls)``, ``PDU_CLASSES`` (every class with a strategy),
``tlv_lists()``, ``known_tlvs()``, ``unknown_tlvs()``, ``frames()`` (encoded PDUs), ``cstr(max_size)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import Tag
from smpp_gateway.smpp.pdu import Tlv

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
LATIN_1 = st.characters(min_codepoint=1, max_codepoint=0xFF)


def cstr(max_size: int) -> st.SearchStrategy[str]:
    """Text for a C-octet string whose maximum (NUL included) is ``max_size``."""
    return st.text(LATIN_1, max_size=max_size - 1)


def time_fields() -> st.SearchStrategy[str]:
    """schedule_delivery_time / validity_period / final_date: empty or exactly 16 characters."""
    realistic = st.sampled_from(["250131235959000+", "000001000000000R", "991231000000048-"])
    return st.one_of(st.just(""), realistic, st.text(LATIN_1, min_size=16, max_size=16))


# --- TLVs ---------------------------------------------------------------------------------------

_I1 = (
    Tag.DEST_ADDR_SUBUNIT, Tag.DEST_NETWORK_TYPE, Tag.DEST_BEARER_TYPE, Tag.SOURCE_ADDR_SUBUNIT,
    Tag.SOURCE_NETWORK_TYPE, Tag.SOURCE_BEARER_TYPE, Tag.PAYLOAD_TYPE, Tag.MS_MSG_WAIT_FACILITIES,
    Tag.PRIVACY_INDICATOR, Tag.USER_RESPONSE_CODE, Tag.LANGUAGE_INDICATOR, Tag.SAR_TOTAL_SEGMENTS,
    Tag.SAR_SEGMENT_SEQNUM, Tag.SC_INTERFACE_VERSION, Tag.CALLBACK_NUM_PRES_IND, Tag.NUMBER_OF_MESSAGES,
    Tag.DPF_RESULT, Tag.SET_DPF, Tag.MS_AVAILABILITY_STATUS, Tag.DELIVERY_FAILURE_REASON,
    Tag.MORE_MESSAGES_TO_SEND, Tag.MESSAGE_STATE, Tag.USSD_SERVICE_OP, Tag.DISPLAY_TIME, Tag.MS_VALIDITY,
    Tag.ITS_REPLY_TYPE,
)  # fmt: skip
_I2 = (
    Tag.DEST_TELEMATICS_ID, Tag.USER_MESSAGE_REFERENCE, Tag.SOURCE_PORT, Tag.DESTINATION_PORT,
    Tag.SAR_MSG_REF_NUM, Tag.SMS_SIGNAL,
)  # fmt: skip


def _raw_cstr(max_size: int) -> st.SearchStrategy[bytes]:
    """The non-canonical C-string TLV values a decoder keeps raw: no final NUL, or a NUL inside."""
    return st.binary(min_size=1, max_size=max_size).filter(lambda b: b.find(b"\0") != len(b) - 1)


def _cstr_tlv(max_size: int) -> st.SearchStrategy[str | bytes]:
    return st.one_of(cstr(max_size), _raw_cstr(max_size))


TLV_VALUES: dict[Tag, st.SearchStrategy[Any]] = {
    **dict.fromkeys(_I1, u8),
    **dict.fromkeys(_I2, u16),
    Tag.SOURCE_TELEMATICS_ID: st.one_of(u16, st.binary(min_size=1, max_size=1)),  # Kannel: 1 octet
    Tag.QOS_TIME_TO_LIVE: u32,
    Tag.ADDITIONAL_STATUS_INFO_TEXT: _cstr_tlv(256),
    Tag.RECEIPTED_MESSAGE_ID: _cstr_tlv(65),
    Tag.SOURCE_SUBADDRESS: st.binary(min_size=2, max_size=23),
    Tag.DEST_SUBADDRESS: st.binary(min_size=2, max_size=23),
    Tag.CALLBACK_NUM_ATAG: st.binary(max_size=65),
    Tag.CALLBACK_NUM: st.binary(min_size=4, max_size=19),
    Tag.NETWORK_ERROR_CODE: st.binary(min_size=3, max_size=3),
    Tag.MESSAGE_PAYLOAD: st.binary(max_size=600),
    Tag.ALERT_ON_MESSAGE_DELIVERY: st.one_of(st.just(b""), u8),  # 3.4 flag, 5.0 integer
    Tag.ITS_SESSION_INFO: st.binary(min_size=2, max_size=2),
}
KNOWN_TAGS = frozenset(int(tag) for tag in Tag)


def known_tlvs() -> st.SearchStrategy[Tlv]:
    return st.sampled_from(sorted(TLV_VALUES)).flatmap(lambda tag: TLV_VALUES[tag].map(lambda v: Tlv(tag, v)))


def unknown_tlvs() -> st.SearchStrategy[Tlv]:
    """Vendor and 5.0 tags, and any other number the 3.4 table does not name."""
    tags = st.one_of(st.integers(0x1400, 0x3FFF), u16).filter(lambda tag: tag not in KNOWN_TAGS)
    return st.builds(Tlv, tags, st.binary(max_size=40))


def tlv_lists(max_size: int = 5) -> st.SearchStrategy[tuple[Tlv, ...]]:
    return st.lists(st.one_of(known_tlvs(), unknown_tlvs()), max_size=max_size).map(tuple)


# --- PDUs ---------------------------------------------------------------------------------------

_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "sequence_number": u32,
    "command_status": u32,
    "system_id": cstr(16),
    "password": cstr(9),
    "system_type": cstr(13),
    "address_range": cstr(41),
    "service_type": cstr(6),
    "source_addr": cstr(21),
    "destination_addr": cstr(21),
    "esme_addr": cstr(65),
    "message_id": cstr(65),
    "schedule_delivery_time": time_fields(),
    "validity_period": time_fields(),
    "final_date": time_fields(),
    "short_message": st.binary(max_size=254),
    "tlvs": tlv_lists(),
    "dest_addresses": st.lists(
        st.one_of(st.builds(p.DestAddress, u8, u8, cstr(21)), st.builds(p.DistributionList, cstr(21))),
        min_size=1,
        max_size=6,
    ).map(tuple),
    "unsuccess_smes": st.lists(st.builds(p.UnsuccessSme, u8, u8, cstr(21), u32), max_size=4).map(tuple),
}
# data_sm and alert_notification addresses are C65 (digest 2.2), not C21.
_OVERRIDES: dict[type[p.Pdu], dict[str, st.SearchStrategy[Any]]] = {
    p.DataSm: {"source_addr": cstr(65), "destination_addr": cstr(65)},
    p.AlertNotification: {"source_addr": cstr(65)},
}
PDU_CLASSES: tuple[type[p.Pdu], ...] = tuple(p.PDU_CLASSES.values())


def _field_strategy(cls: type[p.Pdu], name: str) -> st.SearchStrategy[Any]:
    override = _OVERRIDES.get(cls, {})
    if name in override:
        return override[name]
    return _FIELDS.get(name, u8)  # every other field is an I1


def _body_field_names(cls: type[p.Pdu]) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.name != "body_omitted"]


def pdus_of(cls: type[p.Pdu]) -> st.SearchStrategy[p.Pdu]:
    """Any valid ``cls``; for responses with a body, sometimes the error form with the body omitted."""
    full = st.builds(cls, **{name: _field_strategy(cls, name) for name in _body_field_names(cls)})
    if not (issubclass(cls, p.Response) and cls.has_body):
        return full
    bare = st.builds(
        cls, sequence_number=u32, command_status=st.integers(1, 0xFFFFFFFF), body_omitted=st.just(True)
    )
    return st.one_of(full, bare)


def pdus() -> st.SearchStrategy[p.Pdu]:
    return st.sampled_from(PDU_CLASSES).flatmap(pdus_of)


def frames() -> st.SearchStrategy[bytes]:
    """Valid wire PDUs."""
    return pdus().map(codec.encode)
