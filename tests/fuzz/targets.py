"""The fuzz invariant of the sans-I/O core (h11's ``fuzz/afl-server.py`` idea, for SMPP).

Whatever bytes arrive, ``codec.decode`` returns a PDU or raises ``SmppError``; ``FrameBuffer`` yields
whole frames or raises ``SmppError``, the same whether the bytes come at once or one at a time; and a
``Session`` fed them raises nothing at all (it answers protocol errors itself). Any other exception is
a bug in ``smpp/``. ``check`` is the one entry point the fuzzers and the corpus replay test call.
"""

from __future__ import annotations

import contextlib

from smpp_gateway.smpp import codec
from smpp_gateway.smpp.errors import SmppError
from smpp_gateway.smpp.framing import FrameBuffer
from smpp_gateway.smpp.pdu import Pdu
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import Role

# Small enough that random inputs reach the "too long" branch, large enough for every real PDU here.
MAX_PDU = 4096


def check_decode(frame: bytes) -> Pdu | None:
    """A PDU, or None after an SmppError; a decoded PDU must encode again (or refuse with SmppError)."""
    try:
        pdu = codec.decode(frame)
    except SmppError:
        return None
    assert isinstance(pdu, Pdu), type(pdu)
    # The decoder is lenient where the encoder is strict (section 1 of the reference): a refusal is fine.
    with contextlib.suppress(SmppError):
        codec.encode(pdu)
    return pdu


def _frames(chunks: list[bytes]) -> tuple[list[bytes], int | None]:
    buffer = FrameBuffer(MAX_PDU)
    frames: list[bytes] = []
    for chunk in chunks:
        buffer.feed(chunk)
        try:
            frames.extend(buffer)
        except SmppError as error:
            # Only an unframeable stream stops the framer, and then for good.
            return frames, int(error.status) if error.fatal else -1
    return frames, None


def check_framing(data: bytes) -> None:
    whole = _frames([data])
    byte_by_byte = _frames([data[i : i + 1] for i in range(len(data))])
    assert whole[1] != -1, "the framer raised a non-fatal error"
    assert whole == byte_by_byte, "framing depends on how the bytes were chunked"
    for frame in whole[0]:
        assert len(frame) >= 16
        check_decode(frame)


def check_session(data: bytes) -> None:
    config = SessionConfig(max_pdu_size=MAX_PDU)
    for role in (Role.SMSC, Role.ESME):
        session = Session(role, config, 0.0)
        session.receive_data(data, 1.0)
        while session.next_event() is not None:
            pass
        session.data_to_send()
        session.handle_timer(100.0)
        while session.next_event() is not None:
            pass


def check(data: bytes) -> None:
    check_decode(data)
    check_framing(data)
    check_session(data)
