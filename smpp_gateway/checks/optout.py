"""Opt-out: MO keywords (STOP / START) and the list the dest.opt_out rule consults.

The list is an interface: this module ships the in-memory implementation; the store persists it
and the CLI manages it through the same four methods. An entry is (number, account, sender):
``sender`` None means the whole account. ``contains`` answers for an account-wide entry or one
for that sender, so "STOP" sent to 36123 can stop just that short code when the account's policy
scopes opt-outs per sender, or everything from the account (the default).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Protocol

MoKeyword = Literal["stop", "start"]

# After folding (lower case, no accents, no spaces or punctuation): the keyword, optionally "sms",
# optionally "au"/"to", optionally the short code it was sent to. Whole message only: "stop" inside
# a sentence ("stop, j'arrive") is a conversation, not an instruction.
_STOP_WORDS = (
    "stop|stopall|stopsms|arret|arrete|arreter|arretez|unsubscribe|desabonner|desabonnement"
    "|desinscription|desinscrire|optout|end|cancel|quit"
)
_STOP = re.compile(rf"(?:{_STOP_WORDS})(?:sms)?(?:au|to|a)?\d{{0,6}}")
_START = re.compile(r"(?:start|unstop|restart|reprise|reprendre)(?:sms)?(?:au|to|a)?\d{0,6}")
_NOT_WORD = re.compile(r"[\W_]+")


def _fold_keyword(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub("", stripped)


def classify_mo_keyword(text: str) -> MoKeyword | None:
    """'stop' for an opt-out request, 'start' for an opt-in, None for anything else.

    Case-, accent-, space- and punctuation-insensitive: "Stop", "S T O P", "Arrêt", "STOP 36123",
    "stop sms", "STOP au 36123", "unsubscribe" are all 'stop'.
    """
    folded = _fold_keyword(text)
    if len(folded) > 32:  # a keyword, a short code and filler words at most
        return None
    if _STOP.fullmatch(folded):
        return "stop"
    if _START.fullmatch(folded):
        return "start"
    return None


@dataclass(frozen=True, slots=True)
class OptOutEntry:
    msisdn: str  # E.164 digits, no "+"
    account: str
    sender: str | None = None  # None: every sender of the account


class OptOutList(Protocol):
    """What the checks and the MO path need; implementations persist it as they see fit."""

    def add(self, msisdn: str, account: str, sender: str | None = None) -> None: ...

    def remove(self, msisdn: str, account: str, sender: str | None = None) -> bool: ...

    def contains(self, msisdn: str, account: str, sender: str | None = None) -> bool: ...

    def list(self, account: str | None = None) -> list[OptOutEntry]: ...


def normalize_msisdn(msisdn: str) -> str:
    value = msisdn.strip()
    if value.startswith("+"):
        return value[1:]
    if value.startswith("00"):
        return value[2:]
    return value


def normalize_sender(sender: str | None) -> str | None:
    return None if sender is None else sender.strip().casefold()


class InMemoryOptOutList:
    """A set of entries; fine for tests and one process. ``remove`` without a sender removes the
    account-wide entry and every per-sender one (a START undoes whatever STOP was recorded)."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: set[OptOutEntry] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, msisdn: str, account: str, sender: str | None = None) -> None:
        self._entries.add(OptOutEntry(normalize_msisdn(msisdn), account, normalize_sender(sender)))

    def remove(self, msisdn: str, account: str, sender: str | None = None) -> bool:
        number = normalize_msisdn(msisdn)
        if sender is not None:
            entry = OptOutEntry(number, account, normalize_sender(sender))
            found = entry in self._entries
            self._entries.discard(entry)
            return found
        doomed = {e for e in self._entries if e.msisdn == number and e.account == account}
        self._entries -= doomed
        return bool(doomed)

    def contains(self, msisdn: str, account: str, sender: str | None = None) -> bool:
        if not self._entries:
            return False
        number = normalize_msisdn(msisdn)
        if OptOutEntry(number, account, None) in self._entries:
            return True
        return sender is not None and OptOutEntry(number, account, normalize_sender(sender)) in self._entries

    def list(self, account: str | None = None) -> list[OptOutEntry]:
        entries = (e for e in self._entries if account is None or e.account == account)
        return sorted(entries, key=lambda e: (e.account, e.msisdn, e.sender or ""))


def apply_mo_keyword(
    optouts: OptOutList, *, msisdn: str, account: str, sender: str | None, text: str
) -> MoKeyword | None:
    """The MO path's helper: classify ``text`` sent by ``msisdn`` to ``sender`` and update the list.

    ``sender`` is what the opt-out is scoped to (None = the whole account, the default policy).
    """
    keyword = classify_mo_keyword(text)
    if keyword == "stop":
        optouts.add(msisdn, account, sender)
    elif keyword == "start":
        optouts.remove(msisdn, account, sender)
    return keyword
