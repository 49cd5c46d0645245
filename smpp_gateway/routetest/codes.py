"""Probe codes: the short tag at the start of a probe's text that ties a handset report to its probe.

A code is five characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B): a human
reading a handset screen can type it back, and a route that changes case or drops the brackets still
leaves something we can find. It goes at the *start* of the text (``[K7Q2M] Votre code...``): routes
truncate at the end and append at the end, so the start is what survives. Every character is in the
GSM 03.38 basic table except the brackets, which are in the extension table; a route that drops
extension characters loses only the brackets, and ``find_codes`` does not need them.

Pure functions: the caller passes the random source, nothing here reads a clock.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

ALPHABET = "ACDEFGHJKMNPQRTUVWXY2345679"
CODE_LENGTH = 5

_TOKEN = re.compile(rf"(?<![A-Za-z0-9])[{ALPHABET}{ALPHABET.lower()}]{{{CODE_LENGTH}}}(?![A-Za-z0-9])")


def new_code(rng: random.Random) -> str:
    """A fresh code; at least one digit and one letter, so it never reads as a word or a number."""
    while True:
        code = "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if any(char.isdigit() for char in code) and any(char.isalpha() for char in code):
            return code


def tag(code: str, text: str) -> str:
    """The probe text as sent: the code first, then the plan's text."""
    return f"[{code}] {text}"


def find_codes(text: str) -> Iterator[str]:
    """Every token of ``text`` shaped like a code (upper-cased), bracketed ones first.

    The caller keeps the first that names a known probe: a word of the message that happens to have
    the shape ("KM2") costs nothing, since it names no probe.
    """
    tokens = [match.group(0).upper() for match in _TOKEN.finditer(text)]
    tokens = [
        token for token in tokens if any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
    ]
    bracketed = [token for token in tokens if f"[{token}]" in text.upper()]
    seen: set[str] = set()
    for token in (*bracketed, *tokens):
        if token not in seen:
            seen.add(token)
            yield token
