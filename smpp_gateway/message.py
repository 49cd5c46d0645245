"""The neutral Message: one whole (possibly concatenated) SMS, as checks, routing and records see it.

A Message is built by the gateway from one submit_sm / data_sm (or from all the parts of a
concatenated message, reassembled). It carries decoded text, addresses with their TON/NPI, and the
facts policy needs; it knows nothing of sockets or sessions. Pure: no clock reads (``received_at`` is
passed in), no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .smpp.constants import Npi, Ton
from .smpp.frozen import fast_init


class MessageClass(StrEnum):
    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"
    OTP = "otp"


class SenderType(StrEnum):
    ALPHANUMERIC = "alphanumeric"
    SHORT_CODE = "short_code"
    LONG_NUMBER = "long_number"


@fast_init
@dataclass(frozen=True, slots=True)
class Address:
    addr: str
    ton: int = Ton.UNKNOWN
    npi: int = Npi.UNKNOWN

    @property
    def digits_only(self) -> str:
        """The address without a leading '+' or '00', as E.164 digits when it is a number."""
        value = self.addr.strip()
        if value.startswith("+"):
            return value[1:]
        if value.startswith("00") and value.isdigit():
            return value[2:]
        return value


# A short code is national and 4-6 digits long (France: 5 digits; 36xxx marketing, 38xxx transactional).
SHORT_CODE_LENGTHS = range(4, 7)


def sender_type(source: Address) -> SenderType:
    """Classify a sender by its form: digits of short-code length, other digits, or text."""
    value = source.digits_only
    if value.isdigit() and value.isascii():
        if len(value) in SHORT_CODE_LENGTHS and source.ton != Ton.INTERNATIONAL:
            return SenderType.SHORT_CODE
        return SenderType.LONG_NUMBER
    return SenderType.ALPHANUMERIC


@dataclass(slots=True, kw_only=True)
class Message:
    """One whole SMS on its way through the gateway.

    ``text`` is the reassembled, decoded text (for binary data_coding: the hex of the octets).
    ``message_class`` is None until classification (explicit TLV/config, sender, account default).
    ``parts`` counts the SMPP PDUs the client used; ``part_sequence_numbers`` lets the gateway answer
    each of them. ``received_at`` is wall-clock epoch seconds, passed in by the caller.
    """

    account: str
    source: Address
    destination: Address
    text: str
    data_coding: int = 0
    esm_class: int = 0
    registered_delivery: int = 0
    message_class: MessageClass | None = None
    parts: int = 1
    received_at: float = 0.0
    is_probe: bool = False
    service_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def sender_type(self) -> SenderType:
        return sender_type(self.source)
