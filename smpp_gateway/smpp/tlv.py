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

``decode_tlvs``/``encode_tlvs`` handle a TLV area on its own; ``TLVS`` is the same area as the last
field of the PDU layouts in ``codec``, compiled into each PDU's decode and encode functions.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from typing import Any, cast

from .constants import CommandStatus, Tag
from .errors import LocalProtocolError, RemoteProtocolError
from .layout import Encoding, Field
from .pdu import Pdu, Tlv, WithTlvs

_TAG_LENGTH = struct.Struct(">HH")
_U32 = struct.Struct(">I")
_UINT = {1: struct.Struct(">B"), 2: struct.Struct(">H"), 4: struct.Struct(">I")}
_new_tlv = tuple.__new__  # Tlv(tag, value) through NamedTuple.__new__ is a Python call; this is not


class Kind(IntEnum):
    INT = 0  # unsigned big-endian integer of ``size`` octets
    CSTR = 1  # C-octet string, ``size`` = maximum length including the NUL
    OCTETS = 2  # octet string of ``min_size`` to ``size`` octets


@dataclass(frozen=True, slots=True)
class TlvSpec:
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


# The hot path, shared with the loops that ``Tlvs`` compiles into every PDU decoder and encoder:
# Integer tags in their canonical size. Keyed by the first 4 octets of the TLV read as one integer
# (tag << 16 | length), so that one lookup both finds the tag and checks its length. A 1-octet Integer
# tag has only 256 values: the first time one is seen, its 256 Tlv objects are built (at most 26 x 256
# in all, about 400 KB), and decoding it is then two lookups instead of building a NamedTuple (the
# slowest step of the loop). 2- and 4-octet values are read by a per-size Struct.
BYTE_TLVS: dict[int, tuple[Tlv, ...]] = {}
_WORD_READERS: dict[int, tuple[Tag, Callable[[bytes, int], tuple[int]]]] = {
    spec.tag << 16 | spec.size: (spec.tag, _UINT[spec.size].unpack_from)
    for spec in TLV_SPECS.values()
    if spec.kind is Kind.INT and spec.size > 1
}
# Integer tags: header and value written by one Struct.pack; struct.error when not an int in range.
INT_WRITERS: dict[int, Callable[[int], bytes]] = {
    tag: partial(struct.Struct(">HH" + _UINT[spec.size].format[1:]).pack, tag, spec.size)
    for tag, spec in TLV_SPECS.items()
    if spec.kind is Kind.INT
}


def past_end_error(key: int, over: int, command_id: int, sequence_number: int) -> RemoteProtocolError:
    detail = f"TLV 0x{key >> 16:04x} length {key & 0xFFFF} runs {over} octets past the end"
    return RemoteProtocolError(_STREAM, detail, command_id=command_id, sequence_number=sequence_number)


def cut_error(left: int, command_id: int, sequence_number: int) -> RemoteProtocolError:
    detail = f"{left} octets left, a TLV header needs 4"
    return RemoteProtocolError(_STREAM, detail, command_id=command_id, sequence_number=sequence_number)


_STREAM = CommandStatus.ESME_RINVOPTPARSTREAM


def _decode_value(spec: TlvSpec, raw: bytes) -> int | str | bytes | None:
    """The typed value of a known tag, or None when its length does not fit the type."""
    length = len(raw)
    kind = spec.kind
    if kind is Kind.INT:
        if length == spec.size:
            return _UINT[length].unpack(raw)[0]  # type: ignore[no-any-return]
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
    (``Tlvs`` compiles the same loop into each PDU decoder.)
    """
    if end != len(buf):
        buf = buf[:end]  # so that a TLV header cut short fails to unpack
    tlvs: list[Tlv] = []
    pos = start
    try:
        while pos < end:
            key = _U32.unpack_from(buf, pos)[0]
            pos += 4
            stop = pos + (key & 0xFFFF)
            if stop > end:
                raise past_end_error(key, stop - end, command_id, sequence_number)
            table = BYTE_TLVS.get(key)
            tlvs.append(
                table[buf[pos]] if table else decode_tlv(key, buf[pos:stop], command_id, sequence_number)
            )
            pos = stop
    except struct.error:
        raise cut_error(end - pos, command_id, sequence_number) from None
    return tuple(tlvs)


def decode_tlv(key: int, raw: bytes, command_id: int, sequence_number: int) -> Tlv:
    """One TLV: ``key`` is its header as one integer, ``raw`` its value."""
    spec = TLV_SPECS.get(key >> 16)
    if spec is None:
        return _new_tlv(Tlv, (key >> 16, raw))
    if spec.kind is Kind.INT and spec.size == len(raw) == 1:  # first sight of this tag: table it
        table = BYTE_TLVS[key] = tuple(_new_tlv(Tlv, (spec.tag, value)) for value in range(256))
        return table[raw[0]]
    value = _decode_value(spec, raw)
    if value is None:
        detail = f"TLV {spec.tag.name.lower()} has length {len(raw)}"
        status = CommandStatus.ESME_RINVPARLEN
        raise RemoteProtocolError(status, detail, command_id=command_id, sequence_number=sequence_number)
    return _new_tlv(Tlv, (spec.tag, value))


def _encode_error(tag: int, detail: str, status: CommandStatus) -> LocalProtocolError:
    name = TLV_SPECS[tag].tag.name.lower() if tag in TLV_SPECS else f"0x{tag:04x}"
    return LocalProtocolError(status, f"TLV {name}: {detail}")


def encode_tlv(tag: int, value: object) -> bytes:
    """One whole TLV, header included; the exact inverse of ``decode_tlv``."""
    if type(tag) is bool or not isinstance(tag, int) or not 0 <= tag <= 0xFFFF:
        raise LocalProtocolError(_BAD_VALUE, f"TLV tag {tag!r} out of range")
    spec = TLV_SPECS.get(tag)
    if type(value) is bytes:
        if spec is not None and _decode_value(spec, value) != value:
            # Raw bytes for a known tag only in the non-canonical forms the decoder keeps raw.
            raise _encode_error(tag, f"{len(value)} raw octets do not fit", CommandStatus.ESME_RINVPARLEN)
        raw = value
    elif spec is not None and spec.kind is Kind.CSTR and isinstance(value, str):
        raw = _latin1(value, tag) + b"\0"
        if len(raw) > spec.size or raw.find(b"\0") != len(raw) - 1:
            raise _encode_error(tag, "too long or contains NUL", CommandStatus.ESME_RINVPARLEN)
    elif spec is not None and spec.kind is Kind.INT:
        try:
            return INT_WRITERS[tag](value)  # type: ignore[arg-type]  # struct checks it is an int
        except struct.error:
            raise _encode_error(
                tag, f"{value!r} is not an integer of {spec.size} octets", _BAD_VALUE
            ) from None
    else:
        raise _encode_error(tag, f"a {type(value).__name__} value", _BAD_VALUE)
    if len(raw) > 0xFFFF:
        raise _encode_error(tag, f"{len(raw)} octets exceed the 16-bit length", CommandStatus.ESME_RINVPARLEN)
    return _TAG_LENGTH.pack(tag, len(raw)) + raw


def _latin1(value: str, tag: int) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        raise _encode_error(tag, "not Latin-1 text", _BAD_VALUE) from None


def encode_tlvs(tlvs: Iterable[Tlv]) -> bytes:
    """The TLV area for ``tlvs``, in the given order. Raises LocalProtocolError for a value that the
    decoder would not read back as the same value. (``Tlvs`` compiles the same loop.)"""
    return b"".join([encode_tlv(tag, value) for tag, value in tlvs])


_BAD_VALUE = CommandStatus.ESME_RINVOPTPARAMVAL


# --- the TLV area as a field of the compiled PDU layouts ------------------------------------------


class Tlvs(Field):
    """The TLV area as a field of ``codec``'s layouts, up to the end of the PDU. The loops of
    ``decode_tlvs`` and ``encode_tlvs`` are compiled into each PDU's functions: for a PDU with two
    TLVs the calls would cost as much as the TLVs. Integer TLVs of their canonical size stay inline;
    any other TLV goes through ``decode_tlv`` / ``encode_tlv``."""

    __slots__ = ()
    names = ("tlvs",)

    def decoder(self) -> list[str]:
        return [
            "if pos == end:",
            "    o.tlvs = ()",
            "else:",
            "    tlvs = []",
            "    try:",
            "        while pos < end:",
            "            key = U32(buf, pos)[0]",
            "            pos += 4",
            "            stop = pos + (key & 0xFFFF)",
            "            if stop > end:",
            "                raise PAST_END_ERROR(key, stop - end, COMMAND_ID, sequence_number)",
            "            table = BYTE_TLVS.get(key)",
            "            if table:",
            "                tlvs.append(table[buf[pos]])",
            "            elif reader := WORD_READERS.get(key):",
            "                tlvs.append(NEW_TLV(TLV, (reader[0], reader[1](buf, pos)[0])))",
            "            else:",
            "                tlvs.append(DECODE_TLV(key, buf[pos:stop], COMMAND_ID, sequence_number))",
            "            pos = stop",
            "    except STRUCT_ERROR:",
            "        raise CUT_ERROR(end - pos, COMMAND_ID, sequence_number) from None",
            "    o.tlvs = tuple(tlvs)",
        ]

    def encoder(self, var: str) -> Encoding:
        return (
            [
                f"{var} = b''",
                "if tlvs := pdu.tlvs:",
                "    area = []",
                "    for tag, value in tlvs:",
                "        writer = INT_WRITERS.get(tag)",
                "        area.append(ENCODE_TLV(tag, value) if writer is None or value.__class__ is bytes"
                " else writer(value))",
                f"    {var} = b''.join(area)",
            ],
            [],
            [("%s", var)],
        )

    def namespace(self) -> dict[str, Any]:
        return {
            "U32": _U32.unpack_from,
            "STRUCT_ERROR": struct.error,
            "BYTE_TLVS": BYTE_TLVS,
            "WORD_READERS": _WORD_READERS,
            "NEW_TLV": _new_tlv,
            "TLV": Tlv,
            "INT_WRITERS": INT_WRITERS,
            "DECODE_TLV": decode_tlv,
            "ENCODE_TLV": encode_tlv,
            "PAST_END_ERROR": past_end_error,
            "CUT_ERROR": cut_error,
        }

    def problem(self, pdu: Pdu) -> LocalProtocolError | None:
        try:
            encode_tlvs(cast(WithTlvs, pdu).tlvs)
        except LocalProtocolError as exc:
            return exc
        return None


TLVS = Tlvs()
