"""End to end on 127.0.0.1: a third-party client (smpplib, in a thread) -> gateway -> scripted SMSC."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import smpplib.consts
import smpplib.gsm

from smpp_gateway.gateway import Gateway
from smpp_gateway.smpp.constants import CommandStatus, MessageState

from .carrier import running_carrier
from .esme import SyncEsme
from .gateway_harness import PASSWORD, PASSWORD_HASH, gateway_config, running_gateway, smpp_port


def _esme(port: int) -> SyncEsme:
    return SyncEsme("127.0.0.1", port, timeout=10)


async def _bound(
    port: int, kind: str = "transceiver", system_id: str = "acme", password: str = PASSWORD
) -> SyncEsme:
    esme = _esme(port)
    status = await asyncio.to_thread(esme.bind, kind, system_id, password)
    assert status == 0, f"bind failed with {status:#x}"
    return esme


async def test_submit_forwards_and_answers_with_the_gateways_id(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = await _bound(smpp_port(gw), "transmitter")
        result = await asyncio.to_thread(esme.submit, "Votre code est 123456")
        assert result.status == 0
        assert len(result.message_id) == 24  # ours, not the carrier's hex counter
        assert len(carrier.received) == 1
        forwarded = carrier.received[0]
        assert forwarded.destination_addr == "33612345678"
        assert forwarded.short_message == b"Votre code est 123456"
        assert forwarded.registered_delivery & 0x03 == 1  # the gateway always asks the carrier for receipts
        await asyncio.to_thread(esme.close)


async def test_receipt_reaches_the_client_with_the_gateway_id(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = await _bound(smpp_port(gw))
        result = await asyncio.to_thread(esme.submit, "hello", registered_delivery=1)
        assert result.status == 0
        carrier_id = "3e8"  # the scripted carrier's first id (1000 in hex)
        status = await carrier.send_receipt(carrier_id, carrier.received[0], MessageState.DELIVERED)
        assert status == CommandStatus.ESME_ROK
        [receipt] = await asyncio.to_thread(esme.wait_delivered, 1)
        text = receipt.short_message.decode()
        assert f"id:{result.message_id}" in text
        assert "stat:DELIVRD" in text
        assert receipt.receipted_message_id.decode() == result.message_id
        assert receipt.destination_addr.decode() == "ACME"  # the sender the client used
        await asyncio.to_thread(esme.close)


async def test_a_receipt_that_overtakes_the_carriers_answer_still_reaches_the_client(tmp_path: Path) -> None:
    # A carrier may send the receipt before the submit_sm_resp is handled (on another bind, or ahead of
    # it in one read): the gateway waits for the submit in flight to record its id, and delivers.
    async with (
        running_carrier(hold=True) as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = await _bound(smpp_port(gw))
        submitting = asyncio.create_task(asyncio.to_thread(esme.submit, "hello", registered_delivery=1))
        await asyncio.wait_for(carrier.submitted.wait(), 10)
        [held] = carrier.received
        receipt = asyncio.create_task(carrier.send_receipt("abc1", held, MessageState.DELIVERED))
        await asyncio.sleep(0.3)
        assert not receipt.done()  # not answered as unknown: it waits for the submit in flight
        carrier.connections[0].send_response(held, held.make_response(message_id="abc1"))
        result = await submitting
        assert result.status == 0
        assert await receipt == CommandStatus.ESME_ROK
        [delivered] = await asyncio.to_thread(esme.wait_delivered, 1)
        assert delivered.receipted_message_id.decode() == result.message_id
        assert "stat:DELIVRD" in delivered.short_message.decode()
        await asyncio.to_thread(esme.close)


async def test_client_gets_only_the_receipts_it_asked_for(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = await _bound(smpp_port(gw))
        await asyncio.to_thread(esme.submit, "no receipt please", registered_delivery=0)
        await asyncio.to_thread(esme.submit, "failures only", registered_delivery=2)
        await asyncio.to_thread(esme.submit, "every outcome", registered_delivery=1)
        for index, carrier_id in enumerate(("3e8", "3e9", "3ea")):
            await carrier.send_receipt(carrier_id, carrier.received[index], MessageState.DELIVERED)
        [receipt] = await asyncio.to_thread(esme.wait_delivered, 1)
        assert carrier.received[2].short_message == b"every outcome"
        assert "stat:DELIVRD" in receipt.short_message.decode()
        await asyncio.sleep(0.3)
        await asyncio.to_thread(esme.client.poll)
        assert len(esme.delivered) == 1
        await asyncio.to_thread(esme.close)


async def test_ucs2_and_concatenated_messages_keep_their_parts_together(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = await _bound(smpp_port(gw), "transmitter")
        ucs2 = "Привет, ваш код 4321"
        result = await asyncio.to_thread(
            esme.submit, ucs2.encode("utf-16-be"), data_coding=smpplib.consts.SMPP_ENCODING_ISO10646
        )
        assert result.status == 0
        parts, coding, esm_class = smpplib.gsm.make_parts("Rendez-vous confirmé " * 12)
        assert len(parts) > 1

        def send_all() -> list[int]:
            sent = [
                esme.client.send_message(
                    source_addr_ton=5,
                    source_addr="ACME",
                    dest_addr_ton=1,
                    dest_addr_npi=1,
                    destination_addr="33612345678",
                    short_message=part,
                    data_coding=coding,
                    esm_class=esm_class,
                )
                for part in parts
            ]
            return [int(esme._response_to(pdu.sequence).status) for pdu in sent]

        statuses = await asyncio.to_thread(send_all)
        assert statuses == [0] * len(parts)
        forwarded = carrier.received[1:]
        assert [pdu.short_message for pdu in forwarded] == list(parts)
        assert len(set(carrier.connections)) >= 1
        await asyncio.to_thread(esme.close)


@pytest.mark.parametrize(
    ("system_id", "password", "expected"),
    [
        ("acme", "wrong", CommandStatus.ESME_RINVPASWD),
        ("nobody", PASSWORD, CommandStatus.ESME_RINVSYSID),
    ],
)
async def test_bind_failures_answer_the_exact_status(
    tmp_path: Path, system_id: str, password: str, expected: int
) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = _esme(smpp_port(gw))
        status = await asyncio.to_thread(esme.bind, "transceiver", system_id, password)
        assert status == expected
        esme.client.disconnect()
        samples = gw.metrics.registry.get_sample_value(
            "smppgw_bind_failures_total", {"status": CommandStatus(expected).name}
        )
        assert samples == 1


async def test_bind_from_a_network_or_type_not_allowed_fails(tmp_path: Path) -> None:
    config = gateway_config(
        tmp_path,
        {"c1": 1},
        account={"allowed_networks": ["10.0.0.0/8"]},
        extra_accounts=[{"system_id": "rxonly", "password_hash": PASSWORD_HASH, "bind_types": ["receiver"]}],
    )
    async with running_gateway(config, wait_carriers=False) as gw:
        esme = _esme(smpp_port(gw))
        assert (
            await asyncio.to_thread(esme.bind, "transceiver", "acme", PASSWORD)
            == CommandStatus.ESME_RBINDFAIL
        )
        esme.client.disconnect()
        other = _esme(smpp_port(gw))
        assert (
            await asyncio.to_thread(other.bind, "transmitter", "rxonly", PASSWORD)
            == CommandStatus.ESME_RBINDFAIL
        )
        other.client.disconnect()


async def test_quota_throttles(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account={"throughput": 0.001, "burst": 3})
        async with running_gateway(config) as gw:
            esme = await _bound(smpp_port(gw), "transmitter")
            statuses = [(await asyncio.to_thread(esme.submit, f"m{i}")).status for i in range(5)]
            assert statuses == [0, 0, 0, CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RTHROTTLED]
            await asyncio.to_thread(esme.close)


async def test_window_full_answers_msgqful(tmp_path: Path) -> None:
    async with running_carrier(hold=True) as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account={"window": 2})
        async with running_gateway(config) as gw:
            esme = await _bound(smpp_port(gw), "transmitter")

            def three() -> int:
                sent = [
                    esme.client.send_message(
                        source_addr="ACME",
                        source_addr_ton=5,
                        destination_addr="33612345678",
                        short_message=b"x",
                    )
                    for _ in range(3)
                ]
                return int(esme._response_to(sent[2].sequence).status)

            assert await asyncio.to_thread(three) == CommandStatus.ESME_RMSGQFUL
            esme.client.disconnect()


async def test_carrier_down_at_start_gives_a_retryable_status(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        port = carrier.port
    config = gateway_config(tmp_path, {"c1": port})
    async with running_gateway(config, wait_carriers=False) as gw:
        esme = await _bound(smpp_port(gw), "transmitter")
        result = await asyncio.to_thread(esme.submit, "nobody home")
        assert result.status == CommandStatus.ESME_RSUBMITFAIL
        await asyncio.to_thread(esme.close)


async def test_failover_to_the_next_carrier_when_the_first_refuses(tmp_path: Path) -> None:
    async with running_carrier(status=CommandStatus.ESME_RSYSERR) as bad, running_carrier() as good:
        config = gateway_config(tmp_path, {"bad": bad.port, "good": good.port})
        async with running_gateway(config) as gw:
            esme = await _bound(smpp_port(gw), "transmitter")
            result = await asyncio.to_thread(esme.submit, "try the next one")
            assert result.status == 0
            assert len(bad.received) == 1
            assert len(good.received) == 1
            failovers = gw.metrics.registry.get_sample_value("smppgw_route_failovers_total", {"route": "fr"})
            assert failovers == 1
            await asyncio.to_thread(esme.close)


async def test_receipts_wait_for_an_absent_client_and_survive_a_restart(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port})
        async with running_gateway(config) as gw:
            esme = await _bound(smpp_port(gw), "transmitter")
            result = await asyncio.to_thread(esme.submit, "deliver me later", registered_delivery=1)
            await asyncio.to_thread(esme.close)
            status = await carrier.send_receipt("3e8", carrier.received[0], MessageState.DELIVERED)
            assert status == 0  # stored durably before the carrier was answered
        async with running_gateway(config) as gw:
            receiver = await _bound(smpp_port(gw), "receiver")
            [receipt] = await asyncio.to_thread(receiver.wait_delivered, 1)
            assert f"id:{result.message_id}" in receipt.short_message.decode()
            await asyncio.to_thread(receiver.close)


async def test_receipt_after_restart_still_finds_its_client(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port})
        async with running_gateway(config) as gw:
            esme = await _bound(smpp_port(gw), "transmitter")
            result = await asyncio.to_thread(esme.submit, "slow receipt", registered_delivery=1)
            await asyncio.to_thread(esme.close)
        async with running_gateway(config) as gw:
            esme = await _bound(smpp_port(gw), "transceiver")
            await carrier.wait_bound()
            await carrier.send_receipt("3e8", carrier.received[0], MessageState.UNDELIVERABLE)
            [receipt] = await asyncio.to_thread(esme.wait_delivered, 1)
            assert f"id:{result.message_id}" in receipt.short_message.decode()
            assert "stat:UNDELIV" in receipt.short_message.decode()
            await asyncio.to_thread(esme.close)


async def test_mo_goes_to_the_account_owning_the_short_code(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = await _bound(smpp_port(gw), "receiver")
        assert await carrier.send_mo("33611111111", "36123", "INFO") == 0
        assert await carrier.send_mo("33611111111", "99999", "INFO") == CommandStatus.ESME_RX_P_APPN
        [mo] = await asyncio.to_thread(esme.wait_delivered, 1)
        assert mo.short_message == b"INFO"
        assert mo.source_addr.decode() == "33611111111"
        await asyncio.to_thread(esme.close)


async def test_query_sm_is_answered_from_the_records(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        esme = await _bound(smpp_port(gw))
        result = await asyncio.to_thread(esme.submit, "where is it", registered_delivery=1)
        answer = await asyncio.to_thread(
            esme.request, "query_sm", message_id=result.message_id, source_addr="ACME", source_addr_ton=5
        )
        assert int(answer.status) == 0
        assert int(answer.message_state) == MessageState.ENROUTE
        unknown = await asyncio.to_thread(esme.request, "query_sm", message_id="nope", source_addr="ACME")
        assert int(unknown.status) == CommandStatus.ESME_RQUERYFAIL
        await asyncio.to_thread(esme.close)


async def test_graceful_stop_answers_in_flight_submits(tmp_path: Path) -> None:
    async with running_carrier(hold=True) as carrier:
        gateway = Gateway(gateway_config(tmp_path, {"c1": carrier.port}))
        await gateway.start()
        await gateway.pools["c1"].binds[0].wait_bound(10)
        esme = await _bound(smpp_port(gateway), "transmitter")
        pdu = await asyncio.to_thread(
            esme.client.send_message,
            source_addr="ACME",
            source_addr_ton=5,
            destination_addr="33612345678",
            short_message=b"in flight",
        )
        await asyncio.wait_for(carrier.submitted.wait(), 5)
        stopping = asyncio.create_task(gateway.stop(grace=5))
        async with asyncio.timeout(5):
            while gateway.clients.accepting:
                await asyncio.sleep(0.01)
        held = carrier.received[-1]
        carrier.connections[0].send_response(held, held.make_response(message_id="late1"))
        answer = await asyncio.to_thread(esme._response_to, pdu.sequence)
        assert int(answer.status) == 0
        assert answer.message_id  # the gateway's id: the carrier accepted it before the stop finished
        await asyncio.wait_for(stopping, 10)
        esme.client.disconnect()


async def test_a_probe_goes_through_exactly_its_route_and_its_receipt_is_reported(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        heard: list[tuple[str, int]] = []
        gw.inbound.on_probe_receipt = lambda gateway_id, receipt, at: heard.append(
            (gateway_id, receipt.state)
        )
        sent = await gw.probes.send("fr", "ACME", "+33699999999", "Probe K7Q2 ça marche")
        assert sent.status == 0
        assert sent.carrier == "c1"
        [pdu] = carrier.received
        assert pdu.destination_addr == "33699999999"
        assert pdu.data_coding == 8  # "ç" has no GSM 03.38 code: the cheapest coding is UCS2
        await carrier.send_receipt(sent.carrier_message_ids[0], pdu, MessageState.DELIVERED)
        assert heard == [(sent.gateway_ids[0], MessageState.DELIVERED)]
        story = await gw.store.story(sent.gateway_ids[0])
        assert story is not None
        assert story["record"]["is_probe"] is True
        unknown = await gw.probes.send("no-such-route", "ACME", "33699999999", "x")
        assert unknown.status == CommandStatus.ESME_RSUBMITFAIL
