"""Which probe a handset report is about. Pure: the caller passes the candidates and the time.

1. **By code**: the first code-shaped token of the received text that names a known probe (codes.py).
   A code names one probe whatever the number or the time, so this wins when it works.
2. **By number and time, with a similarity score**: when the code was mangled (a route rewrote the
   text, dropped characters), the probes sent to the same number within ``window`` seconds before the
   report are scored with difflib's ratio between sent and received text; the best one at or above
   ``min_similarity`` is taken, preferring a probe that has no report yet on a tie.
3. Otherwise the report is **unmatched**: kept and shown, never dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .codes import find_codes


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A probe a report could be about."""

    probe_id: str
    code: str
    msisdn: str
    text: str
    submitted_at: float
    reports: int = 0


@dataclass(frozen=True, slots=True)
class Match:
    probe_id: str
    method: str  # "code" or "similarity"
    score: float


def normalize_msisdn(value: str) -> str:
    """E.164 digits: "+33 6 12-34" and "0033612..." are the same handset as "33612..."."""
    digits = "".join(char for char in value if char.isdigit())
    return digits[2:] if value.strip().startswith("00") else digits


def similarity(sent: str, received: str) -> float:
    return difflib.SequenceMatcher(None, sent, received, autojunk=False).ratio()


def match_report(
    msisdn: str,
    text: str,
    received_at: float,
    by_code: Mapping[str, Candidate],
    near: Sequence[Candidate],
    *,
    window: float,
    min_similarity: float,
) -> Match | None:
    """``by_code``: known probes by code; ``near``: probes that may be about this number and time
    (the caller's pre-selection; filtered again here)."""
    for code in find_codes(text):
        found = by_code.get(code)
        if found is not None:
            return Match(found.probe_id, "code", 1.0)
    number = normalize_msisdn(msisdn)
    best: tuple[float, int, Candidate] | None = None
    for candidate in near:
        if normalize_msisdn(candidate.msisdn) != number:
            continue
        if not candidate.submitted_at - 1.0 <= received_at <= candidate.submitted_at + window:
            continue  # one second of slack: the handset's clock and ours are not the same clock
        score = similarity(candidate.text, text)
        key = (score, -candidate.reports, candidate)
        if score >= min_similarity and (best is None or key[:2] > best[:2]):
            best = key
    return None if best is None else Match(best[2].probe_id, "similarity", round(best[0], 3))
