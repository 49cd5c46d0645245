"""``smpp-gateway routes explain``: the routes a message would be offered to, in order, and why.

The message is built as the submit path builds it, without sending anything: the destination
normalised to E.164 with the account's default country (phonenumbers, cached), the sender's TON/NPI
from its form, the class from ``--class`` or else the account's policy (forced class, short-code
prefix, default). The route table is compiled from the same configuration the gateway loads, so its
matching, order, carriers and sender rewrites are the gateway's. Its circuits are a fresh table's
(closed): a CLI process cannot see the running gateway's health, which is at /api/v1/status and in
the ``smppgw_route_circuit_state`` gauge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..checks.numbers import NumberInfo, PhoneCache
from ..checks.schedule import resolve_class
from ..config import GatewayConfig
from ..message import Address, Message, MessageClass, SenderType, sender_type
from ..routing import ExplainLine, RouteTable, RouteTableError, address_for, explain, render_text, to_dicts
from ..smpp.constants import Npi, Ton
from .common import ReportError


@dataclass(frozen=True, slots=True)
class Explanation:
    message: Message
    destination: NumberInfo
    class_from: str  # "--class" or "account policy"
    lines: list[ExplainLine]

    @property
    def tried(self) -> list[str]:
        ordered = sorted((line for line in self.lines if line.position is not None), key=_position)
        return [line.route for line in ordered]


def _position(line: ExplainLine) -> int:
    return line.position or 0


def explain_message(
    config: GatewayConfig, *, account: str, to: str, sender: str, message_class: MessageClass | None
) -> Explanation:
    account_config = config.account(account)
    if account_config is None:
        known = ", ".join(a.system_id for a in config.accounts) or "none"
        raise ReportError(f"--account: no account {account!r} in the config (accounts: {known})")
    if not sender.strip():
        raise ReportError("--from: the sender must not be empty")
    if not any(char.isdigit() for char in to):
        raise ReportError(f"--to: {to!r} is not a phone number")
    policy = account_config.policy
    phones = PhoneCache()
    destination = phones.lookup(to, policy.default_country)

    def country_of(digits: str) -> str | None:
        return phones.lookup("+" + digits, policy.default_country).region

    message = Message(
        account=account,
        source=_sender_address(sender.strip(), phones, policy.default_country),
        destination=Address(destination.e164, Ton.INTERNATIONAL, Npi.ISDN),
        text="",
    )
    message.message_class = message_class or resolve_class(message, policy)
    try:
        table = RouteTable.from_config(config.routes, config.carriers, country_of=country_of)
    except RouteTableError as error:
        raise ReportError(f"routes cannot form a table:\n{error}") from None
    lines = explain(table, message, policy.group, now=0.0)
    return Explanation(message, destination, "--class" if message_class else "account policy", lines)


def _sender_address(sender: str, phones: PhoneCache, region: str) -> Address:
    """The sender with its form's TON/NPI; a national long number in E.164, as sender.ton_npi
    corrects it before routing."""
    address = address_for(sender)
    if sender_type(address) is SenderType.LONG_NUMBER and address.addr.startswith("0"):
        info = phones.lookup(address.addr, region)
        if info.valid:
            return Address(info.e164, address.ton, address.npi)
    return address


def _message_dict(found: Explanation) -> dict[str, object]:
    message, number = found.message, found.destination
    return {
        "account": message.account,
        "source": {
            "address": message.source.addr,
            "ton": int(message.source.ton),
            "npi": int(message.source.npi),
            "type": message.sender_type.value,
        },
        "destination": {
            "address": message.destination.addr,
            "valid": number.valid,
            "country": number.region,
            "type": number.number_type,
        },
        "class": message.message_class.value if message.message_class else None,
        "class_from": found.class_from,
    }


def render_json(found: Explanation) -> str:
    document = {"message": _message_dict(found), "tried": found.tried, "routes": to_dicts(found.lines)}
    return json.dumps(document, indent=2)


def render_explanation(found: Explanation) -> str:
    message, number = found.message, found.destination
    source = message.source
    validity = "" if number.valid else ", not a valid number"
    message_class = message.message_class.value if message.message_class else "-"
    head = [
        f"message: account {message.account}, from {source.addr} ({message.sender_type.value}, TON "
        f"{int(source.ton)} NPI {int(source.npi)}), to {message.destination.addr} "
        f"({number.region or 'unknown country'}, {number.number_type}{validity}), "
        f"class {message_class} ({found.class_from})",
        "circuits: as the configuration starts them; the running gateway's are in /api/v1/status",
        "",
        render_text(found.lines),
    ]
    if not found.tried:
        head.append("no route would be tried: the gateway answers ESME_RSUBMITFAIL (0x45)")
    return "\n".join(head)
