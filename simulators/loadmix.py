"""The load generator's message mix: which submit_sm PDUs message number ``i`` is made of.

Shares are spread evenly, not drawn: message ``i`` is UCS2 when the golden-ratio sequence
``frac(i * 0.618...)`` falls under ``ucs2_share`` (and long under ``long_share`` with an offset), so
any run of messages has the asked shares and two runs are identical. Templates are built once;
only unique texts or a destination range cost a new PDU per message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from smpp_gateway.smpp.concat import apply_part, split
from smpp_gateway.smpp.constants import DataCoding, Npi, RegisteredDelivery, Ton
from smpp_gateway.smpp.pdu import SubmitSm
from smpp_gateway.smpp.text import choose_coding, encode_text

_GOLDEN = 0.6180339887498949
_UCS2_SUFFIX = " — ✓ ünïcødé"  # the check mark is outside GSM 03.38: forces UCS2
SMS_OCTETS_GSM = 160  # one SMS: 160 GSM septets (one octet each in SMPP)...
SMS_OCTETS_UCS2 = 140  # ...or 140 octets of UCS2
LONG_CHARS = 200  # a long message repeats the text past this: 2+ parts in GSM, 3+ in UCS2


@dataclass(frozen=True, kw_only=True)
class Mix:
    source: str = "ACME"
    to: str = "33612345678"
    text: str = "Load test message"
    registered_delivery: bool = False
    ucs2_share: float = 0.0
    long_share: float = 0.0
    unique: bool = False

    def destination(self, index: int) -> str:
        """A full number as given; a prefix is completed to 11 digits with the message number."""
        if len(self.to) >= 10:
            return self.to
        digits = 11 - len(self.to)
        return self.to + str(index % 10**digits).zfill(digits)

    def kind(self, index: int) -> tuple[bool, bool]:
        """(ucs2, long) for message ``index``."""
        ucs2 = (index * _GOLDEN) % 1.0 < self.ucs2_share
        long = (index * _GOLDEN + 0.5) % 1.0 < self.long_share
        return ucs2, long


class MessageFactory:
    def __init__(self, mix: Mix) -> None:
        self.mix = mix
        source_ton = Ton.ALPHANUMERIC if not mix.source.isdigit() else Ton.INTERNATIONAL
        self._base = SubmitSm(
            source_addr_ton=source_ton,
            source_addr_npi=Npi.UNKNOWN if source_ton == Ton.ALPHANUMERIC else Npi.ISDN,
            source_addr=mix.source,
            dest_addr_ton=Ton.INTERNATIONAL,
            dest_addr_npi=Npi.ISDN,
            registered_delivery=(
                RegisteredDelivery.SMSC_RECEIPT_FINAL if mix.registered_delivery else RegisteredDelivery.NONE
            ),
        )
        self._templates: dict[bool, list[SubmitSm]] = {}  # single-part templates, by ucs2
        self._fixed_destination = len(mix.to) >= 10

    def text(self, index: int) -> tuple[str, bool]:
        ucs2, long = self.mix.kind(index)
        text = self.mix.text + (_UCS2_SUFFIX if ucs2 else "")
        if long:
            text = " ".join([text] * (LONG_CHARS // max(len(text), 1) + 1))
        if self.mix.unique:
            text = f"{text} #{index}"
        return text, ucs2

    def parts(self, index: int, sequence: int = 0) -> list[SubmitSm]:
        """The submit_sm PDUs of message ``index`` (one, or the parts of a long message).

        ``sequence``: the sequence number the session will give a single-part message, when the
        caller knows it (sessions number requests 1, 2, 3, ...: smpp/session.py, rule 4). A PDU that
        must be copied anyway then carries it, and the session need not copy it a second time.
        """
        ucs2, long = self.mix.kind(index)
        if long:
            # Built each time: each long message needs its own concatenation reference, or parts of
            # two messages in flight on different binds would be reassembled together.
            return self._build(index, self.mix.destination(index))
        templates = self._templates.get(ucs2)
        if templates is None:
            templates = self._templates[ucs2] = self._build(index, self.mix.destination(0))
        if len(templates) > 1:
            return self._build(index, self.mix.destination(index))
        # One part: evolve the template (a field copy) instead of building from the text each time.
        template = templates[0]
        changes: dict[str, object] = {}
        if not self._fixed_destination:
            changes["destination_addr"] = self.mix.destination(index)
        if self.mix.unique:
            data = encode_text(self.text(index)[0], template.data_coding)
            limit = SMS_OCTETS_GSM if template.data_coding == DataCoding.DEFAULT else SMS_OCTETS_UCS2
            if len(data) > limit:
                return self._build(index, self.mix.destination(index))  # the number made it long
            changes["short_message"] = data
        if not changes:
            return templates
        if sequence:
            changes["sequence_number"] = sequence
        return [template.evolve(**changes)]

    def _build(self, index: int, destination: str) -> list[SubmitSm]:
        text, _ = self.text(index)
        coding = choose_coding(text)
        if coding not in (DataCoding.DEFAULT, DataCoding.UCS2):
            coding = DataCoding.UCS2
        base = replace(self._base, destination_addr=destination, data_coding=coding)
        parts = split(text, coding, "udh8", index & 0xFF)
        if len(parts) == 1:
            return [replace(base, short_message=encode_text(text, coding))]
        return [apply_part(base, part) for part in parts]
