"""A tripped AIT velocity rule is refused with its status and raises the alert metric."""

from __future__ import annotations

from pathlib import Path

from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.pdu import SubmitSm

from .carrier import running_carrier
from .gateway_harness import gateway_config, running_gateway, smpp_port
from .wire import connect_client


async def test_a_burst_to_one_number_block_is_throttled_and_alerts(tmp_path: Path) -> None:
    account = {
        "policy": {
            "registered_senders": ["ACME"],
            "rules": {"velocity.burst": {"threshold": 3, "window_seconds": 60}},
        }
    }
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account=account)
        async with running_gateway(config) as gw:
            conn, _events, _status = await connect_client(smpp_port(gw))
            statuses = []
            for n in range(6):  # six distinct recipients of one 10,000-number block
                response = await conn.request(
                    SubmitSm(
                        source_addr="ACME",
                        source_addr_ton=5,
                        dest_addr_ton=1,
                        dest_addr_npi=1,
                        destination_addr=f"3361234{n * 7:04d}",
                        short_message=f"Votre code est {4000 + n}".encode(),
                    )
                )
                statuses.append(response.command_status)
            conn.abort()
            assert statuses[:3] == [CommandStatus.ESME_ROK] * 3
            assert CommandStatus.ESME_RTHROTTLED in statuses[3:]
            alerts = gw.metrics.registry.get_sample_value(
                "smppgw_velocity_alerts_total", {"account": "acme", "rule": "velocity.burst"}
            )
            assert alerts == statuses.count(CommandStatus.ESME_RTHROTTLED)
