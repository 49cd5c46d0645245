"""A third-party ESME for end-to-end tests: python-smpplib, driven synchronously in a worker thread.

Each call sends one request and reads PDUs until its response arrives; deliver_sm PDUs read on the way
(receipts, MO) are answered by smpplib and kept in ``delivered``. Every read has a socket timeout, so a
test never hangs on a silent gateway.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp


@dataclass
class SubmitResult:
    status: int
    message_id: str


@dataclass
class SyncEsme:
    host: str
    port: int
    timeout: float = 10.0
    delivered: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = smpplib.client.Client(
            self.host, self.port, timeout=self.timeout, allow_unknown_opt_params=True
        )
        self.client.set_message_received_handler(self._on_deliver)

    def _on_deliver(self, pdu: Any) -> None:
        self.delivered.append(pdu)

    def bind(self, kind: str, system_id: str, password: str) -> int:
        """Connect and bind; the bind_resp status (0 = bound)."""
        self.client.connect()
        method = getattr(self.client, f"bind_{kind}")
        try:
            method(system_id=system_id, password=password)
        except smpplib.exceptions.PDUError as error:
            return int(error.args[1])
        return 0

    def request(self, command: str, **fields: Any) -> Any:
        pdu = smpplib.smpp.make_pdu(command, client=self.client, **fields)
        self.client.send_pdu(pdu)
        return self._response_to(pdu.sequence)

    def submit(self, text: bytes | str = b"hello", **fields: Any) -> SubmitResult:
        defaults: dict[str, Any] = {
            "source_addr_ton": smpplib.consts.SMPP_TON_ALNUM,
            "source_addr_npi": smpplib.consts.SMPP_NPI_UNK,
            "source_addr": "ACME",
            "dest_addr_ton": smpplib.consts.SMPP_TON_INTL,
            "dest_addr_npi": smpplib.consts.SMPP_NPI_ISDN,
            "destination_addr": "33612345678",
            "short_message": text.encode() if isinstance(text, str) else text,
        }
        defaults.update(fields)
        pdu = self.client.send_message(**defaults)
        response = self._response_to(pdu.sequence)
        message_id = (
            response.message_id.decode() if isinstance(response.message_id, bytes) else response.message_id
        )
        return SubmitResult(int(response.status), message_id or "")

    def _response_to(self, sequence: int) -> Any:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            pdu = self.client.read_pdu()
            if pdu.command == "deliver_sm":
                self.client._message_received(pdu)  # smpplib answers deliver_sm_resp and calls our handler
                continue
            if pdu.command == "enquire_link":
                self.client._enquire_link_received(pdu)
                continue
            if int(pdu.sequence) == int(sequence):
                return pdu
        raise TimeoutError(f"no response to sequence {sequence}")

    def wait_delivered(self, count: int = 1) -> list[Any]:
        """Read until ``count`` deliver_sm PDUs arrived (answering each)."""
        deadline = time.monotonic() + self.timeout
        while len(self.delivered) < count and time.monotonic() < deadline:
            pdu = self.client.read_pdu()
            if pdu.command == "deliver_sm":
                self.client._message_received(pdu)
            elif pdu.command == "enquire_link":
                self.client._enquire_link_received(pdu)
        if len(self.delivered) < count:
            raise TimeoutError(f"{len(self.delivered)} of {count} deliver_sm arrived")
        return self.delivered[:count]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.unbind()
        self.client.disconnect()
