"""Receipt PDUs at carrier speed: ``receipt.format_receipt_text`` and ``receipt_tlvs`` per template.

A carrier answering tens of thousands of messages a second sends as many receipts. Building a
``Receipt``, formatting two dates and constructing a frozen ``DeliverSm`` of 20 fields costs more
than the rest of the message path together, so:
* the text is formatted by ``format_receipt_text`` once per (submit minute, done minute, state,
  text preview) with a placeholder id, and the real id is put where the placeholder was: the output
  is exactly what ``format_receipt_text`` gives for the real receipt (ids are 1-64 safe characters
  and never contain the placeholder);
* the TLVs come from ``receipt_tlvs`` once per state, with the id swapped in the same way;
* the PDU is ``evolve``d from a template (a field-for-field copy, several times cheaper than the
  keyword ``__init__`` of a frozen dataclass). The carrier builds its submit_sm_resp the same way.
"""

from __future__ import annotations

from datetime import datetime

from smpp_gateway.smpp.constants import EsmClass, MessageState, Npi, Ton
from smpp_gateway.smpp.pdu import DeliverSm, Tlv
from smpp_gateway.smpp.receipt import TEXT_PREVIEW_CHARS, Receipt, format_receipt_text, receipt_tlvs

_PLACEHOLDER = "\x00"  # never in a message id: ids are [A-Za-z0-9.-]
_MAX_TEMPLATES = 4096  # distinct (minutes, state, preview) kept; the cache is simply cleared beyond


def _minute(moment: datetime) -> int:
    """The receipt's date resolution (YYMMDDhhmm) as one int, cheaper than strftime."""
    return (((moment.year * 13 + moment.month) * 32 + moment.day) * 24 + moment.hour) * 60 + moment.minute


def address_type(address: str) -> tuple[Ton, Npi]:
    """TON/NPI for an address as a carrier would set them: E.164 numbers international/ISDN, short
    codes national, anything with a letter alphanumeric."""
    if address.isdigit() and len(address) > 6:
        return Ton.INTERNATIONAL, Npi.ISDN
    if address.isdigit():
        return Ton.NATIONAL, Npi.ISDN
    return Ton.ALPHANUMERIC, Npi.UNKNOWN


class ReceiptFactory:
    def __init__(self) -> None:
        self._texts: dict[tuple[int, int, MessageState, str], tuple[bytes, bytes]] = {}
        # Per state: the TLVs before the id, the id's tag, the TLVs after it.
        self._tlvs: dict[MessageState, tuple[tuple[Tlv, ...], int, tuple[Tlv, ...]]] = {}
        self._template = DeliverSm(
            source_addr_ton=Ton.INTERNATIONAL, source_addr_npi=Npi.ISDN, esm_class=EsmClass.DELIVERY_RECEIPT
        )
        self._address_types: dict[str, tuple[Ton, Npi]] = {}
        # The last date seen in each role and its minute: the carrier's wall clock hands out the same
        # datetime for a millisecond, so consecutive receipts mostly share both.
        self._submitted: tuple[datetime | None, int] = (None, 0)
        self._done: tuple[datetime | None, int] = (None, 0)

    def build(
        self,
        message_id: str,
        state: MessageState,
        submitted: datetime,
        done: datetime,
        text: str,
        handset: str,
        sender: str,
        sequence: int = 0,
    ) -> DeliverSm:
        """The receipt deliver_sm: from the handset to the original sender, esm_class 0x04."""
        preview = text[:TEXT_PREVIEW_CHARS]
        last, submitted_minute = self._submitted
        if submitted is not last:
            submitted_minute = _minute(submitted)
            self._submitted = (submitted, submitted_minute)
        last, done_minute = self._done
        if done is not last:
            done_minute = _minute(done)
            self._done = (done, done_minute)
        key = (submitted_minute, done_minute, state, preview)
        parts = self._texts.get(key)
        if parts is None:
            parts = self._text_template(state, submitted, done, preview)
            if len(self._texts) >= _MAX_TEMPLATES:
                self._texts.clear()
            self._texts[key] = parts
        tlvs = self._tlvs.get(state)
        if tlvs is None:
            tlvs = self._tlvs[state] = self._tlv_template(state)
        head, tag, tail = tlvs
        types = self._address_types.get(sender)
        if types is None:
            if len(self._address_types) >= _MAX_TEMPLATES:
                self._address_types.clear()
            types = self._address_types[sender] = address_type(sender)
        ton, npi = types
        pdu: DeliverSm = self._template.evolve(
            source_addr=handset,
            dest_addr_ton=ton,
            dest_addr_npi=npi,
            destination_addr=sender,
            short_message=parts[0] + message_id.encode("ascii") + parts[1],
            tlvs=(*head, Tlv(tag, message_id), *tail),
            sequence_number=sequence,
        )
        return pdu

    @staticmethod
    def _tlv_template(state: MessageState) -> tuple[tuple[Tlv, ...], int, tuple[Tlv, ...]]:
        tlvs = receipt_tlvs(Receipt(message_id=_PLACEHOLDER, state=state))
        index = next(i for i, item in enumerate(tlvs) if item.value == _PLACEHOLDER)
        return tlvs[:index], tlvs[index].tag, tlvs[index + 1 :]

    @staticmethod
    def _text_template(
        state: MessageState, submitted: datetime, done: datetime, preview: str
    ) -> tuple[bytes, bytes]:
        receipt = Receipt(
            message_id=_PLACEHOLDER,
            state=state,
            submit_date=submitted,
            done_date=done,
            error_code="000" if state is MessageState.DELIVERED else "001",
            text=preview,
        )
        # The preview is ASCII-folded: the receipt goes out in data_coding 0, and a carrier's
        # receipt text is a diagnostic echo, not the message.
        before, after = format_receipt_text(receipt).split(_PLACEHOLDER)
        return before.encode("ascii", "replace"), after.encode("ascii", "replace")
