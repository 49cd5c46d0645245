"""An ESME session wired to an SMSC session in memory (h11's ConnectionPair, aioquic's roundtrip).

Time only moves when a test moves it (``advance``); every loop is bounded.
"""

from __future__ import annotations

from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.events import BindRequested, Event
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import BindState, Role

MAX_ROUNDS = 50

BIND_CLASSES: dict[BindState, type[p.Bind]] = {
    BindState.BOUND_TX: p.BindTransmitter,
    BindState.BOUND_RX: p.BindReceiver,
    BindState.BOUND_TRX: p.BindTransceiver,
}


def drain(session: Session) -> list[Event]:
    events: list[Event] = []
    for _ in range(10_000):
        event = session.next_event()
        if event is None:
            return events
        events.append(event)
    raise AssertionError("next_event() never ran dry")


class SessionPair:
    def __init__(
        self,
        config: SessionConfig | None = None,
        now: float = 0.0,
        *,
        smsc_config: SessionConfig | None = None,
    ) -> None:
        self.config = config or SessionConfig()
        self.now = now
        self.esme = Session(Role.ESME, self.config, now)
        self.smsc = Session(Role.SMSC, smsc_config or self.config, now)
        self._eof_sent: set[Role] = set()

    def session(self, role: Role) -> Session:
        return self.esme if role is Role.ESME else self.smsc

    def peer(self, role: Role) -> Session:
        return self.smsc if role is Role.ESME else self.esme

    def pump(self, *, propagate_close: bool = True) -> int:
        """Deliver queued bytes both ways until neither side has anything to say; the rounds used.

        With ``propagate_close``, a side that wants its connection closed has its bytes delivered
        and then the peer sees end-of-stream, as a real adapter and TCP would do it.
        """
        for rounds in range(MAX_ROUNDS):
            to_smsc, to_esme = self.esme.data_to_send(), self.smsc.data_to_send()
            if to_smsc:
                self.smsc.receive_data(to_smsc, self.now)
            if to_esme:
                self.esme.receive_data(to_esme, self.now)
            if propagate_close:
                self._propagate_close()
            if not to_smsc and not to_esme:
                return rounds
        raise AssertionError(f"the sessions were still talking after {MAX_ROUNDS} rounds")

    def _propagate_close(self) -> None:
        for role in Role:
            session = self.session(role)
            if session.should_close and role not in self._eof_sent:
                self._eof_sent.add(role)
                last_words = session.data_to_send()  # flushed before the transport closes
                if last_words:
                    self.peer(role).receive_data(last_words, self.now)
                self.peer(role).receive_data(b"", self.now)

    def advance(self, seconds: float) -> None:
        """Move time forward and run both timers if due (what each adapter's one timer does)."""
        self.now += seconds
        for session in (self.esme, self.smsc):
            deadline = session.next_deadline()
            if deadline is not None and deadline <= self.now:
                session.handle_timer(self.now)

    def bind(self, state: BindState = BindState.BOUND_TRX, system_id: str = "esme1") -> None:
        """Bind the pair to ``state`` and discard the handshake's events."""
        self.esme.bind(BIND_CLASSES[state](system_id=system_id, password="secret"), self.now)
        self.pump()
        (requested,) = drain(self.smsc)
        assert isinstance(requested, BindRequested)
        self.smsc.accept_bind(requested.pdu, "smsc")
        self.pump()
        drain(self.esme)
        drain(self.smsc)
        assert self.esme.state is self.smsc.state is state
