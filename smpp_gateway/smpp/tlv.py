"""Optional parameters (TLVs): the SMPP 3.4 tag table and the codec of the TLV area.

Wire form: tag (I2), length (I2, octets of the value only), value. TLVs follow the last mandatory
field, in any order, until command_length is used up (digest section 6).

Values (see ``pdu.Tlv``): ``int`` for Integer tags, ``str`` for C-octet-string tags, ``bytes`` for
octet-string tags and for every unknown tag. Unknown tags (vendor 0x1400-0x3FFF, 5.0 tags) are never
fatal: their value is kept raw and re-encoded unchanged, so a gateway can pass them through.

Lenient decoder, strict encoder, exact round trip. Where real peers disagree with the table the
decoder keeps the raw bytes rather than failing, and the encoder accepts exactly that raw form back:

* source_telematics_id is 2 octets in Wireshark, smpplib and oserl but 1 in Kannel: a 1-octet value
  is kept as ``bytes``.
* alert_on_message_delivery is a zero-length presence flag in 3.4 and a 1-octet Integer in 5.0:
  length 0 decodes to ``b""``, length 1 to an ``int``.
* A C-octet-string TLV that is not NUL-terminated, or has a NUL inside, is kept as ``bytes``
  (carriers are known to send receipted_message_id without its NUL; refusing the receipt would
  lose it). Only a length of 0 or over the maximum is ESME_RINVPARLEN.

Any other known tag whose length does not fit its type is ESME_RINVPARLEN; a TLV header cut short or
a length running past the end of the PDU is ESME_RINVOPTPARSTREAM.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import NamedTuple

from .constants import CommandStatus, Tag
from .errors import LocalProtocolError, RemoteProtocolError
from .pdu import Tlv

_TAG_LENGTH = struct.Struct(">HH")
_UINT = {1: struct.Struct(">B"), 2: struct.Struct(">H"), 4: struct.Struct(">I")}
_new_tlv = tuple.__new__  # Tlv(tag, value) through NamedTuple.__new__ is a Python call; this is not


class Kind(IntEnum):
    INT = 0  # unsigned big-endian integer of ``size`` octets
    CSTR = 1  # C-octet string, ``size`` = maximum length including the NUL
    OCTETS = 2  # octet string of ``min_size`` to ``size`` octets


class TlvSpec(NamedTuple):
    tag: Tag
    kind: Kind
    size: int
    min_size: int = 0
    # Lengths other than the canonical one that are accepted and kept as raw bytes.
    raw_sizes: frozenset[int] = frozenset()


def _int(tag: Tag, size: int, raw_sizes: frozenset[int] = frozenset()) -> TlvSpec:
    return TlvSpec(tag, Kind.INT, size, size, raw_sizes)


def _octets(tag: Tag, min_size: int, max_size: int) -> TlvSpec:
    return TlvSpec(tag, Kind.OCTETS, max_size, min_size)


def _cstr(tag: Tag, max_size: int) -> TlvSpec:
    return TlvSpec(tag, Kind.CSTR, max_size, 1)


# Digest section 6. Every 3.4 tag; a test checks that this covers ``Tag`` exactly.
TLV_SPECS: dict[int, TlvSpec] = {
    spec.tag: spec
    for spec in (
        _int(Tag.DEST_ADDR_SUBUNIT, 1),
        _int(Tag.DEST_NETWORK_TYPE, 1),
        _int(Tag.DEST_BEARER_TYPE, 1),
        _int(Tag.DEST_TELEMATICS_ID, 2),
        _int(Tag.SOURCE_ADDR_SUBUNIT, 1),
        _int(Tag.SOURCE_NETWORK_TYPE, 1),
        _int(Tag.SOURCE_BEARER_TYPE, 1),
        _int(Tag.SOURCE_TELEMATICS_ID, 2, frozenset({1})),  # Kannel sends 1 octet
        _int(Tag.QOS_TIME_TO_LIVE, 4),
        _int(Tag.PAYLOAD_TYPE, 1),
        _cstr(Tag.ADDITIONAL_STATUS_INFO_TEXT, 256),
        _cstr(Tag.RECEIPTED_MESSAGE_ID, 65),
        _int(Tag.MS_MSG_WAIT_FACILITIES, 1),
        _int(Tag.PRIVACY_INDICATOR, 1),
        _octets(Tag.SOURCE_SUBADDRESS, 2, 23),
        _octets(Tag.DEST_SUBADDRESS, 2, 23),
        _int(Tag.USER_MESSAGE_REFERENCE, 2),
        _int(Tag.USER_RESPONSE_CODE, 1),
        _int(Tag.SOURCE_PORT, 2),
        _int(Tag.DESTINATION_PORT, 2),
        _int(Tag.SAR_MSG_REF_NUM, 2),
        _int(Tag.LANGUAGE_INDICATOR, 1),
        _int(Tag.SAR_TOTAL_SEGMENTS, 1),
        _int(Tag.SAR_SEGMENT_SEQNUM, 1),
        _int(Tag.SC_INTERFACE_VERSION, 1),
        _int(Tag.CALLBACK_NUM_PRES_IND, 1),
        _octets(Tag.CALLBACK_NUM_ATAG, 0, 65),
        _int(Tag.NUMBER_OF_MESSAGES, 1),
        _octets(Tag.CALLBACK_NUM, 4, 19),
        _int(Tag.DPF_RESULT, 1),
        _int(Tag.SET_DPF, 1),
        _int(Tag.MS_AVAILABILITY_STATUS, 1),
        _octets(Tag.NETWORK_ERROR_CODE, 3, 3),
        _octets(Tag.MESSAGE_PAYLOAD, 0, 0xFFFF),  # the TLV length field is the only bound
        _int(Tag.DELIVERY_FAILURE_REASON, 1),
        _int(Tag.MORE_MESSAGES_TO_SEND, 1),
        _int(Tag.MESSAGE_STATE, 1),
        _int(Tag.USSD_SERVICE_OP, 1),
        _int(Tag.DISPLAY_TIME, 1),
        _int(Tag.SMS_SIGNAL, 2),
        _int(Tag.MS_VALIDITY, 1),
        _int(Tag.ALERT_ON_MESSAGE_DELIVERY, 1, frozenset({0})),  # 3.4: presence flag, length 0
        _int(Tag.ITS_REPLY_TYPE, 1),
        _octets(Tag.ITS_SESSION_INFO, 2, 2),
    )
}


def _stream_error(detail: str, command_id: int, sequence_number: int) -> RemoteProtocolError:
    return RemoteProtocolError(
        CommandStatus.ESME_RINVOPTPARSTREAM,
        detail,
        command_id=command_id,
        sequence_number=sequence_number,
    )


def _decode_value(spec: TlvSpec, raw: bytes) -> int | str | bytes | None:
    """The typed value of a known tag, or None when its length does not fit the type."""
    length = len(raw)
    kind = spec.kind
    if kind is Kind.INT:
        if length == spec.size:
            value: int = _UINT[length].unpack(raw)[0]
            return value
        return raw if length in spec.raw_sizes else None
    if length < spec.min_size or length > spec.size:
        return None
    if kind is Kind.CSTR and raw.find(b"\0") == length - 1:
        return raw[:-1].decode("latin-1")
    return raw


def decode_tlvs(buf: bytes, start: int, end: int, command_id: int, sequence_number: int) -> tuple[Tlv, ...]:
    """The TLVs in ``buf[start:end]``, in wire order.

    Raises RemoteProtocolError (ESME_RINVOPTPARSTREAM or ESME_RINVPARLEN) carrying ``command_id``
    and ``sequence_number`` so that the session can answer with the matching ``_resp``.
    """
    tlvs: list[Tlv] = []
    specs = TLV_SPECS
    unpack = _TAG_LENGTH.unpack_from
    pos = start
    while pos < end:
        if end - pos < 4:
            raise _stream_error(f"{end - pos} octets left, a TLV header needs 4", command_id, sequence_number)
        tag, length = unpack(buf, pos)
        pos += 4
        stop = pos + length
        if stop > end:
            detail = f"TLV 0x{tag:04x} length {length} runs {stop - end} octets past the end"
            raise _stream_error(detail, command_id, sequence_number)
        spec = specs.get(tag)
        if spec is None:
            tlvs.append(_new_tlv(Tlv, (tag, buf[pos:stop])))
        else:
            value = _decode_value(spec, buf[pos:stop])
            if value is None:
                raise RemoteProtocolError(
                    CommandStatus.ESME_RINVPARLEN,
                    f"TLV {spec.tag.name.lower()} has length {length}",
                    command_id=command_id,
                    sequence_number=sequence_number,
                )
            tlvs.append(_new_tlv(Tlv, (spec.tag, value)))
        pos = stop
    return tuple(tlvs)


def _encode_error(tag: int, detail: str, status: CommandStatus) -> LocalProtocolError:
    name = TLV_SPECS[tag].tag.name.lower() if tag in TLV_SPECS else f"0x{tag:04x}"
    return LocalProtocolError(status, f"TLV {name}: {detail}")


def _encode_value(tag: int, value: object) -> bytes:
    """The value octets of one TLV; the exact inverse of ``_decode_value``."""
    spec = TLV_SPECS.get(tag)
    if spec is None or type(value) is bytes:
        if type(value) is not bytes:
            raise _encode_error(tag, "an unknown tag needs a bytes value", CommandStatus.ESME_RINVOPTPARAMVAL)
        if spec is not None and _decode_value(spec, value) != value:
            # Raw bytes for a known tag only in the non-canonical forms the decoder keeps raw.
            raise _encode_error(tag, f"{len(value)} raw octets do not fit", CommandStatus.ESME_RINVPARLEN)
        return value
    if spec.kind is Kind.INT and type(value) is not bool and isinstance(value, int):
        if not 0 <= value < 1 << (8 * spec.size):
            raise _encode_error(tag, f"{value} out of range", CommandStatus.ESME_RINVOPTPARAMVAL)
        return _UINT[spec.size].pack(value)
    if spec.kind is Kind.CSTR and isinstance(value, str):
        raw = _latin1(value, tag) + b"\0"
        if len(raw) > spec.size or raw.find(b"\0") != len(raw) - 1:
            raise _encode_error(tag, "too long or contains NUL", CommandStatus.ESME_RINVPARLEN)
        return raw
    raise _encode_error(tag, f"{type(value).__name__} value", CommandStatus.ESME_RINVOPTPARAMVAL)


def _latin1(value: str, tag: int) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        raise _encode_error(tag, "not Latin-1 text", CommandStatus.ESME_RINVOPTPARAMVAL) from None


def encode_tlvs(tlvs: tuple[Tlv, ...] | list[Tlv]) -> bytes:
    """The TLV area for ``tlvs``, in the given order. Raises LocalProtocolError for a value that the
    decoder would not read back as the same value."""
    if not tlvs:
        return b""
    pack = _TAG_LENGTH.pack
    parts: list[bytes] = []
    for tag, value in tlvs:
        if type(tag) is bool or not isinstance(tag, int) or not 0 <= tag <= 0xFFFF:
            raise LocalProtocolError(CommandStatus.ESME_RINVOPTPARAMVAL, f"TLV tag {tag!r} out of range")
        raw = _encode_value(tag, value)
        if len(raw) > 0xFFFF:
            raise _encode_error(
                tag, f"{len(raw)} octets exceed the 16-bit length", CommandStatus.ESME_RINVPARLEN
            )
        parts.append(pack(tag, len(raw)))
        parts.append(raw)
    return b"".join(parts)
