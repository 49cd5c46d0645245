"""One frozen, slotted, keyword-only dataclass per SMPP 3.4 PDU.

Class names are the command names (``SubmitSm``, ``DeliverSmResp``); field names are the spec's.
Coded fields hold ``int`` values (the enums in ``constants`` are ``IntEnum``s, so ``Ton.ALPHANUMERIC``
and ``5`` are interchangeable); decoders keep reserved and vendor values instead of failing.
``sm_length`` and ``command_length`` are not fields: the codec derives them from the data.

Error responses: a peer may omit the body of any ``_resp`` whose status is not 0. Such a PDU decodes
with ``body_omitted=True`` and re-encodes to the same 16 octets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, NamedTuple, Self

from .constants import (
    INTERFACE_VERSION_34,
    CommandId,
    CommandStatus,
    DataCoding,
    EsmClass,
    Npi,
    RegisteredDelivery,
    Tag,
    Ton,
)
from .frozen import fast_init, mutable_twin


class Tlv(NamedTuple):
    """One optional parameter, in wire order.

    ``value`` is an ``int`` for Integer TLVs, ``str`` for C-octet-string TLVs and ``bytes`` for octet
    strings, unknown tags, and known tags whose length does not fit their type (kept raw so that
    re-encoding reproduces the bytes).
    """

    tag: int
    value: int | str | bytes


# The decorator is spelled out on every class (not aliased) so that mypy sees the dataclasses and
# checks keyword construction.


@dataclass(frozen=True, slots=True, kw_only=True)
class Pdu:
    command_id: ClassVar[CommandId]
    sequence_number: int = 0
    command_status: int = CommandStatus.ESME_ROK

    def with_sequence(self, sequence_number: int) -> Self:
        return self.evolve(sequence_number=sequence_number)

    def evolve(self, **changes: Any) -> Self:
        """A copy with ``changes``: ``dataclasses.replace`` without its per-call introspection and
        keyword ``__init__``, several times faster on a submit_sm (the gateway copies every PDU it
        forwards). Unknown field names raise TypeError, as ``replace`` does."""
        cls = type(self)
        copier = _COPIERS.get(cls)
        if copier is None:
            copier = _COPIERS[cls] = _compile_copier(cls)
        known, copy = copier
        if not known.issuperset(changes):
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(set(changes) - known)}")
        return copy(self, changes)  # type: ignore[no-any-return]


_Copy = Callable[[Pdu, dict[str, Any]], Any]
_COPIERS: dict[type[Pdu], tuple[frozenset[str], _Copy]] = {}


def _compile_copier(cls: type[Pdu]) -> tuple[frozenset[str], _Copy]:
    """The field names of ``cls`` and a straight-line function copying one with changes."""
    names = tuple(f.name for f in fields(cls))  # identifiers of our own dataclasses: safe to compile
    source = "\n".join(
        [
            "def copy(source, changes):",
            "    clone = NEW(TWIN)",
            *(f"    clone.{name} = source.{name}" for name in names),
            "    for name in changes:",
            "        SET(clone, name, changes[name])",
            "    clone.__class__ = CLS",
            "    return clone",
        ]
    )
    namespace: dict[str, Any] = {"NEW": object.__new__, "TWIN": mutable_twin(cls), "SET": setattr, "CLS": cls}
    exec(compile(source, f"<evolve {cls.__name__}>", "exec"), namespace)
    return frozenset(names), namespace["copy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request(Pdu):
    response_class: ClassVar[type[Response] | None] = None

    def make_response(self, status: int = CommandStatus.ESME_ROK, **fields: object) -> Response:
        """The matching ``_resp`` carrying this request's sequence number.

        A non-zero status with no fields gives an error response with the body omitted, the form
        most SMSCs send.
        """
        cls = self.response_class
        if cls is None:
            raise TypeError(f"{type(self).__name__} has no response PDU")
        omit = status != CommandStatus.ESME_ROK and not fields and cls.has_body
        arguments: dict[str, Any] = {
            "sequence_number": self.sequence_number,
            "command_status": status,
            "body_omitted": omit,
            **fields,
        }
        return cls(**arguments)


@dataclass(frozen=True, slots=True, kw_only=True)
class Response(Pdu):
    has_body: ClassVar[bool] = True
    body_omitted: bool = False


class WithTlvs:
    """Mixin for PDUs with an optional-parameter area; each such PDU declares its ``tlvs`` field
    last (a slotted dataclass cannot inherit fields from two bases)."""

    __slots__ = ()
    tlvs: tuple[Tlv, ...]

    def tlv(self, tag: Tag | int) -> int | str | bytes | None:
        """The value of the first TLV with this tag, or None."""
        for item in self.tlvs:
            if item.tag == tag:
                return item.value
        return None


# --- session management -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class BindResp(Response, WithTlvs):
    system_id: str = ""
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransmitterResp(BindResp):
    command_id = CommandId.BIND_TRANSMITTER_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class BindReceiverResp(BindResp):
    command_id = CommandId.BIND_RECEIVER_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransceiverResp(BindResp):
    command_id = CommandId.BIND_TRANSCEIVER_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class Bind(Request):
    system_id: str = ""
    password: str = field(default="", repr=False)  # never in a repr, so never in a log line
    system_type: str = ""
    interface_version: int = INTERFACE_VERSION_34
    addr_ton: int = Ton.UNKNOWN
    addr_npi: int = Npi.UNKNOWN
    address_range: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransmitter(Bind):
    command_id = CommandId.BIND_TRANSMITTER
    response_class = BindTransmitterResp


@dataclass(frozen=True, slots=True, kw_only=True)
class BindReceiver(Bind):
    command_id = CommandId.BIND_RECEIVER
    response_class = BindReceiverResp


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransceiver(Bind):
    command_id = CommandId.BIND_TRANSCEIVER
    response_class = BindTransceiverResp


@dataclass(frozen=True, slots=True, kw_only=True)
class Outbind(Request):
    command_id = CommandId.OUTBIND
    system_id: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnbindResp(Response):
    command_id = CommandId.UNBIND_RESP
    has_body = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbind(Request):
    command_id = CommandId.UNBIND
    response_class = UnbindResp


@dataclass(frozen=True, slots=True, kw_only=True)
class EnquireLinkResp(Response):
    command_id = CommandId.ENQUIRE_LINK_RESP
    has_body = False


@dataclass(frozen=True, slots=True, kw_only=True)
class EnquireLink(Request):
    command_id = CommandId.ENQUIRE_LINK
    response_class = EnquireLinkResp


@dataclass(frozen=True, slots=True, kw_only=True)
class GenericNack(Response):
    command_id = CommandId.GENERIC_NACK
    has_body = False


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageResp(Response):
    message_id: str = ""


# submit_sm_resp, deliver_sm_resp and submit_multi_resp carry no TLVs in 3.4, but 5.0 peers append
# some (additional_status_info_text, network_error_code, ...). Keeping them, rather than rejecting the
# response, matters: a carrier's submit_sm_resp we cannot read is a message we think was lost.


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitSmResp(MessageResp, WithTlvs):
    command_id = CommandId.SUBMIT_SM_RESP
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverSmResp(MessageResp, WithTlvs):
    command_id = CommandId.DELIVER_SM_RESP
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortMessage(Request, WithTlvs):
    """The shared body of submit_sm and deliver_sm (same layout on the wire)."""

    service_type: str = ""
    source_addr_ton: int = Ton.UNKNOWN
    source_addr_npi: int = Npi.UNKNOWN
    source_addr: str = ""
    dest_addr_ton: int = Ton.UNKNOWN
    dest_addr_npi: int = Npi.UNKNOWN
    destination_addr: str = ""
    esm_class: int = EsmClass.DEFAULT
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = RegisteredDelivery.NONE
    replace_if_present_flag: int = 0
    data_coding: int = DataCoding.DEFAULT
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitSm(ShortMessage):
    command_id = CommandId.SUBMIT_SM
    response_class = SubmitSmResp


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverSm(ShortMessage):
    command_id = CommandId.DELIVER_SM
    response_class = DeliverSmResp


@dataclass(frozen=True, slots=True, kw_only=True)
class DataSmResp(MessageResp, WithTlvs):
    command_id = CommandId.DATA_SM_RESP
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DataSm(Request, WithTlvs):
    command_id = CommandId.DATA_SM
    response_class = DataSmResp
    service_type: str = ""
    source_addr_ton: int = Ton.UNKNOWN
    source_addr_npi: int = Npi.UNKNOWN
    source_addr: str = ""
    dest_addr_ton: int = Ton.UNKNOWN
    dest_addr_npi: int = Npi.UNKNOWN
    destination_addr: str = ""
    esm_class: int = EsmClass.DEFAULT
    registered_delivery: int = RegisteredDelivery.NONE
    data_coding: int = DataCoding.DEFAULT
    tlvs: tuple[Tlv, ...] = ()


class DestAddress(NamedTuple):
    """submit_multi dest_flag 1: an SME address."""

    dest_addr_ton: int
    dest_addr_npi: int
    destination_addr: str


class DistributionList(NamedTuple):
    """submit_multi dest_flag 2: a distribution list name."""

    dl_name: str


class UnsuccessSme(NamedTuple):
    dest_addr_ton: int
    dest_addr_npi: int
    destination_addr: str
    error_status_code: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitMultiResp(MessageResp, WithTlvs):
    command_id = CommandId.SUBMIT_MULTI_RESP
    unsuccess_smes: tuple[UnsuccessSme, ...] = ()
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitMulti(Request, WithTlvs):
    command_id = CommandId.SUBMIT_MULTI
    response_class = SubmitMultiResp
    service_type: str = ""
    source_addr_ton: int = Ton.UNKNOWN
    source_addr_npi: int = Npi.UNKNOWN
    source_addr: str = ""
    dest_addresses: tuple[DestAddress | DistributionList, ...] = ()
    esm_class: int = EsmClass.DEFAULT
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = RegisteredDelivery.NONE
    replace_if_present_flag: int = 0
    data_coding: int = DataCoding.DEFAULT
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class QuerySmResp(MessageResp):
    command_id = CommandId.QUERY_SM_RESP
    final_date: str = ""
    message_state: int = 0
    error_code: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class QuerySm(Request):
    command_id = CommandId.QUERY_SM
    response_class = QuerySmResp
    message_id: str = ""
    source_addr_ton: int = Ton.UNKNOWN
    source_addr_npi: int = Npi.UNKNOWN
    source_addr: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelSmResp(Response):
    command_id = CommandId.CANCEL_SM_RESP
    has_body = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelSm(Request):
    command_id = CommandId.CANCEL_SM
    response_class = CancelSmResp
    service_type: str = ""
    message_id: str = ""
    source_addr_ton: int = Ton.UNKNOWN
    source_addr_npi: int = Npi.UNKNOWN
    source_addr: str = ""
    dest_addr_ton: int = Ton.UNKNOWN
    dest_addr_npi: int = Npi.UNKNOWN
    destination_addr: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceSmResp(Response):
    command_id = CommandId.REPLACE_SM_RESP
    has_body = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceSm(Request, WithTlvs):
    command_id = CommandId.REPLACE_SM
    response_class = ReplaceSmResp
    message_id: str = ""
    source_addr_ton: int = Ton.UNKNOWN
    source_addr_npi: int = Npi.UNKNOWN
    source_addr: str = ""
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = RegisteredDelivery.NONE
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: tuple[Tlv, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertNotification(Request, WithTlvs):
    command_id = CommandId.ALERT_NOTIFICATION
    source_addr_ton: int = Ton.UNKNOWN
    source_addr_npi: int = Npi.UNKNOWN
    source_addr: str = ""
    esme_addr_ton: int = Ton.UNKNOWN
    esme_addr_npi: int = Npi.UNKNOWN
    esme_addr: str = ""
    tlvs: tuple[Tlv, ...] = ()


BIND_REQUESTS: tuple[type[Bind], ...] = (BindTransmitter, BindReceiver, BindTransceiver)

PDU_CLASSES: dict[int, type[Pdu]] = {
    cls.command_id: cls
    for cls in (
        GenericNack,
        BindTransmitter,
        BindTransmitterResp,
        BindReceiver,
        BindReceiverResp,
        BindTransceiver,
        BindTransceiverResp,
        Outbind,
        Unbind,
        UnbindResp,
        EnquireLink,
        EnquireLinkResp,
        SubmitSm,
        SubmitSmResp,
        DeliverSm,
        DeliverSmResp,
        DataSm,
        DataSmResp,
        SubmitMulti,
        SubmitMultiResp,
        QuerySm,
        QuerySmResp,
        CancelSm,
        CancelSmResp,
        ReplaceSm,
        ReplaceSmResp,
        AlertNotification,
    )
}

# Every concrete PDU is built through its mutable twin (frozen.py): the frozen dataclass __init__
# stores each field through object.__setattr__, which costs more than the rest of a response's making.
for _cls in PDU_CLASSES.values():
    fast_init(_cls)
