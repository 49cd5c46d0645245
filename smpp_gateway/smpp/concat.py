"""Concatenation: split long text into parts, read concatenation info, reassemble parts.

Theory of operation (facts: smpp-reference sections 5.9, 8.4, 8.5):

* ``split`` cuts encoded text into parts sized for the method: ``udh8``/``udh16`` prepend a
  concatenation UDH (and ask for esm_class UDHI), ``sar`` leaves short_message bare and adds the SAR
  TLVs, ``payload`` hands the whole text to the SMSC in one ``message_payload`` TLV. Text that fits
  in one SMS is always one plain part, whatever the method: nothing needs concatenating.
* SAR parts are sized as if the SMSC will add the UDH on the air interface (it has to): 8-bit
  reference capacity, or 16-bit when the reference does not fit in one octet.
* The reference is the caller's: the core keeps no counters. ``ReferenceAllocator`` is a small
  counter the caller may own (one per carrier link, say).
* Reading is lenient: a malformed UDH or a concatenation IE with total 0, part 0 or part > total is
  not concatenation info; such IEs are reported with the other IEs, and nothing raises.
* ``Reassembler`` collects parts in any order under bounds on time, message count and octets; time is
  always an argument. It assumes ``now`` never goes backwards (callers pass ``loop.time()``).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, NamedTuple, TypeVar, cast

from .constants import CommandStatus, EsmClass, Tag
from .errors import LocalProtocolError
from .frozen import fast_init
from .pdu import DataSm, DeliverSm, ShortMessage, SubmitSm, Tlv
from .text import (
    MAX_PARTS,
    UDH8_OCTETS,
    UDH16_OCTETS,
    DefaultAlphabet,
    alphabet,
    capacity,
    encode_text,
    segment,
)

SplitMethod = Literal["udh8", "udh16", "sar", "payload"]
ConcatKind = Literal["udh8", "udh16", "sar"]

IEI_CONCAT_8 = 0x00
IEI_CONCAT_16 = 0x08
# message_payload is a TLV: its length field is two octets.
MAX_PAYLOAD_OCTETS = 0xFFFF
_CONCAT_TAGS = frozenset(
    {Tag.SAR_MSG_REF_NUM, Tag.SAR_TOTAL_SEGMENTS, Tag.SAR_SEGMENT_SEQNUM, Tag.MESSAGE_PAYLOAD}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One PDU's worth of a message: set ``short_message``, OR ``esm_class`` in, add ``tlvs``."""

    short_message: bytes
    esm_class: int = EsmClass.DEFAULT
    tlvs: tuple[Tlv, ...] = ()
    seqnum: int = 1
    total: int = 1


@dataclass(frozen=True, slots=True)
class ConcatInfo:
    reference: int
    total: int
    seqnum: int
    kind: ConcatKind


class InformationElement(NamedTuple):
    iei: int
    data: bytes


@fast_init
@dataclass(frozen=True, slots=True)
class UserData:
    """What a PDU carries: concatenation info (UDH or SAR), the payload without UDH, other IEs."""

    concat: ConcatInfo | None
    payload: bytes
    ies: tuple[InformationElement, ...] = ()


class ReferenceAllocator:
    """A concatenation reference counter, 0..65535 then wrapping; owned by the caller.

    ``split`` keeps the low 8 bits for ``udh8``, so one allocator serves every method.
    """

    def __init__(self, start: int = 0) -> None:
        self._next = start & 0xFFFF

    def allocate(self) -> int:
        value = self._next
        self._next = (value + 1) & 0xFFFF
        return value


# --- split ----------------------------------------------------------------------------------------


def split(
    text: str,
    data_coding: int,
    method: SplitMethod = "udh8",
    reference: int = 0,
    *,
    default_alphabet: DefaultAlphabet = "gsm",
) -> list[Part]:
    """Encode ``text`` and cut it into parts; see ``split_encoded``.

    Raises ``TextEncodingError`` when the coding cannot carry the text.
    """
    data = encode_text(text, data_coding, default_alphabet)
    return split_encoded(data, data_coding, method, reference, default_alphabet=default_alphabet)


def split_encoded(
    data: bytes,
    data_coding: int,
    method: SplitMethod = "udh8",
    reference: int = 0,
    *,
    default_alphabet: DefaultAlphabet = "gsm",
) -> list[Part]:
    """Cut already-encoded user data into parts for ``method``.

    ``reference`` is reduced to the field's size (low 8 bits for udh8, 16 for udh16 and sar).
    Raises ``LocalProtocolError(ESME_RINVMSGLEN)`` when the message needs more than 255 parts or,
    for ``payload``, more than 65535 octets.
    """
    kind = alphabet(data_coding, default_alphabet)
    if len(data) <= capacity(kind):
        return [Part(short_message=data)]
    if method == "payload":
        if len(data) > MAX_PAYLOAD_OCTETS:
            raise _too_long(f"{len(data)} octets exceed the message_payload limit of {MAX_PAYLOAD_OCTETS}")
        return [Part(short_message=b"", tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, data),))]
    wide = method == "udh16" or (method == "sar" and (reference & 0xFFFF) > 0xFF)
    chunks = segment(data, kind, capacity(kind, UDH16_OCTETS if wide else UDH8_OCTETS))
    if len(chunks) > MAX_PARTS:
        raise _too_long(f"the message needs {len(chunks)} parts, more than {MAX_PARTS}")
    return [_part(chunk, index, len(chunks), method, reference) for index, chunk in enumerate(chunks, 1)]


def _too_long(detail: str) -> LocalProtocolError:
    return LocalProtocolError(CommandStatus.ESME_RINVMSGLEN, detail)


def _part(chunk: bytes, seqnum: int, total: int, method: SplitMethod, reference: int) -> Part:
    if method == "sar":
        tlvs = (
            Tlv(Tag.SAR_MSG_REF_NUM, reference & 0xFFFF),
            Tlv(Tag.SAR_TOTAL_SEGMENTS, total),
            Tlv(Tag.SAR_SEGMENT_SEQNUM, seqnum),
        )
        return Part(short_message=chunk, tlvs=tlvs, seqnum=seqnum, total=total)
    if method == "udh16":
        udh = bytes([6, IEI_CONCAT_16, 4, (reference >> 8) & 0xFF, reference & 0xFF, total, seqnum])
    else:
        udh = bytes([5, IEI_CONCAT_8, 3, reference & 0xFF, total, seqnum])
    return Part(short_message=udh + chunk, esm_class=EsmClass.UDHI, seqnum=seqnum, total=total)


_M = TypeVar("_M", bound=ShortMessage)


def apply_part(pdu: _M, part: Part) -> _M:
    """A copy of ``pdu`` carrying ``part``: its short_message, UDHI as the part says, and its TLVs
    in place of any concatenation or payload TLVs ``pdu`` had. Other fields and TLVs are kept."""
    tlvs = tuple(item for item in pdu.tlvs if item.tag not in _CONCAT_TAGS) + part.tlvs
    esm_class = (pdu.esm_class & ~EsmClass.UDHI) | part.esm_class
    copy: _M = replace(cast(Any, pdu), short_message=part.short_message, esm_class=esm_class, tlvs=tlvs)
    return copy


# --- reading --------------------------------------------------------------------------------------


def _concat_ie(ie: InformationElement) -> ConcatInfo | None:
    if ie.iei == IEI_CONCAT_8 and len(ie.data) == 3:
        reference, total, seqnum = ie.data
        kind: ConcatKind = "udh8"
    elif ie.iei == IEI_CONCAT_16 and len(ie.data) == 4:
        reference, total, seqnum = int.from_bytes(ie.data[:2], "big"), ie.data[2], ie.data[3]
        kind = "udh16"
    else:
        return None
    return _valid(ConcatInfo(reference, total, seqnum, kind))


def _valid(info: ConcatInfo) -> ConcatInfo | None:
    # 23.040: a receiver ignores a concatenation IE with total 0, part 0 or part beyond total.
    if info.total < 1 or not 1 <= info.seqnum <= info.total:
        return None
    return info


def parse_udh(short_message: bytes) -> tuple[ConcatInfo | None, bytes, tuple[InformationElement, ...]]:
    """Split a UDH-bearing user data into (concatenation info, payload without UDH, other IEs).

    Lenient: a UDH longer than the data is not a UDH (the data comes back whole, no info); an IE
    running past the UDH ends the IE list. The first valid concatenation IE wins; every other IE,
    including an invalid concatenation IE, is returned in order.
    """
    data = bytes(short_message)
    if not data or data[0] + 1 > len(data):
        return None, data, ()
    end = data[0] + 1
    concat: ConcatInfo | None = None
    others: list[InformationElement] = []
    pos = 1
    while pos + 2 <= end and pos + 2 + data[pos + 1] <= end:
        ie = InformationElement(data[pos], data[pos + 2 : pos + 2 + data[pos + 1]])
        pos += 2 + data[pos + 1]
        info = None if concat else _concat_ie(ie)
        if info is None:
            others.append(ie)
        concat = concat or info
    return concat, data[end:], tuple(others)


def _sar_info(pdu: SubmitSm | DeliverSm | DataSm) -> ConcatInfo | None:
    if not pdu.tlvs:  # most messages: nothing to look for
        return None
    reference = pdu.tlv(Tag.SAR_MSG_REF_NUM)
    total = pdu.tlv(Tag.SAR_TOTAL_SEGMENTS)
    seqnum = pdu.tlv(Tag.SAR_SEGMENT_SEQNUM)
    # Values of a wrong length arrive as raw bytes: not usable as concatenation info.
    if isinstance(reference, int) and isinstance(total, int) and isinstance(seqnum, int):
        return _valid(ConcatInfo(reference, total, seqnum, "sar"))
    return None


_UDHI = int(EsmClass.UDHI)  # a plain int: int & IntFlag builds an enum member, per message


def user_data(pdu: SubmitSm | DeliverSm | DataSm) -> UserData:
    """The user data of a message PDU: short_message, or message_payload when short_message is empty;
    the UDH removed when esm_class has UDHI. A UDH concatenation IE wins over SAR TLVs."""
    body = b"" if isinstance(pdu, DataSm) else pdu.short_message
    if not body:
        payload = pdu.tlv(Tag.MESSAGE_PAYLOAD)
        body = payload if isinstance(payload, bytes) else b""
    concat: ConcatInfo | None = None
    ies: tuple[InformationElement, ...] = ()
    if pdu.esm_class & _UDHI:
        concat, body, ies = parse_udh(body)
    return UserData(concat or _sar_info(pdu), body, ies)


def concat_info(pdu: SubmitSm | DeliverSm | DataSm) -> ConcatInfo | None:
    """Concatenation info from the UDH (when esm_class has UDHI) or from the SAR TLVs."""
    return user_data(pdu).concat


# --- reassembly -----------------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)

# Parts of one message normally arrive within seconds; an SMSC retrying a lost part can take
# minutes. Five minutes keeps those while bounding how long a gap holds memory.
DEFAULT_REASSEMBLY_TIMEOUT = 300.0
# Pending messages and their octets: 10,000 x 255 parts x 140 octets would be 357 MB, so the octet
# bound is the one that protects memory; the count bound keeps eviction scans short.
DEFAULT_MAX_PENDING = 10_000
DEFAULT_MAX_PENDING_OCTETS = 16 * 1024 * 1024

DropReason = Literal["expired", "evicted", "superseded"]


@dataclass(frozen=True, slots=True)
class Completed(Generic[K]):
    key: K
    reference: int
    kind: ConcatKind
    parts: tuple[bytes, ...]  # payloads in part order
    first_seen: float

    @property
    def payload(self) -> bytes:
        return b"".join(self.parts)


@dataclass(frozen=True, slots=True)
class Incomplete(Generic[K]):
    """A message given up on: ``expired`` (timeout), ``evicted`` (a bound), or ``superseded`` (a
    part with the same key announced another total, kind or reference)."""

    key: K
    reference: int
    kind: ConcatKind
    total: int
    received: tuple[tuple[int, bytes], ...]  # (seqnum, payload), in part order
    first_seen: float
    reason: DropReason

    @property
    def missing(self) -> tuple[int, ...]:
        have = {seqnum for seqnum, _ in self.received}
        return tuple(n for n in range(1, self.total + 1) if n not in have)


@dataclass(frozen=True, slots=True)
class Pending(Generic[K]):
    """The part was stored; ``dropped`` lists messages given up on to make room (or superseded)."""

    key: K
    received: int
    total: int
    dropped: tuple[Incomplete[K], ...] = ()


@dataclass(frozen=True, slots=True)
class Duplicate(Generic[K]):
    """A part already held; it was ignored. ``identical`` tells a resend from a conflicting part."""

    key: K
    seqnum: int
    identical: bool


def _same_message(a: ConcatInfo, b: ConcatInfo) -> bool:
    return (a.total, a.kind, a.reference) == (b.total, b.kind, b.reference)


@dataclass(slots=True)
class _Entry:
    info: ConcatInfo
    first_seen: float
    parts: dict[int, bytes] = field(default_factory=dict)
    octets: int = 0


class Reassembler(Generic[K]):
    """Collects the parts of concatenated messages, keyed by the caller.

    The key should identify one message, e.g. (account, source, destination, reference). Parts are
    accepted in any order; a message completes when all ``total`` parts are held. Pure: ``now`` is
    always passed in, and expiry happens only in ``expire``.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_REASSEMBLY_TIMEOUT,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_octets: int = DEFAULT_MAX_PENDING_OCTETS,
    ) -> None:
        self.timeout = timeout
        self.max_pending = max(1, max_pending)
        self.max_pending_octets = max_pending_octets
        self._entries: dict[K, _Entry] = {}
        self._octets = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def pending_octets(self) -> int:
        return self._octets

    def add(
        self, key: K, info: ConcatInfo, payload: bytes, now: float
    ) -> Completed[K] | Pending[K] | Duplicate[K]:
        """Take one part's payload (without UDH). ``info`` comes from ``concat_info``/``parse_udh``,
        which validate it; a part number outside 1..total is a caller bug: ``LocalProtocolError``."""
        if _valid(info) is None:
            raise LocalProtocolError(CommandStatus.ESME_RSYSERR, f"invalid concatenation info {info}")
        if info.total == 1:
            return Completed(key, info.reference, info.kind, (payload,), now)
        dropped: list[Incomplete[K]] = []
        entry = self._entries.get(key)
        if entry is not None and not _same_message(entry.info, info):
            dropped.append(self._drop(key, "superseded"))
            entry = None
        if entry is not None and info.seqnum in entry.parts:
            return Duplicate(key, info.seqnum, entry.parts[info.seqnum] == payload)
        if entry is not None and len(entry.parts) + 1 == info.total:
            return self._complete(key, entry, info.seqnum, payload)  # the last part needs no room
        dropped.extend(self._make_room(key, new_entry=entry is None, octets=len(payload)))
        if self._octets + len(payload) > self.max_pending_octets:
            # This message alone exceeds the bound: give it up rather than break the bound.
            if key in self._entries:
                dropped.append(self._drop(key, "evicted"))
            return Pending(key, 0, info.total, tuple(dropped))
        if entry is None:
            entry = self._entries[key] = _Entry(info, now)
        entry.parts[info.seqnum] = payload
        entry.octets += len(payload)
        self._octets += len(payload)
        return Pending(key, len(entry.parts), info.total, tuple(dropped))

    def _complete(self, key: K, entry: _Entry, seqnum: int, payload: bytes) -> Completed[K]:
        del self._entries[key]
        self._octets -= entry.octets
        entry.parts[seqnum] = payload
        parts = tuple(entry.parts[n] for n in range(1, entry.info.total + 1))
        return Completed(key, entry.info.reference, entry.info.kind, parts, entry.first_seen)

    def _make_room(self, key: K, *, new_entry: bool, octets: int) -> list[Incomplete[K]]:
        """Evict the oldest other messages until the new part fits both bounds."""
        evicted: list[Incomplete[K]] = []
        while (new_entry and len(self._entries) >= self.max_pending) or (
            self._octets + octets > self.max_pending_octets
        ):
            victim = next((k for k in self._entries if k != key), None)
            if victim is None:
                break
            evicted.append(self._drop(victim, "evicted"))
        return evicted

    def _drop(self, key: K, reason: DropReason) -> Incomplete[K]:
        entry = self._entries.pop(key)
        self._octets -= entry.octets
        info = entry.info
        received = tuple(sorted(entry.parts.items()))
        return Incomplete(key, info.reference, info.kind, info.total, received, entry.first_seen, reason)

    def expire(self, now: float) -> list[Incomplete[K]]:
        """Give up on messages whose first part arrived ``timeout`` seconds before ``now`` or earlier."""
        expired: list[Incomplete[K]] = []
        # Entries are in arrival order, so the scan stops at the first one still in time.
        for key, entry in list(self._entries.items()):
            if entry.first_seen + self.timeout > now:
                break
            expired.append(self._drop(key, "expired"))
        return expired

    def next_deadline(self) -> float | None:
        """When ``expire`` next has something to do, or None when nothing is pending."""
        for entry in self._entries.values():
            return entry.first_seen + self.timeout
        return None
