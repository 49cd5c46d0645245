"""Delivery receipts: the de-facto receipt text, the receipt TLVs, and rewriting a receipt's id.

Theory of operation (facts: smpp-reference section 7):

* A receipt is a deliver_sm or data_sm whose esm_class message type is 0x04 (SMSC delivery receipt)
  or 0x20 (intermediate notification). Its text follows the 3.4 Appendix B layout
  ``id:… sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:…``.
* Parsing is lenient: labels in any order and any case, missing fields, 10/12/14-digit dates. A value
  runs until the next recognised label; a label is recognised only the first time it appears, so
  ``text:Your id: 42`` keeps its text (a label missing from the receipt but present in the message
  text is the one case this reads wrongly).
* TLVs win: receipted_message_id, message_state and network_error_code override the text.
* Dates carry no time zone on the wire: they are returned as naive datetimes in the SMSC's own
  (unknown) zone; a caller that knows the carrier's zone attaches it. Two-digit years are 20YY.
* ``Receipt.is_final`` is False for intermediate notifications and for ENROUTE and ACCEPTD, which
  carriers send as "accepted by the next hop", not as an outcome (smpp-reference 7.4).
* Formatting emits exactly the Appendix B layout (10-digit dates, 3-digit counts, text cut to 20).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from .constants import ESM_TYPE_MASK, CommandStatus, EsmClass, MessageState, Tag, coerce
from .errors import LocalProtocolError
from .pdu import DataSm, DeliverSm, Tlv
from .text import Alphabet, DefaultAlphabet, alphabet, decode_text

IdFormat = Literal["decimal", "hex", "text"]

STAT_NAMES: dict[MessageState, str] = {
    MessageState.SCHEDULED: "SCHEDLD",  # 5.0 states have no agreed receipt text; these are ours
    MessageState.ENROUTE: "ENROUTE",
    MessageState.DELIVERED: "DELIVRD",
    MessageState.EXPIRED: "EXPIRED",
    MessageState.DELETED: "DELETED",
    MessageState.UNDELIVERABLE: "UNDELIV",
    MessageState.ACCEPTED: "ACCEPTD",
    MessageState.UNKNOWN: "UNKNOWN",
    MessageState.REJECTED: "REJECTD",
    MessageState.SKIPPED: "SKIPPED",
}
# The 7-character names, and the full state names some SMSCs write instead.
_STATES_BY_NAME = {name: state for state, name in STAT_NAMES.items()} | {s.name: s for s in MessageState}
_NOT_FINAL = frozenset({MessageState.ENROUTE, MessageState.ACCEPTED})
_RECEIPT_TYPES = frozenset({EsmClass.DELIVERY_RECEIPT, EsmClass.INTERMEDIATE_NOTIFICATION})
TEXT_PREVIEW_CHARS = 20  # Appendix B; cloudhopper truncates to the same

# "submit date" also as submit_date / submitdate; "§" is an ASCII "_" read as GSM under data_coding 0.
_LABEL = re.compile(
    r"(?<!\S)(id|sub|dlvrd|submit[ _§]?date|done[ _§]?date|stat|err|text)[ ]?:", re.IGNORECASE
)
# Gateway ids written into receipts: characters that are the same octets in ASCII, Latin-1 and GSM,
# so the id reads the same whatever the carrier's default alphabet; 64 = message_id's C-string max.
_SAFE_ID = re.compile(r"[A-Za-z0-9.\-]{1,64}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    message_id: str
    state: MessageState
    submitted_count: int | None = None
    delivered_count: int | None = None
    submit_date: datetime | None = None  # naive: the SMSC's local time, zone unknown
    done_date: datetime | None = None
    error_code: str = ""
    text: str = ""
    network_error_code: bytes | None = None  # the TLV: network type (1 octet) + error (2 octets)
    intermediate: bool = False  # esm_class 0x20

    @property
    def is_final(self) -> bool:
        return not self.intermediate and self.state.is_final and self.state not in _NOT_FINAL


# --- parsing --------------------------------------------------------------------------------------


_LABEL_SEPARATORS = str.maketrans("", "", " _§")


def _label_spans(text: str) -> dict[str, tuple[int, int]]:
    """Value span of each label, by canonical name ("id", "submitdate", ...), first occurrence only."""
    starts: dict[str, tuple[int, int]] = {}  # name -> (label start, value start), in text order
    for match in _LABEL.finditer(text):
        starts.setdefault(match.group(1).lower().translate(_LABEL_SEPARATORS), match.span())
    names = list(starts)
    spans: dict[str, tuple[int, int]] = {}
    for index, name in enumerate(names):
        end = starts[names[index + 1]][0] if index + 1 < len(names) else len(text)
        spans[name] = (starts[name][1], end)
    return spans


# The exact Appendix B layout, as format_receipt_text and most SMSCs write it: read with one match
# instead of the label scan. It must read every text it matches exactly as the scan does (a property
# test compares them): each label once, in order, ASCII digits, the text last and taken whole (a label
# inside it is a repeat, which the scan ignores too); anything else goes to the scan.
_CANONICAL = re.compile(
    r"id:(\S+) sub:([0-9]{3}) dlvrd:([0-9]{3}) submit date:([0-9]{10}) done date:([0-9]{10})"
    r" stat:([A-Z]{7}) err:(\S+) text:(.*)",
    re.DOTALL,
)


@functools.lru_cache(maxsize=4096)  # a carrier's receipts share their minutes: most dates repeat
def _date(value: str) -> datetime | None:
    """YYMMDDhhmm, YYMMDDhhmmss or YYYYMMDDhhmmss; None for anything else, or an impossible date."""
    digits = value.strip()
    if len(digits) not in (10, 12, 14) or not (digits.isdigit() and digits.isascii()):
        return None
    if len(digits) == 14:
        year, rest = int(digits[:4]), digits[4:]
    else:
        year, rest = 2000 + int(digits[:2]), digits[2:]  # receipts are about messages of this century
    # the 10-digit form has no seconds: its empty slice reads as 0
    month, day, hour, minute, second = (int(rest[i : i + 2] or 0) for i in range(0, 10, 2))
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _count(value: str) -> int | None:
    digits = value.strip()
    return int(digits) if digits.isdigit() and digits.isascii() else None


def _text_fields(text: str) -> dict[str, Any]:
    """Receipt fields found in a receipt text, as ``Receipt`` keyword arguments."""
    canonical = _CANONICAL.fullmatch(text)
    if canonical is not None:
        message_id, submitted, delivered, submit_date, done_date, stat, error, body = canonical.groups()
        return {
            "message_id": message_id,
            "state": _STATES_BY_NAME.get(stat, MessageState.UNKNOWN),
            "submitted_count": int(submitted),
            "delivered_count": int(delivered),
            "submit_date": _date(submit_date),
            "done_date": _date(done_date),
            "error_code": error,
            "text": body,
        }
    return _scanned_fields(text)


def _scanned_fields(text: str) -> dict[str, Any]:
    """``_text_fields`` for any layout: labels in any order and case, missing or repeated."""
    spans = _label_spans(text)
    values = {name: text[start:end] for name, (start, end) in spans.items()}
    body = values.get("text", "")
    if "text" in spans and spans["text"][1] < len(text):
        body = body.rstrip()  # the separator before the next label is not part of the text
    return {
        "message_id": next(iter(values.get("id", "").split()), ""),
        "state": _STATES_BY_NAME.get(values.get("stat", "").strip().upper(), MessageState.UNKNOWN),
        "submitted_count": _count(values.get("sub", "")),
        "delivered_count": _count(values.get("dlvrd", "")),
        "submit_date": _date(values.get("submitdate", "")),
        "done_date": _date(values.get("donedate", "")),
        "error_code": values.get("err", "").strip(),
        "text": body,
    }


def parse_receipt_text(text: str) -> Receipt | None:
    """The receipt in a receipt text, or None when it names no message id."""
    fields = _text_fields(text)
    return Receipt(**fields) if fields["message_id"] else None


def _body(pdu: DeliverSm | DataSm) -> bytes:
    if isinstance(pdu, DeliverSm) and pdu.short_message:
        return pdu.short_message
    payload = pdu.tlv(Tag.MESSAGE_PAYLOAD)
    return payload if isinstance(payload, bytes) else b""


def _tlv_text(value: int | str | bytes | None) -> str:
    if isinstance(value, bytes):  # a malformed C-string kept raw by the codec
        value = value.decode("latin-1")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def parse_receipt(pdu: DeliverSm | DataSm, *, default_alphabet: DefaultAlphabet = "gsm") -> Receipt | None:
    """The receipt carried by ``pdu``; None when it is not a receipt or names no message id.

    ``default_alphabet`` is the carrier link's reading of data_coding 0. Never raises.
    """
    message_type = pdu.esm_class & ESM_TYPE_MASK
    if message_type not in _RECEIPT_TYPES:
        return None
    fields = _text_fields(decode_text(_body(pdu), pdu.data_coding, default_alphabet))
    fields["message_id"] = _tlv_text(pdu.tlv(Tag.RECEIPTED_MESSAGE_ID)) or fields["message_id"]
    if not fields["message_id"]:
        return None
    state = pdu.tlv(Tag.MESSAGE_STATE)
    if isinstance(state, int) and isinstance(state := coerce(MessageState, state), MessageState):
        fields["state"] = state
    network_error = pdu.tlv(Tag.NETWORK_ERROR_CODE)
    if isinstance(network_error, bytes):
        fields["network_error_code"] = network_error
    return Receipt(**fields, intermediate=message_type == EsmClass.INTERMEDIATE_NOTIFICATION)


def normalize_message_id(message_id: str, id_format: IdFormat = "decimal") -> str:
    """A canonical form of a message id, so ids a carrier writes differently compare equal.

    ``decimal`` and ``hex`` ids become the decimal text of their value ("00FF" hex == "255" decimal);
    an id that is not valid in its format, and every ``text`` id, is only stripped.
    """
    value = message_id.strip().strip("\x00")
    if id_format == "decimal" and value.isdigit() and value.isascii():
        return str(int(value))
    if id_format == "hex" and re.fullmatch(r"[0-9A-Fa-f]+", value):
        return str(int(value, 16))
    return value


# --- formatting -----------------------------------------------------------------------------------


def _three_digits(value: int) -> str:
    return f"{min(max(value, 0), 999):03d}"


def _format_date(value: datetime | None) -> str:
    # A missing date is written as zeros, which no parser reads as a date: it stays missing.
    return value.strftime("%y%m%d%H%M") if value is not None else "0000000000"


def format_receipt_text(receipt: Receipt) -> str:
    """The Appendix B text: 10-digit dates (wall-clock fields as given), 3-digit sub, dlvrd and err,
    text cut to 20 characters. A missing sub is 001; a missing dlvrd is 001 when delivered, else 000.
    An err longer than 3 characters is written whole: cutting it would change the error."""
    submitted = 1 if receipt.submitted_count is None else receipt.submitted_count
    delivered = receipt.delivered_count
    if delivered is None:
        delivered = 1 if receipt.state is MessageState.DELIVERED else 0
    error = receipt.error_code.strip() or "0"
    return (
        f"id:{receipt.message_id} sub:{_three_digits(submitted)} dlvrd:{_three_digits(delivered)} "
        f"submit date:{_format_date(receipt.submit_date)} done date:{_format_date(receipt.done_date)} "
        f"stat:{STAT_NAMES[receipt.state]} err:{error.zfill(3)} text:{receipt.text[:TEXT_PREVIEW_CHARS]}"
    )


def receipt_tlvs(receipt: Receipt) -> tuple[Tlv, ...]:
    """receipted_message_id and message_state, and network_error_code when known."""
    tlvs: tuple[Tlv, ...] = (
        Tlv(Tag.RECEIPTED_MESSAGE_ID, receipt.message_id),
        Tlv(Tag.MESSAGE_STATE, int(receipt.state)),
    )
    if receipt.network_error_code is not None:
        tlvs += (Tlv(Tag.NETWORK_ERROR_CODE, receipt.network_error_code),)
    return tlvs


# --- rewriting ------------------------------------------------------------------------------------

_R = TypeVar("_R", DeliverSm, DataSm)


def _replace_text_id(view: str, new_id: str) -> str:
    canonical = _CANONICAL.fullmatch(view)
    if canonical is not None:
        start, end = canonical.span(1)
        return view[:start] + new_id + view[end:]
    span = _label_spans(view).get("id")
    if span is None:
        return view
    value = view[span[0] : span[1]]
    token = re.search(r"\S+", value)
    if token is None:
        return view  # an empty id: nothing to replace, and inserting one could glue it to a label
    start, end = span[0] + token.start(), span[0] + token.end()
    return view[:start] + new_id + view[end:]


def _rewrite_body(body: bytes, data_coding: int, new_id: str) -> bytes:
    """Replace the text id in the octets themselves, so every other octet stays as it was."""
    kind = alphabet(data_coding)
    if kind is Alphabet.BINARY:
        return body
    if kind is Alphabet.UCS2:
        # surrogatepass makes decode/encode an identity on any even number of octets
        even = len(body) - len(body) % 2
        view = body[:even].decode("utf-16-be", "surrogatepass")
        return _replace_text_id(view, new_id).encode("utf-16-be", "surrogatepass") + body[even:]
    # One octet per character, and the labels are the same octets in GSM, ASCII and Latin-1.
    return _replace_text_id(body.decode("latin-1"), new_id).encode("latin-1")


def rewrite_receipt_id(pdu: _R, new_id: str) -> _R:
    """A copy of the receipt with ``new_id`` in the text and in receipted_message_id (where each is
    present); every other field, octet and TLV is kept. The gateway gives clients its own ids this way.

    ``new_id`` must be 1-64 letters, digits, '-' or '.' (octets that read the same in GSM and ASCII);
    otherwise ``LocalProtocolError(ESME_RINVMSGID)``.
    """
    if not _SAFE_ID.fullmatch(new_id):
        raise LocalProtocolError(
            CommandStatus.ESME_RINVMSGID, f"receipt id {new_id!r} is not 1-64 [A-Za-z0-9.-]"
        )
    in_payload = not (isinstance(pdu, DeliverSm) and pdu.short_message)
    tlvs: list[Tlv] = []
    for item in pdu.tlvs:
        if item.tag == Tag.RECEIPTED_MESSAGE_ID:
            item = Tlv(item.tag, new_id)
        elif item.tag == Tag.MESSAGE_PAYLOAD and in_payload and isinstance(item.value, bytes):
            item = Tlv(item.tag, _rewrite_body(item.value, pdu.data_coding, new_id))
        tlvs.append(item)
    changes: dict[str, Any] = {"tlvs": tuple(tlvs)}
    if isinstance(pdu, DeliverSm) and not in_payload:
        changes["short_message"] = _rewrite_body(pdu.short_message, pdu.data_coding, new_id)
    copy: _R = pdu.evolve(**changes)
    return copy
