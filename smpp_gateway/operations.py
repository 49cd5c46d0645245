"""The client operations besides submit_sm/data_sm: submit_multi, query_sm, cancel_sm, replace_sm.

- submit_multi is fanned out: one submit per SME address through the whole submit path (checks,
  routes, carriers), all under one gateway message_id; the response lists the destinations that failed
  (unsuccess_sme) with their statuses. Distribution lists are not supported (ESME_RCNTSUBDL). Each
  destination is recorded as ``<id>.<n>`` (records need their own key); its receipts carry ``<id>``.
- query_sm is answered from the gateway's records, never forwarded: the gateway knows the receipt.
- cancel_sm and replace_sm go to the carrier that holds the message, with the carrier's id; a message
  the gateway does not know, or whose carrier is not bound, is refused with the command's failure status.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from . import ids
from .clients import ClientBind
from .smpp.constants import CommandStatus, MessageState
from .smpp.pdu import (
    CancelSm,
    DestAddress,
    QuerySm,
    ReplaceSm,
    Request,
    Response,
    SubmitMulti,
    SubmitMultiResp,
    SubmitSm,
    UnsuccessSme,
)
from .transport.client import CarrierUnavailable
from .transport.connection import LinkLost, RequestRejected, RequestTimeout

if TYPE_CHECKING:
    from .gateway import Gateway

# submit_sm fields shared with submit_multi (everything but the destination).
_SHARED_FIELDS = (
    "service_type",
    "source_addr_ton",
    "source_addr_npi",
    "source_addr",
    "esm_class",
    "protocol_id",
    "priority_flag",
    "schedule_delivery_time",
    "validity_period",
    "registered_delivery",
    "replace_if_present_flag",
    "data_coding",
    "sm_default_msg_id",
    "short_message",
    "tlvs",
)


class Operations:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def submit_multi(self, client: ClientBind, pdu: Request) -> Response:
        assert isinstance(pdu, SubmitMulti)
        gateway_id = self.gateway.ids.next_id()
        shared = {name: getattr(pdu, name) for name in _SHARED_FIELDS}
        targets = [dest for dest in pdu.dest_addresses if isinstance(dest, DestAddress)]
        results = await asyncio.gather(
            *(
                self.gateway.submit_path.submit(
                    client,
                    SubmitSm(
                        sequence_number=pdu.sequence_number,
                        dest_addr_ton=dest.dest_addr_ton,
                        dest_addr_npi=dest.dest_addr_npi,
                        destination_addr=dest.destination_addr,
                        **shared,
                    ),
                    gateway_id=f"{gateway_id}{ids.SUFFIX}{index}",
                )
                for index, dest in enumerate(targets, start=1)
            )
        )
        failed = [
            UnsuccessSme(
                dest.dest_addr_ton, dest.dest_addr_npi, dest.destination_addr, response.command_status
            )
            for dest, response in zip(targets, results, strict=True)
            if response.command_status != CommandStatus.ESME_ROK
        ]
        failed += [
            UnsuccessSme(0, 0, dest.dl_name, CommandStatus.ESME_RCNTSUBDL)
            for dest in pdu.dest_addresses
            if not isinstance(dest, DestAddress)
        ]
        accepted = len(failed) < len(pdu.dest_addresses)
        return SubmitMultiResp(
            sequence_number=pdu.sequence_number,
            command_status=CommandStatus.ESME_ROK if accepted else CommandStatus.ESME_RSUBMITFAIL,
            message_id=gateway_id if accepted else "",
            unsuccess_smes=tuple(failed),
        )

    async def query_sm(self, client: ClientBind, pdu: Request) -> Response:
        assert isinstance(pdu, QuerySm)
        state = await self.gateway.store.message_state(pdu.message_id, client.account.system_id)
        if state is None:
            return pdu.make_response(CommandStatus.ESME_RQUERYFAIL)
        message_state, final_date, error_code = state
        return pdu.make_response(
            message_id=pdu.message_id,
            final_date=final_date if MessageState(message_state).is_final else "",
            message_state=message_state,
            error_code=error_code,
        )

    async def cancel_sm(self, client: ClientBind, pdu: Request) -> Response:
        assert isinstance(pdu, CancelSm)
        return await self._at_carrier(client, pdu, CommandStatus.ESME_RCANCELFAIL)

    async def replace_sm(self, client: ClientBind, pdu: Request) -> Response:
        assert isinstance(pdu, ReplaceSm)
        return await self._at_carrier(client, pdu, CommandStatus.ESME_RREPLACEFAIL)

    async def _at_carrier(self, client: ClientBind, pdu: CancelSm | ReplaceSm, failure: int) -> Response:
        mapping = await self.gateway.store.mapping_by_gateway_id(pdu.message_id, client.account.system_id)
        pool = self.gateway.pools.get(mapping.carrier) if mapping is not None else None
        if mapping is None or pool is None:
            return pdu.make_response(failure)
        outbound = pdu.evolve(sequence_number=0, message_id=mapping.carrier_message_id)
        loop = asyncio.get_running_loop()
        try:
            response = await pool.submit(outbound, loop.time() + self.gateway.config.submit_deadline)
        except (CarrierUnavailable, LinkLost, RequestTimeout, RequestRejected, TimeoutError):
            return pdu.make_response(failure)
        if response.command_status != CommandStatus.ESME_ROK:
            return pdu.make_response(response.command_status)
        return pdu.make_response()
