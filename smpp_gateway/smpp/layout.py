"""Field kinds of the PDU layouts, and the compiler that turns a layout into decode/encode functions.

``codec`` declares, per command, its body fields in wire order as a tuple of the kinds below. Each kind
writes the few lines of Python source that read and write it; ``compile_layout`` strings them into one
straight-line ``decode`` and one ``encode`` function per command and ``exec``s them, as ``dataclasses``
writes ``__init__``. Why: with CPython a loop over field descriptors costs more than the fields
themselves, and the target is 6 us to decode and encode a submit_sm (docs/benchmarks.md). The
round-trip tests run every generated function; ``linecache`` holds their source for tracebacks.

The generated code runs the common case only. Every error leaves through a helper below that says
which field is at fault and with which status (the table in ``codec``'s docstring). The kind for the
TLV area, ``tlv.TLVS``, lives with the TLV table.
"""

from __future__ import annotations

import linecache
import struct
from collections.abc import Callable
from dataclasses import fields
from functools import partial
from typing import Any, cast

from . import pdu as p
from .constants import CommandStatus
from .errors import LocalProtocolError, RemoteProtocolError
from .frozen import mutable_twin

HEADER = struct.Struct(">IIII")
MAX_SHORT_MESSAGE = 254  # 3.4; SMPP 5.0 allows 255
_S = CommandStatus

# The status that names a C-string field when its value is too long or malformed. Fields with no
# 3.4 status of their own (address_range, final_date) fall back to ESME_RINVCMDLEN.
FIELD_STATUS: dict[str, CommandStatus] = {
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


def _status(name: str) -> CommandStatus:
    return FIELD_STATUS.get(name, _S.ESME_RINVCMDLEN)


# --- the rare paths: errors, and the fields too irregular to be worth compiling ------------------


def _cstr_error(buf: bytes, pos: int, max_size: int, name: str) -> RemoteProtocolError:
    if pos + max_size > len(buf):
        return RemoteProtocolError(_S.ESME_RINVCMDLEN, f"{name}: no NUL before the end of the PDU")
    return RemoteProtocolError(_status(name), f"{name}: no NUL within its maximum of {max_size} octets")


def _time_error(length: int, name: str) -> RemoteProtocolError:
    return RemoteProtocolError(_status(name), f"{name}: {length} characters, not 0 or 16")


def _sm_length_error(length: int, left: int) -> RemoteProtocolError:
    return RemoteProtocolError(_S.ESME_RINVMSGLEN, f"sm_length {length} with {left} octets left")


def _trailing_error(count: int) -> RemoteProtocolError:
    return RemoteProtocolError(_S.ESME_RINVCMDLEN, f"{count} octets after the last field")


def text_error(name: str, value: object, max_size: int, time: bool = False) -> LocalProtocolError:
    expected = "empty or 16 characters" if time else f"at most {max_size - 1} characters"
    return LocalProtocolError(
        _status(name), f"{name}: {value!r} is not Latin-1 text of {expected}, without NUL"
    )


def _sm_value_error(value: object) -> LocalProtocolError:
    detail = f"short_message must be bytes of at most {MAX_SHORT_MESSAGE} octets, not {type(value).__name__}"
    return LocalProtocolError(_S.ESME_RINVMSGLEN, detail)


def read_cstr(buf: bytes, pos: int, max_size: int, name: str) -> tuple[str, int]:
    nul = buf.find(b"\0", pos, pos + max_size)
    if nul < 0:
        raise _cstr_error(buf, pos, max_size, name)
    return buf[pos:nul].decode("latin-1"), nul + 1


def cstr_bytes(value: str, max_size: int, name: str) -> bytes:
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = b"\0"  # reported below
    if len(raw) >= max_size or b"\0" in raw:
        raise text_error(name, value, max_size)
    return raw + b"\0"


# --- field kinds: each writes the source lines that decode and encode it -------------------------
# Decoder lines see ``buf``, ``end``, ``find`` (buf.find), ``pos`` and ``o`` (the PDU being filled).
# An encoder gives lines that set locals, conditions under which the values cannot be encoded, and
# the expressions of its chunks; ``problem`` is the slow, precise check behind the error message.
# Names in capitals are in _GLOBALS.

# (lines, invalid-if conditions, [(bytes %-format piece, argument expression or "")])
Encoding = tuple[list[str], list[str], list[tuple[str, str]]]


class Field:
    __slots__ = ("names",)
    names: tuple[str, ...]

    def decoder(self) -> list[str]:
        raise NotImplementedError

    def encoder(self, var: str) -> Encoding:
        raise NotImplementedError

    def problem(self, pdu: p.Pdu) -> LocalProtocolError | None:
        raise NotImplementedError

    def namespace(self) -> dict[str, Any]:
        """Names the generated lines use beyond _GLOBALS."""
        return {}


class CStr(Field):
    """A C-octet string of at most ``max_size`` octets with its NUL; a time field is empty or 16."""

    __slots__ = ("max_size", "time")

    def __init__(self, name: str, max_size: int, *, time: bool = False) -> None:
        self.names = (name,)
        self.max_size = max_size
        self.time = time

    def decoder(self) -> list[str]:
        name, size = self.names[0], self.max_size
        time_check = ["    if nul - pos != 16:", f"        raise TIME_ERROR(nul - pos, {name!r})"]
        return [
            "if buf[pos]:",  # the empty string is the common case: one index instead of a find
            f"    nul = find(NUL, pos, pos + {size})",
            "    if nul < 0:",
            f"        raise CSTR_ERROR(buf, pos, {size}, {name!r})",
            *(time_check if self.time else []),
            f"    o.{name} = buf[pos:nul].decode('latin-1')",
            "    pos = nul + 1",
            "else:",
            f"    o.{name} = ''",
            "    pos += 1",
        ]

    def encoder(self, var: str) -> Encoding:
        # Most of these fields are empty; testing that first skips the rest (each test counts here).
        too_long = f"len({var}) != 16" if self.time else f"len({var}) >= {self.max_size}"
        invalid = f"({var} and ({too_long} or NUL in {var}))"
        return [f"{var} = pdu.{self.names[0]}.encode('latin-1')"], [invalid], [("%s\0", var)]

    def problem(self, pdu: p.Pdu) -> LocalProtocolError | None:
        name = self.names[0]
        value = getattr(pdu, name)
        try:
            raw = value.encode("latin-1")
        except (AttributeError, UnicodeEncodeError):
            raw = b"\0"
        if (len(raw) not in (0, 16) if self.time else len(raw) >= self.max_size) or b"\0" in raw:
            return text_error(name, value, self.max_size, self.time)
        return None


def time_field(name: str) -> CStr:
    return CStr(name, 17, time=True)


class Ints(Field):
    """Consecutive 1-octet integers: read by indexing or one Struct (U<k>), written by ``%c``."""

    __slots__ = ()

    def __init__(self, *names: str) -> None:
        self.names = names

    def decoder(self) -> list[str]:
        if len(self.names) <= 2:  # indexing beats a Struct call for one or two octets
            return [
                *(f"o.{name} = buf[pos + {i}]" for i, name in enumerate(self.names)),
                f"pos += {len(self.names)}",
            ]
        targets = ", ".join(f"o.{name}" for name in self.names)
        return [f"{targets} = U{len(self.names)}(buf, pos)", f"pos += {len(self.names)}"]

    def encoder(self, var: str) -> Encoding:
        return [], [], [("%c", f"pdu.{name}") for name in self.names]  # %c: an int in 0..255

    def problem(self, pdu: p.Pdu) -> LocalProtocolError | None:
        values = [getattr(pdu, name) for name in self.names]
        try:
            struct.pack(">" + "B" * len(values), *values)
        except struct.error:
            return LocalProtocolError(_S.ESME_RSYSERR, f"{', '.join(self.names)} = {values}: not all octets")
        return None


class ShortMessage(Ints):
    """The 1-octet integers just before sm_length, sm_length, and short_message (that many octets):
    one Struct reads and writes the integers and sm_length together."""

    __slots__ = ()

    def __init__(self, *leading: str) -> None:
        self.names = (*leading, "short_message")

    def decoder(self) -> list[str]:
        k = len(self.names)
        return [
            f"{''.join(f'o.{name}, ' for name in self.names[:-1])}n = U{k}(buf, pos)",
            f"pos += {k}",
            f"if n > {MAX_SHORT_MESSAGE} or pos + n > end:",
            "    raise SM_LENGTH_ERROR(n, end - pos)",
            "o.short_message = buf[pos:pos + n]",
            "pos += n",
        ]

    def encoder(self, var: str) -> Encoding:
        invalid = [f"len({var}) > {MAX_SHORT_MESSAGE}"]  # and %s refuses what is not bytes-like
        integers = [("%c", f"pdu.{name}") for name in self.names[:-1]]
        return [f"{var} = pdu.short_message"], invalid, [*integers, ("%c", f"len({var})"), ("%s", var)]

    def problem(self, pdu: p.Pdu) -> LocalProtocolError | None:
        value = cast(p.ShortMessage, pdu).short_message
        if not isinstance(value, bytes | bytearray | memoryview) or len(value) > MAX_SHORT_MESSAGE:
            return _sm_value_error(value)
        return Ints(*self.names[:-1]).problem(pdu)


class Helper(Field):
    """A field read and written by plain functions (submit_multi's lists: rare, and irregular).
    ``encode`` raises LocalProtocolError itself; ``decode(buf, pos)`` returns (value, next pos)."""

    __slots__ = ("decode", "encode")

    def __init__(
        self, name: str, decode: Callable[[bytes, int], tuple[Any, int]], encode: Callable[[Any], bytes]
    ) -> None:
        self.names = (name,)
        self.decode = decode
        self.encode = encode

    def namespace(self) -> dict[str, Any]:
        return {f"DECODE_{self.names[0]}": self.decode, f"ENCODE_{self.names[0]}": self.encode}

    def decoder(self) -> list[str]:
        return [f"o.{self.names[0]}, pos = DECODE_{self.names[0]}(buf, pos)"]

    def encoder(self, var: str) -> Encoding:
        return [], [], [("%s", f"ENCODE_{self.names[0]}(pdu.{self.names[0]})")]

    def problem(self, pdu: p.Pdu) -> LocalProtocolError | None:
        try:
            self.encode(getattr(pdu, self.names[0]))
        except LocalProtocolError as exc:
            return exc
        return None


_GLOBALS: dict[str, Any] = {
    "NUL": b"\0",
    "NEW": object.__new__,
    "HEADER": HEADER.pack,
    "CSTR_ERROR": _cstr_error,
    "TIME_ERROR": _time_error,
    "SM_LENGTH_ERROR": _sm_length_error,
    "TRAILING_ERROR": _trailing_error,
    **{f"U{k}": struct.Struct(">" + "B" * k).unpack_from for k in range(2, 6)},
}


# --- compiling a layout ------------------------------------------------------------------------

Decoder = Callable[[bytes, int, int, int], p.Pdu]
Encoder = Callable[[p.Pdu], bytes]


# deliver_sm_resp's message_id is unused (always empty); clients that omit it still acknowledge the
# receipt, and treating their answer as an error would make us deliver the receipt again.
_BODY_OPTIONAL_WHEN_OK = frozenset({p.DeliverSmResp})


def _bare(cls: type[p.Response], status: int, sequence_number: int) -> p.Response:
    """A response whose body was omitted, as a peer may send for any non-zero status."""
    if status == 0 and cls not in _BODY_OPTIONAL_WHEN_OK:
        raise RemoteProtocolError(_S.ESME_RINVCMDLEN, "a status-0 response without its body")
    return cls(sequence_number=sequence_number, command_status=status, body_omitted=True)


def _encode_omitted(cls: type[p.Response], has_body: bool, pdu: p.Response) -> bytes:
    status, sequence_number = pdu.command_status, pdu.sequence_number
    if (
        not has_body
        or (status == 0 and cls not in _BODY_OPTIONAL_WHEN_OK)
        or pdu != _bare(cls, status, sequence_number)
    ):
        detail = "body_omitted needs a non-zero status, a response with a body, and no field set"
        raise LocalProtocolError(_S.ESME_RSYSERR, detail)
    return HEADER.pack(HEADER.size, cls.command_id, status, sequence_number)


def _sources(cls: type[p.Pdu], layout: tuple[Field, ...]) -> str:
    """The source of ``decode(buf, end, command_status, sequence_number)`` (``end``: the frame's length)
    and ``encode(pdu)`` for ``cls``."""
    is_response = issubclass(cls, p.Response)
    names = [n for field in layout for n in field.names]
    head = ["sequence_number", "command_status", *(["body_omitted"] if is_response else [])]
    expected = {f.name for f in fields(cls)}
    if {*head, *names} != expected or len(set(names)) != len(names):
        raise TypeError(f"the layout of {cls.__name__} does not match its fields {sorted(expected)}")
    decode = ["def decode(buf, end, command_status, sequence_number):"]
    if is_response and layout:
        decode += ["if end == 16:", "    return BARE(command_status, sequence_number)"]
    decode += ["find = buf.find", "o = NEW(TWIN)", *(f"o.{n} = {n}" for n in head[:2])]
    decode += ["o.body_omitted = False"] if is_response else []
    decode += ["pos = 16", *(line for field in layout for line in field.decoder())]
    if "tlvs" not in names:  # a TLV area runs to the end; anything else must end exactly
        decode += ["if pos != end:", "    raise TRAILING_ERROR(end - pos)"]
    decode += ["o.__class__ = CLS", "return o"]
    indent = "\n    ".join
    return f"{indent(decode)}\n\n{indent(_encoder_lines(layout, is_response))}\n"


def _encoder_lines(layout: tuple[Field, ...], is_response: bool) -> list[str]:
    """The body is one bytes %-format (``%c`` writes and range-checks a 1-octet integer in C, which
    beats a Struct call per run of integers and a join)."""
    encode = [
        "def encode(pdu):",
        *(["if pdu.body_omitted:", "    return OMITTED(pdu)"] if is_response else []),
    ]
    invalid: list[str] = []
    chunks: list[tuple[str, str]] = []
    for i, field in enumerate(layout):
        lines, conditions, pieces = field.encoder(f"v{i}")
        encode += lines
        invalid += conditions
        chunks += pieces
    if invalid:  # one test for the whole PDU; _encode_failure then finds out which field it was
        encode += [f"if {' or '.join(invalid)}:", "    raise ENCODE_FAILURE(pdu, None)"]
    body_format = "".join(piece for piece, _ in chunks).encode("latin-1")
    arguments = ", ".join(expression for _, expression in chunks if expression)
    encode.append(f"body = {body_format!r} % ({arguments},)" if chunks else "body = b''")
    encode.append("return HEADER(16 + len(body), COMMAND_ID, pdu.command_status, pdu.sequence_number) + body")
    return encode


def compile_layout(
    cls: type[p.Pdu],
    layout: tuple[Field, ...],
    encode_failure: Callable[[p.Pdu, Exception | None], Exception],
) -> tuple[Decoder, Encoder]:
    """``decode(buf, end, command_status, sequence_number)`` and ``encode(pdu)`` for ``cls``.

    ``encode_failure(pdu, None)`` gives the error raised when a value cannot be encoded."""
    source = _sources(cls, layout)
    filename = f"<smpp codec {cls.__name__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)  # tracebacks
    response = cast(type[p.Response], cls)
    namespace = {
        **_GLOBALS,
        **{name: value for field in layout for name, value in field.namespace().items()},
        "CLS": cls,
        "TWIN": mutable_twin(cls),
        "COMMAND_ID": cls.command_id,
        "BARE": partial(_bare, response),
        "OMITTED": partial(_encode_omitted, response, bool(layout)),
        "ENCODE_FAILURE": encode_failure,
    }
    exec(compile(source, filename, "exec"), namespace)
    return namespace["decode"], namespace["encode"]
