"""What log lines may show of subscribers' data: phone numbers, message texts, whole records.

Log lines travel further than the store: to terminals, log shippers, tickets. A phone number with the
text sent to it is personal data, and an OTP in a log line is a credential. So with ``logging.redact``
on (the default) a number shows only its last 3 digits (enough to tell two apart in one incident), a
text only its length, and a record or PDU only its type and the gateway's message id. Passwords are
never logged either way: the bind PDUs and credential configs leave them out of their ``repr``.

The switch is process-wide, like the logging configuration itself: ``runtime`` sets it from the config
at start and on reload. Every function here is cheap enough to call only when a line is actually logged.
"""

from __future__ import annotations

from typing import Any

__all__ = ["configure", "enabled", "number", "text", "value"]

_state = {"enabled": True}

# Digits a redacted number keeps: the last three, as on a card receipt.
KEEP_DIGITS = 3


def configure(enabled: bool) -> None:
    _state["enabled"] = enabled


def enabled() -> bool:
    return _state["enabled"]


def number(address: str) -> str:
    """A phone number (or any address) for a log line."""
    if not _state["enabled"]:
        return address
    if len(address) <= KEEP_DIGITS:
        return "…"
    return "…" + address[-KEEP_DIGITS:]


def text(data: bytes | str) -> str:
    """A message text for a log line."""
    if not _state["enabled"]:
        return repr(data)
    unit = "octets" if isinstance(data, bytes | bytearray) else "characters"
    return f"<{len(data)} {unit}>"


def value(obj: Any) -> str:
    """A record, PDU or event for a log line: its type (and gateway id) when redacting, else its repr."""
    if not _state["enabled"]:
        return repr(obj)
    gateway_id = getattr(obj, "gateway_id", None)
    name = type(obj).__name__
    return f"{name}(gateway_id={gateway_id!r})" if gateway_id else name
