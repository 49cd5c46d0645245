"""Cut a TCP byte stream into whole PDUs by command_length, with a bound on the size of one PDU.

Shape of h2's ``frame_buffer``: bytes are appended to one ``bytearray``; consumed frames only advance
an offset, and the consumed prefix is dropped when it is at least half the buffer (and more than a
few kilobytes) or when everything has been consumed. Each octet is copied into the buffer once, out
of it once (the returned frame) and moved at most a bounded number of times on average, so
consumption is amortised O(1) per octet whatever the chunking.

Frames are returned as ``bytes``: a memoryview into the buffer would pin it (a bytearray cannot be
resized while views of it exist) and ``codec.decode`` needs ``bytes`` for ``find`` anyway.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .codec import DEFAULT_MAX_PDU_SIZE, HEADER_SIZE
from .constants import CommandStatus
from .errors import RemoteProtocolError

_LENGTH = struct.Struct(">I")
_HEADER_TAIL = struct.Struct(">II")  # command_id, command_status: logged when the length is bad
_COMPACT_AFTER = 8192  # octets consumed before the buffer is worth compacting


class FrameBuffer:
    """Bytes in (``feed``), whole PDUs out (``next_frame`` / iteration).

    A command_length under 16 or over ``max_pdu_size`` means the stream can no longer be framed:
    ``next_frame`` raises ``RemoteProtocolError(ESME_RINVCMDLEN, fatal=True)`` with no sequence
    number (the generic_nack carries 0), and keeps raising it; the connection must close. The bad
    length is checked as soon as its 4 octets arrive, so an oversized PDU is never buffered.
    """

    __slots__ = ("_buffer", "_max_pdu_size", "_need", "_offset")

    def __init__(self, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> None:
        if max_pdu_size < HEADER_SIZE:
            raise ValueError(f"max_pdu_size {max_pdu_size} is smaller than a PDU header")
        self._buffer = bytearray()
        self._offset = 0  # start of the first frame not yet returned
        self._need = 4  # buffer length at which next_frame has something to do: fed one octet at a
        # time, a PDU costs one comparison per octet, not a header parse
        self._max_pdu_size = max_pdu_size

    def __len__(self) -> int:
        """Octets received and not yet returned as frames."""
        return len(self._buffer) - self._offset

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self._buffer += data

    def next_frame(self) -> bytes | None:
        """The next whole PDU, or None until more bytes are fed."""
        buffer = self._buffer
        if len(buffer) < self._need:
            return None
        start = self._offset
        (length,) = _LENGTH.unpack_from(buffer, start)
        if length < HEADER_SIZE or length > self._max_pdu_size:
            raise self._length_error(length)
        end = start + length
        if len(buffer) < end:
            self._need = end
            return None
        frame = bytes(buffer[start:end])
        if end == len(buffer):
            buffer.clear()
            end = 0
        elif end > _COMPACT_AFTER and end * 2 > len(buffer):
            del buffer[:end]
            end = 0
        self._offset = end
        self._need = end + 4
        return frame

    def __iter__(self) -> Iterator[bytes]:
        """Every whole PDU buffered now; stops (without raising) when the rest is incomplete."""
        while (frame := self.next_frame()) is not None:
            yield frame

    def _length_error(self, length: int) -> RemoteProtocolError:
        detail = f"command_length {length} outside 16..{self._max_pdu_size}"
        if len(self) >= HEADER_SIZE:
            command_id, status = _HEADER_TAIL.unpack_from(self._buffer, self._offset + 4)
            (sequence_number,) = _LENGTH.unpack_from(self._buffer, self._offset + 12)
            detail += (
                f" (command_id 0x{command_id:08x}, status 0x{status:x}, sequence_number {sequence_number})"
            )
        return RemoteProtocolError(CommandStatus.ESME_RINVCMDLEN, detail, fatal=True)
