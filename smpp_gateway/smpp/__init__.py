"""The sans-I/O SMPP 3.4 core: bytes and time in, PDUs and events out; stdlib only, no clock reads.

The curated public API used by transport/, the gateway and the simulators. Modules are imported as
submodules too (``from smpp_gateway.smpp import codec, events``) where a caller needs more.
"""

from . import codec, concat, events, receipt, text
from .codec import DEFAULT_MAX_PDU_SIZE, decode, encode
from .constants import (
    CommandId,
    CommandStatus,
    DataCoding,
    EsmClass,
    MessageState,
    Npi,
    RegisteredDelivery,
    Tag,
    Ton,
)
from .errors import LocalProtocolError, RemoteProtocolError, SmppError
from .framing import FrameBuffer
from .pdu import PDU_CLASSES, Pdu, Request, Response, Tlv
from .session import Session, SessionConfig
from .states import BindState, Role

__all__ = [
    "DEFAULT_MAX_PDU_SIZE",
    "PDU_CLASSES",
    "BindState",
    "CommandId",
    "CommandStatus",
    "DataCoding",
    "EsmClass",
    "FrameBuffer",
    "LocalProtocolError",
    "MessageState",
    "Npi",
    "Pdu",
    "RegisteredDelivery",
    "RemoteProtocolError",
    "Request",
    "Response",
    "Role",
    "Session",
    "SessionConfig",
    "SmppError",
    "Tag",
    "Tlv",
    "Ton",
    "codec",
    "concat",
    "decode",
    "encode",
    "events",
    "receipt",
    "text",
]
