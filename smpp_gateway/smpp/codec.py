"""Encode and decode whole SMPP 3.4 PDUs: ``encode(pdu) -> bytes``, ``decode(frame) -> Pdu``.

Theory of operation
-------------------
Each command has one field-layout table (``_LAYOUTS``): its mandatory body fields in wire order
(digest section 2.3), each an op that knows how to read and write itself. Consecutive 1-octet
integers share one precompiled ``struct.Struct``; C-octet strings are found with ``bytes.find``.
A PDU class whose dataclass has a ``tlvs`` field takes a TLV area after its last mandatory field;
any other class must end exactly there.

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
status-0 response without its body                ESME_RINVCMDLEN
C-string longer than its maximum (max has NUL)    the field's status, see ``_FIELD_STATUS``
time field not 0 or 16 characters                 ESME_RINVSCHED / ESME_RINVEXPIRY
sm_length past the end, or 255 (3.4 max is 254)   ESME_RINVMSGLEN
number_of_dests 0 or over 254                     ESME_RINVNUMDESTS
dest_flag not 1 or 2                              ESME_RINVDESTFLAG
TLV header cut short, TLV length past the end     ESME_RINVOPTPARSTREAM
known TLV with a length its type does not allow   ESME_RINVPARLEN
================================================  =======================================
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any, cast

from . import pdu as p
from .constants import CommandId, CommandStatus
from .errors import LocalProtocolError, RemoteProtocolError
from .tlv import decode_tlvs, encode_tlvs

# 64 KiB of message_payload (the TLV length field's own limit) plus the longest mandatory part of any
# message PDU (data_sm: 16 + 143 octets) fits with room to spare. Precedents: Kannel caps PDUs at
# 7424 octets, fiorix/go-smpp at 4096, gosmpp and Wireshark's heuristic at 64 KiB. A cap in the
# low kilobytes would refuse legal message_payload PDUs; much more is not SMPP traffic.
DEFAULT_MAX_PDU_SIZE = 64 * 1024 + 1024
HEADER_SIZE = 16
MAX_SHORT_MESSAGE = 254  # 3.4; SMPP 5.0 allows 255

_HEADER = struct.Struct(">IIII")
_B2 = struct.Struct(">BB")
_UNSUCCESS_CODE = struct.Struct(">I")
_STATUSES: dict[int, int] = {int(s): s for s in CommandStatus}
_S = CommandStatus

# The status that names a C-string field when its value is too long or malformed. Fields with no
# 3.4 status of their own (address_range, final_date) fall back to ESME_RINVCMDLEN.
_FIELD_STATUS: dict[str, CommandStatus] = {
    "system_id": _S.ESME_RINVSYSID,
    "password": _S.ESME_RINVPASWD,
    "system_type": _S.ESME_RINVSYSTYP,
    "service_type": _S.ESME_RINVSERTYP,
    "source_addr": _S.ESME_RINVSRCADR,
    "destination_addr": _S.ESME_RINVDSTADR,
    "esme_addr": _S.ESME_RINVDSTADR,
    "message_id": _S.ESME_RINVMSGID,
    "schedule_delivery_time": _S.ESME_RINVSCHED,
    "validity_period": _S.ESME_RINVEXPIRY,
    "dl_name": _S.ESME_RINVDLNAME,
}


def _error(status: CommandStatus, detail: str) -> RemoteProtocolError:
    return RemoteProtocolError(status, detail)


def _read_cstr(buf: bytes, pos: int, max_size: int, name: str) -> tuple[str, int]:
    """The C-string at ``pos`` (without its NUL) and the position after the NUL."""
    nul = buf.find(b"\0", pos, pos + max_size)
    if nul < 0:
        if pos + max_size > len(buf):
            raise _error(_S.ESME_RINVCMDLEN, f"{name}: no NUL before the end of the PDU")
        status = _FIELD_STATUS.get(name, _S.ESME_RINVCMDLEN)
        raise _error(status, f"{name}: no NUL within its maximum of {max_size} octets")
    return buf[pos:nul].decode("latin-1"), nul + 1


def _cstr_bytes(value: str, max_size: int, name: str) -> bytes:
    """``value`` as a C-string, NUL included; LocalProtocolError when it does not fit."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = b"\0"  # reported below with the field's status
    if len(raw) >= max_size or b"\0" in raw:
        status = _FIELD_STATUS.get(name, _S.ESME_RINVCMDLEN)
        raise LocalProtocolError(status, f"{name}: {value!r} is not Latin-1 text of {max_size - 1} or fewer")
    return raw + b"\0"


class _Op:
    """One or more consecutive body fields. ``decode`` appends their values to ``out`` and returns
    the next position; ``encode`` reads ``len(names)`` values from ``values[i:]``."""

    __slots__ = ("names",)
    names: tuple[str, ...]

    def decode(self, buf: bytes, pos: int, out: list[object]) -> int:
        raise NotImplementedError

    def encode(self, values: Sequence[Any], i: int, chunks: list[bytes]) -> int:
        raise NotImplementedError


class _CStr(_Op):
    __slots__ = ("max_size", "name")

    def __init__(self, name: str, max_size: int) -> None:
        self.names = (name,)
        self.name = name
        self.max_size = max_size

    def decode(self, buf: bytes, pos: int, out: list[object]) -> int:
        value, pos = _read_cstr(buf, pos, self.max_size, self.name)
        out.append(value)
        return pos

    def encode(self, values: Sequence[Any], i: int, chunks: list[bytes]) -> int:
        chunks.append(_cstr_bytes(values[i], self.max_size, self.name))
        return i + 1


class _Time(_CStr):
    """schedule_delivery_time, validity_period, final_date: NULL (1 octet) or 16 characters + NUL."""

    __slots__ = ()

    def __init__(self, name: str) -> None:
        super().__init__(name, 17)

    def decode(self, buf: bytes, pos: int, out: list[object]) -> int:
        end = super().decode(buf, pos, out)
        if end - pos not in (1, 17):
            status = _FIELD_STATUS.get(self.name, _S.ESME_RINVCMDLEN)
            raise _error(status, f"{self.name}: {end - pos - 1} characters, not 0 or 16")
        return end

    def encode(self, values: Sequence[Any], i: int, chunks: list[bytes]) -> int:
        raw = _cstr_bytes(values[i], 17, self.name)
        if len(raw) not in (1, 17):
            status = _FIELD_STATUS.get(self.name, _S.ESME_RINVCMDLEN)
            raise LocalProtocolError(status, f"{self.name}: {values[i]!r} is not empty or 16 characters")
        chunks.append(raw)
        return i + 1


class _Ints(_Op):
    """Consecutive 1-octet integers, read and written by one Struct."""

    __slots__ = ("struct",)

    def __init__(self, *names: str) -> None:
        self.names = names
        self.struct = struct.Struct(">" + "B" * len(names))

    def decode(self, buf: bytes, pos: int, out: list[object]) -> int:
        out.extend(self.struct.unpack_from(buf, pos))
        return pos + self.struct.size

    def encode(self, values: Sequence[Any], i: int, chunks: list[bytes]) -> int:
        n = len(self.names)
        try:
            chunks.append(self.struct.pack(*values[i : i + n]))
        except struct.error:
            raise LocalProtocolError(
                _S.ESME_RSYSERR, f"{self.names} = {values[i : i + n]}: not octets"
            ) from None
        return i + n


class _ShortMessage(_Op):
    """sm_length (I1) and short_message (that many octets)."""

    __slots__ = ()

    def __init__(self) -> None:
        self.names = ("short_message",)

    def decode(self, buf: bytes, pos: int, out: list[object]) -> int:
        length = buf[pos]
        end = pos + 1 + length
        if length > MAX_SHORT_MESSAGE or end > len(buf):
            raise _error(_S.ESME_RINVMSGLEN, f"sm_length {length} with {len(buf) - pos - 1} octets left")
        out.append(buf[pos + 1 : end])
        return end

    def encode(self, values: Sequence[Any], i: int, chunks: list[bytes]) -> int:
        message = values[i]
        if type(message) is not bytes or len(message) > MAX_SHORT_MESSAGE:
            detail = f"short_message must be bytes of at most {MAX_SHORT_MESSAGE} octets"
            raise LocalProtocolError(_S.ESME_RINVMSGLEN, detail)
        chunks.append(bytes((len(message),)))
        chunks.append(message)
        return i + 1


class _DestAddresses(_Op):
    """submit_multi: number_of_dests (I1, 1-254), then per destination a dest_flag and its fields."""

    __slots__ = ()

    def __init__(self) -> None:
        self.names = ("dest_addresses",)

    def decode(self, buf: bytes, pos: int, out: list[object]) -> int:
        count = buf[pos]
        if not 1 <= count <= MAX_SHORT_MESSAGE:
            raise _error(_S.ESME_RINVNUMDESTS, f"number_of_dests {count}")
        pos += 1
        dests: list[p.DestAddress | p.DistributionList] = []
        for _ in range(count):
            flag = buf[pos]
            if flag == 1:
                ton, npi = _B2.unpack_from(buf, pos + 1)
                address, pos = _read_cstr(buf, pos + 3, 21, "destination_addr")
                dests.append(p.DestAddress(ton, npi, address))
            elif flag == 2:
                name, pos = _read_cstr(buf, pos + 1, 21, "dl_name")
                dests.append(p.DistributionList(name))
            else:
                raise _error(_S.ESME_RINVDESTFLAG, f"dest_flag {flag}")
        out.append(tuple(dests))
        return pos

    def encode(self, values: Sequence[Any], i: int, chunks: list[bytes]) -> int:
        dests = values[i]
        if not 1 <= len(dests) <= MAX_SHORT_MESSAGE:
            raise LocalProtocolError(_S.ESME_RINVNUMDESTS, f"{len(dests)} destinations, not 1 to 254")
        chunks.append(bytes((len(dests),)))
        for dest in dests:
            if isinstance(dest, p.DestAddress):
                chunks.append(b"\x01" + _B2.pack(dest.dest_addr_ton, dest.dest_addr_npi))
                chunks.append(_cstr_bytes(dest.destination_addr, 21, "destination_addr"))
            elif isinstance(dest, p.DistributionList):
                chunks.append(b"\x02" + _cstr_bytes(dest.dl_name, 21, "dl_name"))
            else:
                raise LocalProtocolError(
                    _S.ESME_RINVDESTFLAG, f"{dest!r} is not a DestAddress or DistributionList"
                )
        return i + 1


class _UnsuccessSmes(_Op):
    """submit_multi_resp: no_unsuccess (I1), then per failed destination ton, npi, address, status."""

    __slots__ = ()

    def __init__(self) -> None:
        self.names = ("unsuccess_smes",)

    def decode(self, buf: bytes, pos: int, out: list[object]) -> int:
        count = buf[pos]
        pos += 1
        smes: list[p.UnsuccessSme] = []
        for _ in range(count):
            ton, npi = _B2.unpack_from(buf, pos)
            address, pos = _read_cstr(buf, pos + 2, 21, "destination_addr")
            (code,) = _UNSUCCESS_CODE.unpack_from(buf, pos)
            smes.append(p.UnsuccessSme(ton, npi, address, code))
            pos += 4
        out.append(tuple(smes))
        return pos

    def encode(self, values: Sequence[Any], i: int, chunks: list[bytes]) -> int:
        smes = values[i]
        chunks.append(bytes((len(smes),)))
        for sme in smes:
            chunks.append(_B2.pack(sme.dest_addr_ton, sme.dest_addr_npi))
            chunks.append(_cstr_bytes(sme.destination_addr, 21, "destination_addr"))
            chunks.append(_UNSUCCESS_CODE.pack(sme.error_status_code))
        return i + 1


# --- field layouts (digest section 2.3) -------------------------------------------------------

_BIND = (
    _CStr("system_id", 16),
    _CStr("password", 9),
    _CStr("system_type", 13),
    _Ints("interface_version", "addr_ton", "addr_npi"),
    _CStr("address_range", 41),
)
_SYSTEM_ID = (_CStr("system_id", 16),)
_MESSAGE_ID = (_CStr("message_id", 65),)
_SHORT_MESSAGE_TAIL = (
    _Ints("esm_class", "protocol_id", "priority_flag"),
    _Time("schedule_delivery_time"),
    _Time("validity_period"),
    _Ints("registered_delivery", "replace_if_present_flag", "data_coding", "sm_default_msg_id"),
    _ShortMessage(),
)
_SOURCE_21 = (_Ints("source_addr_ton", "source_addr_npi"), _CStr("source_addr", 21))
_DEST_21 = (_Ints("dest_addr_ton", "dest_addr_npi"), _CStr("destination_addr", 21))
_SHORT_MESSAGE = (_CStr("service_type", 6), *_SOURCE_21, *_DEST_21, *_SHORT_MESSAGE_TAIL)

_LAYOUTS: dict[type[p.Pdu], tuple[_Op, ...]] = {
    p.GenericNack: (),
    p.BindTransmitter: _BIND,
    p.BindReceiver: _BIND,
    p.BindTransceiver: _BIND,
    p.BindTransmitterResp: _SYSTEM_ID,
    p.BindReceiverResp: _SYSTEM_ID,
    p.BindTransceiverResp: _SYSTEM_ID,
    p.Outbind: (_CStr("system_id", 16), _CStr("password", 9)),
    p.Unbind: (),
    p.UnbindResp: (),
    p.EnquireLink: (),
    p.EnquireLinkResp: (),
    p.SubmitSm: _SHORT_MESSAGE,
    p.SubmitSmResp: _MESSAGE_ID,
    p.DeliverSm: _SHORT_MESSAGE,
    p.DeliverSmResp: _MESSAGE_ID,
    p.DataSm: (
        _CStr("service_type", 6),
        _Ints("source_addr_ton", "source_addr_npi"),
        _CStr("source_addr", 65),
        _Ints("dest_addr_ton", "dest_addr_npi"),
        _CStr("destination_addr", 65),
        _Ints("esm_class", "registered_delivery", "data_coding"),
    ),
    p.DataSmResp: _MESSAGE_ID,
    p.SubmitMulti: (_CStr("service_type", 6), *_SOURCE_21, _DestAddresses(), *_SHORT_MESSAGE_TAIL),
    p.SubmitMultiResp: (*_MESSAGE_ID, _UnsuccessSmes()),
    p.QuerySm: (*_MESSAGE_ID, *_SOURCE_21),
    p.QuerySmResp: (*_MESSAGE_ID, _Time("final_date"), _Ints("message_state", "error_code")),
    p.CancelSm: (_CStr("service_type", 6), *_MESSAGE_ID, *_SOURCE_21, *_DEST_21),
    p.CancelSmResp: (),
    p.ReplaceSm: (
        *_MESSAGE_ID,
        *_SOURCE_21,
        _Time("schedule_delivery_time"),
        _Time("validity_period"),
        _Ints("registered_delivery", "sm_default_msg_id"),
        _ShortMessage(),
    ),
    p.ReplaceSmResp: (),
    p.AlertNotification: (
        _Ints("source_addr_ton", "source_addr_npi"),
        _CStr("source_addr", 65),
        _Ints("esme_addr_ton", "esme_addr_npi"),
        _CStr("esme_addr", 65),
    ),
}


# --- per-command codecs -----------------------------------------------------------------------


def _compile_maker(cls: type[p.Pdu], names: Sequence[str]) -> Callable[[list[Any]], p.Pdu]:
    """A function building a ``cls`` from its field values in ``names`` order, without the keyword
    ``__init__``.

    Why: a frozen dataclass's ``__init__`` sets every field through ``object.__setattr__`` and
    parses keywords; for submit_sm that is about 3.5 us, more than the rest of decoding. The maker
    fills the slots of a mutable twin class (same layout, plain attribute stores that CPython
    specialises) and then turns it into ``cls`` by assigning ``__class__``, which CPython allows
    between classes of identical layout. The result is an ordinary, frozen ``cls`` instance. The
    source is generated from the layout table, as ``dataclasses`` itself does.
    """
    expected = {f.name for f in fields(cls)}
    if set(names) != expected:
        raise TypeError(f"layout of {cls.__name__} does not match its fields: {set(names) ^ expected}")
    twin = type(
        f"_{cls.__name__}Builder",
        (cls,),
        {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__},
    )
    lines = ["def make(v):", "    o = new(twin)"]
    lines += [f"    o.{name} = v[{i}]" for i, name in enumerate(names)]
    lines += ["    o.__class__ = cls", "    return o"]
    namespace: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec("\n".join(lines), namespace)
    return cast(Callable[[list[Any]], p.Pdu], namespace["make"])


def _values_getter(names: tuple[str, ...]) -> Callable[[p.Pdu], tuple[Any, ...]]:
    if len(names) >= 2:
        return cast(Callable[[p.Pdu], tuple[Any, ...]], attrgetter(*names))
    return lambda pdu: tuple(getattr(pdu, name) for name in names)


class _PduCodec:
    __slots__ = ("cls", "command_id", "has_body", "has_tlvs", "is_response", "make", "ops", "values")

    def __init__(self, cls: type[p.Pdu], ops: tuple[_Op, ...]) -> None:
        self.cls = cls
        self.command_id = cls.command_id
        self.ops = ops
        self.is_response = issubclass(cls, p.Response)
        self.has_body = bool(ops)
        self.has_tlvs = any(f.name == "tlvs" for f in fields(cls))
        body_names = tuple(name for op in ops for name in op.names)
        head = ("sequence_number", "command_status", "body_omitted")[: 3 if self.is_response else 2]
        self.make = _compile_maker(cls, (*head, *body_names, *(("tlvs",) if self.has_tlvs else ())))
        self.values = _values_getter(body_names)

    def decode(self, buf: bytes, status: int, sequence_number: int) -> p.Pdu:
        end = len(buf)
        if end == HEADER_SIZE and self.is_response and self.has_body:
            if status == 0:
                raise _error(_S.ESME_RINVCMDLEN, "a status-0 response without its body")
            return self._bare(status, sequence_number)
        values: list[Any] = (
            [sequence_number, status, False] if self.is_response else [sequence_number, status]
        )
        pos = HEADER_SIZE
        for op in self.ops:
            pos = op.decode(buf, pos, values)
        if self.has_tlvs:
            values.append(decode_tlvs(buf, pos, end, self.command_id, sequence_number))
        elif pos != end:
            raise _error(_S.ESME_RINVCMDLEN, f"{end - pos} octets after the last field")
        return self.make(values)

    def encode(self, pdu: p.Pdu) -> bytes:
        if self.is_response and cast(p.Response, pdu).body_omitted:
            return self._encode_omitted(cast(p.Response, pdu))
        values = self.values(pdu)
        chunks: list[bytes] = []
        i = 0
        for op in self.ops:
            i = op.encode(values, i, chunks)
        if self.has_tlvs:
            chunks.append(encode_tlvs(cast(p.WithTlvs, pdu).tlvs))
        body = b"".join(chunks)
        header = _HEADER.pack(
            HEADER_SIZE + len(body), self.command_id, pdu.command_status, pdu.sequence_number
        )
        return header + body

    def _bare(self, status: int, sequence_number: int) -> p.Response:
        """The error response with its body omitted."""
        cls = cast(type[p.Response], self.cls)
        return cls(sequence_number=sequence_number, command_status=status, body_omitted=True)

    def _encode_omitted(self, pdu: p.Response) -> bytes:
        status, sequence_number = pdu.command_status, pdu.sequence_number
        if not self.has_body or status == 0 or pdu != self._bare(status, sequence_number):
            detail = "body_omitted needs a non-zero status, a response with a body, and no field set"
            raise LocalProtocolError(_S.ESME_RSYSERR, detail)
        return _HEADER.pack(HEADER_SIZE, self.command_id, status, sequence_number)


_BY_CLASS: dict[type[p.Pdu], _PduCodec] = {cls: _PduCodec(cls, ops) for cls, ops in _LAYOUTS.items()}
_BY_ID: dict[int, _PduCodec] = {codec.command_id: codec for codec in _BY_CLASS.values()}


# --- public API -------------------------------------------------------------------------------


def decode_header(data: bytes | bytearray | memoryview) -> tuple[int, int, int, int]:
    """command_length, command_id, command_status, sequence_number of the PDU starting ``data``."""
    if len(data) < HEADER_SIZE:
        raise RemoteProtocolError(_S.ESME_RINVCMDLEN, f"{len(data)} octets, a header needs 16", fatal=True)
    header: tuple[int, int, int, int] = _HEADER.unpack_from(data)
    return header


def decode(frame: bytes | bytearray | memoryview) -> p.Pdu:
    """The PDU in ``frame``: exactly one whole PDU, header included. Raises RemoteProtocolError."""
    buf = frame if type(frame) is bytes else bytes(frame)
    length, command_id, status, sequence_number = decode_header(buf)
    if length != len(buf):
        raise RemoteProtocolError(
            _S.ESME_RINVCMDLEN,
            f"command_length {length} but the frame has {len(buf)} octets",
            command_id=command_id,
            sequence_number=sequence_number,
            fatal=True,
        )
    codec = _BY_ID.get(command_id)
    if codec is None:
        raise RemoteProtocolError(
            _S.ESME_RINVCMDID,
            f"command_id 0x{command_id:08x}",
            command_id=command_id,
            sequence_number=sequence_number,
        )
    try:
        return codec.decode(buf, _STATUSES.get(status, status), sequence_number)
    except RemoteProtocolError as exc:
        exc.command_id = codec.command_id
        exc.sequence_number = sequence_number
        raise
    except (struct.error, IndexError):
        raise RemoteProtocolError(
            _S.ESME_RINVCMDLEN,
            "the body ends inside a field",
            command_id=codec.command_id,
            sequence_number=sequence_number,
        ) from None


def encode(pdu: p.Pdu) -> bytes:
    """The wire form of ``pdu``, header included. Raises LocalProtocolError."""
    codec = _BY_CLASS.get(type(pdu))
    if codec is None:
        raise LocalProtocolError(_S.ESME_RINVCMDID, f"{type(pdu).__name__} is not an SMPP 3.4 PDU class")
    try:
        return codec.encode(pdu)
    except (struct.error, TypeError, ValueError, AttributeError, OverflowError) as exc:
        detail = f"{type(pdu).__name__} cannot be encoded: {exc}"
        raise LocalProtocolError(_S.ESME_RSYSERR, detail, command_id=codec.command_id) from None


__all__ = ["DEFAULT_MAX_PDU_SIZE", "HEADER_SIZE", "CommandId", "decode", "decode_header", "encode"]
