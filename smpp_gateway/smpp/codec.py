"""Encode and decode whole SMPP 3.4 PDUs: ``encode(pdu) -> bytes``, ``decode(frame) -> Pdu``.

Theory of operation
-------------------
Each command has one field-layout table (``_LAYOUTS``): its mandatory body fields in wire order
(digest section 2.3), built from the field kinds of ``layout``. A PDU class whose dataclass has a
``tlvs`` field takes a TLV area after its last mandatory field; any other class must end exactly
there. At import every layout is compiled (``layout.compile_layout``) into one straight-line decode
function and one encode function; ``decode`` and ``encode`` below only read the header, dispatch,
and turn stray low-level exceptions into protocol errors.

Rule 1: ``decode`` raises only ``RemoteProtocolError``, carrying the command_id and sequence_number
whenever the header could be read, so the session can answer with the matching ``_resp``. A frame
whose header lies about its own length is ``fatal`` (the stream can no longer be framed).
Rule 2: ``encode`` raises only ``LocalProtocolError``: a value that cannot be put on the wire
(over-long field, non-Latin-1 text, integer out of range, short_message over 254 octets).
Rule 3: round trips are exact. ``decode(encode(p)) == p`` for every PDU ``encode`` accepts and
``encode(decode(b)) == b`` for every frame ``decode`` accepts; that is why reserved values are
kept as ints, unknown TLVs as bytes, and an error ``_resp`` without a body decodes with
``body_omitted=True``.

Status of a decode error (the status the session answers with):

================================================  =======================================
what is wrong                                     status
================================================  =======================================
frame shorter than 16, command_length != frame    ESME_RINVCMDLEN, fatal
unknown command_id                                ESME_RINVCMDID (answer: generic_nack)
body ends inside a field, or an integer, or a     ESME_RINVCMDLEN
C-string whose NUL would lie past the frame end
octets left after the last field (no TLV area)    ESME_RINVCMDLEN
status-0 response without its body               ESME_RINVCMDLEN (not deliver_sm_resp, whose
                                                  message_id is unused: an ack all the same)
C-string longer than its maximum (max has NUL)    the field's status, ``layout.FIELD_STATUS``
time field not 0 or 16 characters                 ESME_RINVSCHED / ESME_RINVEXPIRY
sm_length past the end, or 255 (3.4 max is 254)   ESME_RINVMSGLEN
number_of_dests 0 or over 254                     ESME_RINVNUMDESTS
dest_flag not 1 or 2                              ESME_RINVDESTFLAG
TLV header cut short, TLV length past the end     ESME_RINVOPTPARSTREAM
known TLV with a length its type does not allow   ESME_RINVPARLEN
================================================  =======================================

Status of an encode error (LocalProtocolError): the same field statuses for a C-string that is too
long, holds a NUL or is not Latin-1; ESME_RINVMSGLEN for short_message; ESME_RINVNUMDESTS,
ESME_RINVDESTFLAG, ESME_RINVDLNAME for submit_multi's list; ESME_RINVPARLEN or ESME_RINVOPTPARAMVAL
for a TLV; ESME_RSYSERR for anything else (an integer out of range, a value of the wrong type,
``body_omitted`` where it cannot apply); ESME_RINVCMDID for an object that is not a PDU class.
"""

from __future__ import annotations

import struct

from . import pdu as p
from .constants import CommandId, CommandStatus
from .errors import LocalProtocolError, RemoteProtocolError
from .layout import (
    HEADER,
    MAX_SHORT_MESSAGE,
    CStr,
    Decoder,
    Encoder,
    Field,
    Helper,
    Ints,
    ShortMessage,
    compile_layout,
    cstr_bytes,
    read_cstr,
    time_field,
)
from .tlv import TLVS

# 64 KiB of message_payload (the TLV length field's own limit) plus the longest mandatory part of any
# message PDU (data_sm: 16 + 143 octets) fits with room to spare. Precedents: Kannel caps PDUs at
# 7424 octets, fiorix/go-smpp at 4096, gosmpp and Wireshark's heuristic at 64 KiB. A cap in the
# low kilobytes would refuse legal message_payload PDUs; much more is not SMPP traffic.
DEFAULT_MAX_PDU_SIZE = 64 * 1024 + 1024
HEADER_SIZE = HEADER.size
MAX_DESTINATIONS = 254  # submit_multi number_of_dests

_HEADER_UNPACK = HEADER.unpack_from
_B2 = struct.Struct(">BB")
_U32 = struct.Struct(">I")
_STATUSES: dict[int, int] = {int(s): s for s in CommandStatus}
_S = CommandStatus


def _decode_dests(buf: bytes, pos: int) -> tuple[tuple[p.DestAddress | p.DistributionList, ...], int]:
    """submit_multi: number_of_dests (I1, 1-254), then per destination a dest_flag and its fields."""
    count = buf[pos]
    if not 1 <= count <= MAX_DESTINATIONS:
        raise RemoteProtocolError(_S.ESME_RINVNUMDESTS, f"number_of_dests {count}")
    pos += 1
    dests: list[p.DestAddress | p.DistributionList] = []
    for _ in range(count):
        flag = buf[pos]
        if flag == 1:
            ton, npi = _B2.unpack_from(buf, pos + 1)
            address, pos = read_cstr(buf, pos + 3, 21, "destination_addr")
            dests.append(p.DestAddress(ton, npi, address))
        elif flag == 2:
            name, pos = read_cstr(buf, pos + 1, 21, "dl_name")
            dests.append(p.DistributionList(name))
        else:
            raise RemoteProtocolError(_S.ESME_RINVDESTFLAG, f"dest_flag {flag}")
    return tuple(dests), pos


def _encode_dests(dests: tuple[p.DestAddress | p.DistributionList, ...]) -> bytes:
    if not 1 <= len(dests) <= MAX_DESTINATIONS:
        raise LocalProtocolError(
            _S.ESME_RINVNUMDESTS, f"{len(dests)} destinations, not 1 to {MAX_DESTINATIONS}"
        )
    out = [bytes((len(dests),))]
    for dest in dests:
        if isinstance(dest, p.DestAddress):
            out.append(b"\x01" + _B2.pack(dest.dest_addr_ton, dest.dest_addr_npi))
            out.append(cstr_bytes(dest.destination_addr, 21, "destination_addr"))
        elif isinstance(dest, p.DistributionList):
            out.append(b"\x02" + cstr_bytes(dest.dl_name, 21, "dl_name"))
        else:
            raise LocalProtocolError(
                _S.ESME_RINVDESTFLAG, f"{dest!r} is not a DestAddress or DistributionList"
            )
    return b"".join(out)


def _decode_unsuccess(buf: bytes, pos: int) -> tuple[tuple[p.UnsuccessSme, ...], int]:
    """submit_multi_resp: no_unsuccess (I1), then per failed destination ton, npi, address, status."""
    count = buf[pos]
    pos += 1
    smes: list[p.UnsuccessSme] = []
    for _ in range(count):
        ton, npi = _B2.unpack_from(buf, pos)
        address, pos = read_cstr(buf, pos + 2, 21, "destination_addr")
        (code,) = _U32.unpack_from(buf, pos)
        smes.append(p.UnsuccessSme(ton, npi, address, _STATUSES.get(code, code)))
        pos += 4
    return tuple(smes), pos


def _encode_unsuccess(smes: tuple[p.UnsuccessSme, ...]) -> bytes:
    out = [bytes((len(smes),))]
    for sme in smes:
        out.append(_B2.pack(sme.dest_addr_ton, sme.dest_addr_npi))
        out.append(cstr_bytes(sme.destination_addr, 21, "destination_addr"))
        out.append(_U32.pack(sme.error_status_code))
    return b"".join(out)


# --- field layouts (digest section 2.3) -----------------------------------------------------------

_BIND = (
    CStr("system_id", 16),
    CStr("password", 9),
    CStr("system_type", 13),
    Ints("interface_version", "addr_ton", "addr_npi"),
    CStr("address_range", 41),
)
_SYSTEM_ID = (CStr("system_id", 16),)
_MESSAGE_ID = (CStr("message_id", 65),)
_SOURCE = (Ints("source_addr_ton", "source_addr_npi"), CStr("source_addr", 21))
_DESTINATION = (Ints("dest_addr_ton", "dest_addr_npi"), CStr("destination_addr", 21))
_MESSAGE_TAIL = (  # submit_sm fields 8-18, shared with submit_multi
    Ints("esm_class", "protocol_id", "priority_flag"),
    time_field("schedule_delivery_time"),
    time_field("validity_period"),
    ShortMessage("registered_delivery", "replace_if_present_flag", "data_coding", "sm_default_msg_id"),
)
_SHORT_MESSAGE = (CStr("service_type", 6), *_SOURCE, *_DESTINATION, *_MESSAGE_TAIL)

# TLVS: the TLV area, last, in the PDUs whose dataclass has ``tlvs``. 3.4 has none in
# submit_sm_resp, deliver_sm_resp and submit_multi_resp; 5.0 peers add some there and they are kept.
_LAYOUTS: dict[type[p.Pdu], tuple[Field, ...]] = {
    p.GenericNack: (),
    p.BindTransmitter: _BIND,
    p.BindReceiver: _BIND,
    p.BindTransceiver: _BIND,
    p.BindTransmitterResp: (*_SYSTEM_ID, TLVS),
    p.BindReceiverResp: (*_SYSTEM_ID, TLVS),
    p.BindTransceiverResp: (*_SYSTEM_ID, TLVS),
    p.Outbind: (CStr("system_id", 16), CStr("password", 9)),
    p.Unbind: (),
    p.UnbindResp: (),
    p.EnquireLink: (),
    p.EnquireLinkResp: (),
    p.SubmitSm: (*_SHORT_MESSAGE, TLVS),
    p.SubmitSmResp: (*_MESSAGE_ID, TLVS),
    p.DeliverSm: (*_SHORT_MESSAGE, TLVS),
    p.DeliverSmResp: (*_MESSAGE_ID, TLVS),
    p.DataSm: (
        CStr("service_type", 6),
        Ints("source_addr_ton", "source_addr_npi"),
        CStr("source_addr", 65),
        Ints("dest_addr_ton", "dest_addr_npi"),
        CStr("destination_addr", 65),
        Ints("esm_class", "registered_delivery", "data_coding"),
        TLVS,
    ),
    p.DataSmResp: (*_MESSAGE_ID, TLVS),
    p.SubmitMulti: (
        CStr("service_type", 6),
        *_SOURCE,
        Helper("dest_addresses", _decode_dests, _encode_dests),
        *_MESSAGE_TAIL,
        TLVS,
    ),
    p.SubmitMultiResp: (*_MESSAGE_ID, Helper("unsuccess_smes", _decode_unsuccess, _encode_unsuccess), TLVS),
    p.QuerySm: (*_MESSAGE_ID, *_SOURCE),
    p.QuerySmResp: (*_MESSAGE_ID, time_field("final_date"), Ints("message_state", "error_code")),
    p.CancelSm: (CStr("service_type", 6), *_MESSAGE_ID, *_SOURCE, *_DESTINATION),
    p.CancelSmResp: (),
    p.ReplaceSm: (
        *_MESSAGE_ID,
        *_SOURCE,
        time_field("schedule_delivery_time"),
        time_field("validity_period"),
        ShortMessage("registered_delivery", "sm_default_msg_id"),
        TLVS,  # 5.0 allows message_payload here
    ),
    p.ReplaceSmResp: (),
    p.AlertNotification: (
        Ints("source_addr_ton", "source_addr_npi"),
        CStr("source_addr", 65),
        Ints("esme_addr_ton", "esme_addr_npi"),
        CStr("esme_addr", 65),
        TLVS,
    ),
}


def _encode_failure(pdu: p.Pdu, exc: Exception | None) -> LocalProtocolError:
    """The error for a PDU that cannot be encoded, naming the first field at fault when it can."""
    for field in _LAYOUTS[type(pdu)]:
        try:
            problem = field.problem(pdu)
        except Exception as error:  # a value of the wrong type: the message below names it
            exc = exc or error
            continue
        if problem is not None:
            return problem
    detail = f"{type(pdu).__name__} cannot be encoded: {exc}"
    return LocalProtocolError(_S.ESME_RSYSERR, detail, command_id=pdu.command_id)


_COMPILED = {cls: compile_layout(cls, layout, _encode_failure) for cls, layout in _LAYOUTS.items()}
_DECODERS: dict[int, Decoder] = {cls.command_id: decoder for cls, (decoder, _) in _COMPILED.items()}
_COMMAND_IDS: dict[int, CommandId] = {int(command_id): command_id for command_id in CommandId}
_ENCODERS: dict[type[p.Pdu], Encoder] = {cls: encoder for cls, (_, encoder) in _COMPILED.items()}


# --- public API -------------------------------------------------------------------------------


def decode_header(data: bytes | bytearray | memoryview) -> tuple[int, int, int, int]:
    """command_length, command_id, command_status, sequence_number of the PDU starting ``data``."""
    if len(data) < HEADER_SIZE:
        raise RemoteProtocolError(_S.ESME_RINVCMDLEN, f"{len(data)} octets, a header needs 16", fatal=True)
    header: tuple[int, int, int, int] = HEADER.unpack_from(data)
    return header


def decode(frame: bytes | bytearray | memoryview) -> p.Pdu:
    """The PDU in ``frame``: exactly one whole PDU, header included. Raises RemoteProtocolError."""
    buf = frame if frame.__class__ is bytes else bytes(frame)
    try:
        length, command_id, status, sequence_number = _HEADER_UNPACK(buf)
    except struct.error:
        decode_header(buf)  # raises the error for a frame shorter than a header
        raise
    decoder = _DECODERS.get(command_id)
    if decoder is None or length != len(buf):
        raise _frame_error(length, len(buf), command_id, sequence_number)
    try:
        return decoder(buf, length, _STATUSES.get(status, status), sequence_number)
    except RemoteProtocolError as exc:
        exc.command_id = _COMMAND_IDS[command_id]
        exc.sequence_number = sequence_number
        raise
    except (struct.error, IndexError):  # a fixed-size field, or sm_length, past the end
        command = _COMMAND_IDS[command_id]
        status = _S.ESME_RINVCMDLEN
        detail = "the body ends inside a field"
        raise RemoteProtocolError(
            status, detail, command_id=command, sequence_number=sequence_number
        ) from None


def _frame_error(length: int, size: int, command_id: int, sequence_number: int) -> RemoteProtocolError:
    if length != size:  # the header lies about the frame: framing itself is broken
        detail = f"command_length {length} but the frame has {size} octets"
        status, fatal = _S.ESME_RINVCMDLEN, True
    else:
        detail, status, fatal = f"command_id 0x{command_id:08x}", _S.ESME_RINVCMDID, False
    return RemoteProtocolError(
        status,
        detail,
        command_id=_COMMAND_IDS.get(command_id, command_id),
        sequence_number=sequence_number,
        fatal=fatal,
    )


def encode(pdu: p.Pdu) -> bytes:
    """The wire form of ``pdu``, header included. Raises LocalProtocolError."""
    encoder = _ENCODERS.get(pdu.__class__)
    if encoder is None:
        raise LocalProtocolError(_S.ESME_RINVCMDID, f"{type(pdu).__name__} is not an SMPP 3.4 PDU class")
    try:
        return encoder(pdu)
    except (struct.error, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise _encode_failure(pdu, exc) from None


__all__ = [
    "DEFAULT_MAX_PDU_SIZE",
    "HEADER_SIZE",
    "MAX_DESTINATIONS",
    "MAX_SHORT_MESSAGE",
    "decode",
    "decode_header",
    "encode",
]
