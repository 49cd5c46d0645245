"""One error family that carries the wire status.

Rule: anything the core raises is an ``SmppError``; any other exception escaping ``smpp/`` is a bug.
``RemoteProtocolError``: the peer sent something broken or illegal (the session answers it with
generic_nack or the command's ``_resp`` carrying ``status``). ``LocalProtocolError``: our own code
asked for something illegal (sending a PDU the bind state forbids, a full window, an over-long field).
"""

from __future__ import annotations

from .constants import CommandId, CommandStatus


class SmppError(Exception):
    """A protocol error with the status a conformant peer answers.

    ``command_id`` and ``sequence_number`` are those of the offending PDU when they could be read
    (so the answer can be the matching ``_resp``); ``None`` when the header itself was unreadable.
    ``fatal`` means the byte stream can no longer be framed and the connection must close.
    """

    def __init__(
        self,
        status: CommandStatus,
        detail: str,
        *,
        command_id: CommandId | int | None = None,
        sequence_number: int | None = None,
        fatal: bool = False,
    ) -> None:
        super().__init__(f"{status.name}: {detail}")
        self.status = status
        self.detail = detail
        self.command_id = command_id
        self.sequence_number = sequence_number
        self.fatal = fatal


class RemoteProtocolError(SmppError):
    """The peer sent bytes or a PDU that break the protocol."""


class LocalProtocolError(SmppError):
    """We tried to do something the protocol forbids (a bug in the caller, or a policy limit)."""
