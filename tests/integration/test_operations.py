"""submit_multi, cancel_sm, replace_sm and data_sm through the real gateway to a scripted SMSC."""

from __future__ import annotations

import asyncio
from pathlib import Path

from smpp_gateway.smpp.constants import CommandStatus, MessageState, Tag
from smpp_gateway.smpp.pdu import (
    CancelSm,
    DataSm,
    DataSmResp,
    DeliverSm,
    DestAddress,
    DistributionList,
    ReplaceSm,
    SubmitMulti,
    SubmitMultiResp,
    SubmitSm,
    SubmitSmResp,
    Tlv,
)

from .carrier import running_carrier
from .gateway_harness import gateway_config, running_gateway, smpp_port
from .wire import QUIET_ACCOUNT, connect_client


async def test_submit_multi_fans_out_and_lists_the_destinations_that_failed(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account=QUIET_ACCOUNT)
        async with running_gateway(config) as gw:
            conn, events, status = await connect_client(smpp_port(gw))
            assert status == CommandStatus.ESME_ROK
            response = await conn.request(
                SubmitMulti(
                    source_addr="ACME",
                    source_addr_ton=5,
                    dest_addresses=(
                        DestAddress(1, 1, "33612345678"),
                        DestAddress(1, 1, "33698765432"),
                        DestAddress(1, 1, "4420"),  # not a valid number: refused by dest.format
                        DistributionList("staff"),
                    ),
                    short_message=b"Fermeture exceptionnelle demain",
                    registered_delivery=1,
                )
            )
            assert isinstance(response, SubmitMultiResp)
            assert response.command_status == CommandStatus.ESME_ROK
            assert len(response.message_id) == 24
            failed = {(sme.destination_addr, sme.error_status_code) for sme in response.unsuccess_smes}
            assert failed == {
                ("4420", CommandStatus.ESME_RINVDSTADR),
                ("staff", CommandStatus.ESME_RCNTSUBDL),
            }
            assert sorted(pdu.destination_addr for pdu in carrier.received) == ["33612345678", "33698765432"]
            # Each destination has its own record, and its receipt carries the submit_multi's id.
            await gw.store.durable()
            for index in (1, 2):
                assert await gw.store.story(f"{response.message_id}.{index}") is not None
            first = carrier.received[0]
            await carrier.send_receipt("3e8", first, MessageState.DELIVERED)
            async with asyncio.timeout(10):
                while not events.delivered:
                    await asyncio.sleep(0.01)
            [receipt] = events.delivered
            assert isinstance(receipt, DeliverSm)
            assert receipt.tlv(Tag.RECEIPTED_MESSAGE_ID) == response.message_id
            conn.abort()


async def test_cancel_and_replace_go_to_the_carrier_that_holds_the_message(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account=QUIET_ACCOUNT)
        async with running_gateway(config) as gw:
            conn, _events, _status = await connect_client(smpp_port(gw))
            sent = await conn.request(
                SubmitSm(
                    source_addr="ACME",
                    source_addr_ton=5,
                    destination_addr="33612345678",
                    short_message=b"rdv 10h",
                )
            )
            assert isinstance(sent, SubmitSmResp)
            cancel = await conn.request(
                CancelSm(
                    message_id=sent.message_id,
                    source_addr="ACME",
                    source_addr_ton=5,
                    destination_addr="33612345678",
                )
            )
            assert cancel.command_status == CommandStatus.ESME_ROK
            replace = await conn.request(
                ReplaceSm(message_id=sent.message_id, source_addr="ACME", short_message=b"rdv 11h")
            )
            assert replace.command_status == CommandStatus.ESME_ROK
            unknown = await conn.request(CancelSm(message_id="nope", source_addr="ACME"))
            assert unknown.command_status == CommandStatus.ESME_RCANCELFAIL
            unknown_replace = await conn.request(
                ReplaceSm(message_id="nope", source_addr="ACME", short_message=b"x")
            )
            assert unknown_replace.command_status == CommandStatus.ESME_RREPLACEFAIL
            conn.abort()


async def test_data_sm_is_forwarded_like_submit_sm(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account=QUIET_ACCOUNT)
        async with running_gateway(config) as gw:
            conn, _events, _status = await connect_client(smpp_port(gw))
            response = await conn.request(
                DataSm(
                    source_addr="ACME",
                    source_addr_ton=5,
                    dest_addr_ton=1,
                    dest_addr_npi=1,
                    destination_addr="33612345678",
                    tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, b"Votre colis arrive demain"),),
                )
            )
            assert isinstance(response, DataSmResp)
            assert response.command_status == CommandStatus.ESME_ROK
            assert len(response.message_id) == 24
            conn.abort()
