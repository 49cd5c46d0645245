"""What a route did to a probe's text: a classification a person can read, and a diff to show.

``compare(sent, received)`` answers with the kinds of change (stable ids, in this order):

* ``accents_lost``: accents stripped and typography flattened, the UCS2 -> GSM downgrade of cheap
  routes ("Réglé « vite »" -> "Regle \"vite\"");
* ``characters_replaced``: characters the route could not carry became "?" (emoji, other scripts);
* ``link_changed``: a link was replaced by another (a click tracker, a reseller's redirect);
* ``truncated``: the text stops early (the received text is a prefix of what was sent);
* ``appended``: text was added at the end (a reseller's signature, an ad);
* ``rewritten``: anything else (words replaced, reordered): the diff says what.

The classification peels explanations off in that order: links are set aside first (so a changed
link does not also read as truncation), then accents are folded on both sides, then the folded texts
are compared as prefix/suffix. It is a heuristic over two strings, and says "rewritten" rather than
guess when the layers do not explain the whole difference.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..smpp.text import fold_accents

ACCENTS_LOST = "accents_lost"
CHARACTERS_REPLACED = "characters_replaced"
LINK_CHANGED = "link_changed"
TRUNCATED = "truncated"
APPENDED = "appended"
REWRITTEN = "rewritten"
CHANGE_KINDS = (ACCENTS_LOST, CHARACTERS_REPLACED, LINK_CHANGED, TRUNCATED, APPENDED, REWRITTEN)

# Links with a scheme, with www., or a bare domain followed by a path (domain.md "Content").
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/\S*")
# A placeholder for a link that no text contains (a private-use character).
_LINK_MARK = "\ue000"
# Longest diff kept per probe: a diff is for a person to read, a whole rewritten text is enough.
MAX_DIFF_SEGMENTS = 40


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of the diff: ``op`` is equal, delete (only sent), insert (only received) or replace."""

    op: str
    sent: str
    received: str


@dataclass(frozen=True, slots=True)
class TextChange:
    kinds: tuple[str, ...]
    summary: str
    diff: tuple[Segment, ...]


fold = fold_accents  # ``text`` as a downgrading route leaves it: no accents, plain typography


def links(text: str) -> list[str]:
    return _LINK.findall(text)


def diff(sent: str, received: str) -> tuple[Segment, ...]:
    matcher = difflib.SequenceMatcher(None, sent, received, autojunk=False)
    segments = [Segment(op, sent[a0:a1], received[b0:b1]) for op, a0, a1, b0, b1 in matcher.get_opcodes()]
    return tuple(segments[:MAX_DIFF_SEGMENTS])


def compare(sent: str, received: str) -> TextChange | None:
    """None when the texts are equal; else the kinds of change, a one-line summary and the diff."""
    if sent == received:
        return None
    kinds: list[str] = []
    notes: list[str] = []
    sent_links, received_links = links(sent), links(received)
    a, b = _LINK.sub(_LINK_MARK, sent), _LINK.sub(_LINK_MARK, received)
    if sent_links and received_links and sent_links != received_links:
        kinds.append(LINK_CHANGED)
        notes.append(f"link {' '.join(sent_links)} -> {' '.join(received_links)}")
    elif sent_links != received_links:
        a, b = sent, received  # a link cut or dropped: leave it to truncation / rewriting below
    fa, fb = fold(a), fold(b)
    if fa != a and _same_shape(a, b, fa, fb):
        kinds.append(ACCENTS_LOST)
        notes.append("accents lost")
        a = fa
    replaced = _replaced_by_question_marks(fold(a), fold(b))
    if replaced:
        kinds.append(CHARACTERS_REPLACED)
        notes.append(f"{replaced} character(s) replaced by '?'")
        b = _restore(fold(a), fold(b))
        a = fold(a)
    _structure(a, b, kinds, notes)
    return TextChange(tuple(kinds), "; ".join(notes), diff(sent, received))


def _same_shape(a: str, b: str, fa: str, fb: str) -> bool:
    """Did folding explain part of the difference? (The received text has folded characters where
    the sent one had accents.)"""
    return _distance(fa, fb) < _distance(a, b)


def _distance(a: str, b: str) -> int:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(a1 - a0, b1 - b0) for op, a0, a1, b0, b1 in matcher.get_opcodes() if op != "equal")


def _replaced_by_question_marks(a: str, b: str) -> int:
    """How many characters of ``a`` arrived as "?" in ``b`` (compared over their common length)."""
    return sum(1 for x, y in zip(a, b, strict=False) if x != y and y == "?")


def _restore(a: str, b: str) -> str:
    """``b`` with each "?" that stands for a character of ``a`` put back, for the structural check."""
    return "".join(x if y == "?" and x != y else y for x, y in zip(a, b, strict=False)) + b[len(a) :]


def _structure(a: str, b: str, kinds: list[str], notes: list[str]) -> None:
    if a == b:
        return
    common = len(_common_prefix(a, b))
    if common == len(a):
        kinds.append(APPENDED)
        notes.append(f"appended {_show(b[common:])}")
    elif common == len(b):
        kinds.append(TRUNCATED)
        notes.append(f"truncated to {len(b)} of {len(a)} characters")
    elif common >= len(a) // 2 and difflib.SequenceMatcher(None, a[common:], b[common:]).ratio() < 0.5:
        kinds.extend((TRUNCATED, APPENDED))
        notes.append(f"truncated after {common} of {len(a)} characters, then {_show(b[common:])} appended")
    else:
        kinds.append(REWRITTEN)
        notes.append("rewritten")


def _common_prefix(a: str, b: str) -> str:
    end = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        end += 1
    return a[:end]


def _show(text: str) -> str:
    shown = text.replace(_LINK_MARK, "<link>")
    return repr(shown if len(shown) <= 40 else shown[:37] + "...")
