"""Session benchmark: ``python -m tests.bench.bench_session [--json] [--quick]``.

Messages per second through one ``Session``, codec and framing included, for the two hot paths:
* SMSC side (the gateway's server): submit_sm frames arrive in reads of ``BATCH`` PDUs, each is
  surfaced as ``RequestReceived`` and answered with ``send_response``; one ``data_to_send()`` per read;
* ESME side (a carrier bind): ``BATCH`` submit_sm sent, one write, their submit_sm_resp read back
  and surfaced as ``ResponseReceived``;
and, for reference, the codec alone on the same PDUs (decode submit_sm + encode submit_sm_resp), so
that the session's own share is visible. Best of several repeats, as ``timeit`` recommends. Not a
test: the target (20,000+ messages/s per process for the whole gateway) is read off the numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import timeit

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import Ton
from smpp_gateway.smpp.events import BindRequested, RequestReceived, ResponseReceived
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import BindState, Role

BATCH = 100  # PDUs per read/write: what a busy TCP connection delivers in one data_received
CONFIG = SessionConfig(max_inbound_window=BATCH, max_outbound_window=BATCH)
SUBMIT_SM = p.SubmitSm(
    source_addr_ton=Ton.ALPHANUMERIC,
    source_addr="MyBrand",
    dest_addr_ton=Ton.INTERNATIONAL,
    dest_addr_npi=1,
    destination_addr="447700900123",
    registered_delivery=1,
    short_message=b"Your verification code is 482913. It expires in 10 minutes." * 2,
)


def _bound(role: Role) -> Session:
    """A session of ``role`` bound TRX, built by a real handshake with its peer."""
    esme, smsc = Session(Role.ESME, CONFIG, 0.0), Session(Role.SMSC, CONFIG, 0.0)
    esme.bind(p.BindTransceiver(system_id="bench", password="pw"), 0.0)
    smsc.receive_data(esme.data_to_send(), 0.0)
    request = smsc.next_event()
    assert isinstance(request, BindRequested)
    smsc.accept_bind(request.pdu, "smsc")
    esme.receive_data(smsc.data_to_send(), 0.0)
    for session in (esme, smsc):
        while session.next_event() is not None:
            pass
        assert session.state is BindState.BOUND_TRX
    return esme if role is Role.ESME else smsc


def smsc_messages_per_second(rounds: int, repeat: int = 5) -> float:
    session = _bound(Role.SMSC)
    chunk = b"".join(codec.encode(SUBMIT_SM.with_sequence(n)) for n in range(1, BATCH + 1))

    def run() -> None:
        now = 1.0
        for _ in range(rounds):
            session.receive_data(chunk, now)
            while (event := session.next_event()) is not None:
                assert type(event) is RequestReceived
                session.send_response(event.pdu, event.pdu.make_response(message_id="0123456789abcdef"))
            session.data_to_send()

    return rounds * BATCH / min(timeit.repeat(run, number=1, repeat=repeat))


def esme_messages_per_second(rounds: int, repeat: int = 5) -> float:
    session = _bound(Role.ESME)

    def run() -> None:
        now = 1.0
        for _ in range(rounds):
            first = session.send_request(SUBMIT_SM, now)
            for _ in range(BATCH - 1):
                session.send_request(SUBMIT_SM, now)
            session.data_to_send()
            answers = b"".join(
                codec.encode(p.SubmitSmResp(sequence_number=first + n, message_id="abc"))
                for n in range(BATCH)
            )
            session.receive_data(answers, now)
            while (event := session.next_event()) is not None:
                assert type(event) is ResponseReceived

    # The answers are encoded inside the timed loop, so subtract what that costs on its own.
    encode_us = _codec_only_us(rounds, decode=False)
    total = min(timeit.repeat(run, number=1, repeat=repeat))
    return rounds * BATCH / (total - encode_us * rounds * BATCH / 1e6)


def _codec_only_us(rounds: int, *, decode: bool = True) -> float:
    """Microseconds per message for the codec work of one message, without any session."""
    wire = codec.encode(SUBMIT_SM)
    answer = p.SubmitSmResp(sequence_number=1, message_id="0123456789abcdef")

    def run() -> None:
        for _ in range(rounds * BATCH):
            if decode:
                codec.decode(wire)
            codec.encode(answer)

    return min(timeit.repeat(run, number=1, repeat=5)) / (rounds * BATCH) * 1e6


def run(quick: bool = False) -> dict[str, object]:
    rounds = 20 if quick else 200
    smsc = smsc_messages_per_second(rounds)
    esme = esme_messages_per_second(rounds)
    codec_us = _codec_only_us(rounds)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "batch": BATCH,
        "smsc_submit_sm_per_s": round(smsc),
        "smsc_us_per_message": round(1e6 / smsc, 2),
        "codec_only_us_per_message": round(codec_us, 2),
        "session_overhead_us_per_message": round(1e6 / smsc - codec_us, 2),
        "esme_submit_sm_per_s": round(esme),
    }


def _table(results: dict[str, object]) -> str:
    rows = [
        ("SMSC: receive submit_sm + answer", f"{results['smsc_submit_sm_per_s']:,} msgs/s"),
        ("SMSC: per message", f"{results['smsc_us_per_message']} us"),
        ("codec alone (decode submit_sm + encode resp)", f"{results['codec_only_us_per_message']} us"),
        ("session's own share", f"{results['session_overhead_us_per_message']} us"),
        ("ESME: send submit_sm + read resp", f"{results['esme_submit_sm_per_s']:,} msgs/s"),
    ]
    return "\n".join(["| measurement | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as one line of JSON")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = parser.parse_args()
    results = run(quick=args.quick)
    print(json.dumps(results) if args.json else _table(results))


if __name__ == "__main__":
    main()
