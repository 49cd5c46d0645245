"""What the corpus tests share: the rules that may plausibly refuse each kind of fraud, and the two
checks every corpus message gets (each message alone: fresh counters, a Wednesday at 11:00 in Paris)."""

from __future__ import annotations

from .helpers import message, rejected_by, run

SENDER = frozenset({"sender.protected", "sender.lookalike", "sender.registry", "sender.format"})
LINK = frozenset({"content.url_domain", "content.shortener", "content.phishing", "content.encoding"})
PHISH = frozenset({"content.phishing"})
ENCODING = frozenset({"content.encoding", "content.phishing", "content.url_domain"})
DEST = frozenset({"dest.high_cost", "dest.country", "dest.format"})
MENTION = frozenset({"class.opt_out_mention"})


def assert_passes(sender: str, to: str, text: str) -> None:
    result = run(message(text, sender=sender, to=to))
    assert result.accepted, result.findings


def assert_refused_by_one_of(sender: str, to: str, text: str, rules: frozenset[str]) -> None:
    result = run(message(text, sender=sender, to=to))
    rule = rejected_by(result)
    assert rule is not None, "accepted"
    assert rule in rules, result.final
