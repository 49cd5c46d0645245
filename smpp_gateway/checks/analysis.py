"""One message text, analysed once and shared by every content rule.

Theory of operation. Two memo layers, both pure functions of the text:
- Analysis, per text (LRU): links and the encoding scan, which depend on every character
  ("acme2024.fr" is not "acme2000.fr"). A campaign sends one text to thousands of recipients.
- Shape, per *shape* (LRU): the folded text with every digit written 0. The word-level facts
  (the words, phrase matches, "looks like an OTP", the STOP mention) read digits only as "a
  number of this length", so they are the same for "Votre code est 123456" and "... 654321":
  every OTP, order or parcel notice built from one template shares one Shape, and its words are
  cut and matched once. Phrases that name digits ("089*" premium numbers) are not shape-safe:
  phishing.py matches them on the real words, and only when their digits occur in the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .normalize import (
    BIDI_CONTROLS,
    INVISIBLE,
    ZERO_WIDTH_JOINER,
    fold_ascii,
    has_suspect_format_chars,
    is_confusable_letter,
    script_of,
)
from .phrases import words_of
from .urls import Url, extract_urls

# Letters outside Latin-1/Latin Extended, or anything astral (emoji, styled letters): only then can
# a word mix scripts, so the per-word scan is skipped for plain French and English texts.
_EXOTIC = re.compile(
    "[\u0250-\u02ff\u0370-\u1dff\u1f00-\u1fff\u2c00-\ud7ff\uff00-\uffef\U00010000-\U0010ffff]"
)
_WORDS = re.compile(r"[^\W\d_]+")
_FORMAT_CHARS = re.compile("[" + "".join(sorted(INVISIBLE | BIDI_CONTROLS)) + ZERO_WIDTH_JOINER + "]")
_OTP_WORDS = frozenset({"code", "otp", "passcode", "pin", "mdp"})
_NOT_OTP_AFTER = frozenset(
    {"promo", "promotionnel", "reduction", "avantage", "cadeau", "postal", "parrainage"}
)
# The number is at most this many words from the code word ("code : 123456", "123456 est votre code").
_OTP_REACH = 5
_STYLED = frozenset({"mathematical", "fullwidth"})
# A word this long or longer, all in look-alike Cyrillic/Greek letters, inside a Latin text.
_MIN_CONFUSABLE_WORD = 3
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_STOP_WORDS = frozenset({"stop", "stopsms"})
_STOP_REACH = 4  # "STOP au 36123", "Stop SMS au 36123", "reply STOP to 36123"


class Shape:
    """Word-level facts shared by every text of one shape (see the module docstring).

    Plain attributes, computed once per shape: in CPython 3.11 every property read is a Python
    call, and the pipeline reads these for every message. ``memo`` lets a rule keep its own
    per-shape result, keyed by its compiled model.
    """

    __slots__ = ("has_opt_out_mention", "looks_like_otp", "memo", "words", "wordset")

    def __init__(self, shape: str) -> None:
        self.words = words = words_of(shape)
        self.wordset = frozenset(words)
        # A one-time code: a code word near a 4-8 digit number (the class may say otherwise).
        self.looks_like_otp = bool(self.wordset & _OTP_WORDS) and _code_near_number(words)
        # The word STOP followed closely by a 4-6 digit short code ("STOP au 36123").
        self.has_opt_out_mention = has_opt_out_mention(words)
        self.memo: dict[object, object] = {}


@lru_cache(maxsize=8192)
def shape_of(shape: str) -> Shape:
    return Shape(shape)


class Analysis:
    """Facts about one text, computed at once (the content rules read all of them for every
    message); ``memo`` holds per-text results of rules."""

    __slots__ = ("_words", "encoding_issue", "folded", "link_hosts", "memo", "shape", "text", "urls")

    def __init__(self, text: str) -> None:
        self.text = text
        # Lower-case ASCII rendering (normalize.fold_ascii).
        self.folded = folded = fold_ascii(text)
        self.shape = shape_of(folded.encode("ascii").translate(_ZERO_DIGITS).decode("ascii"))
        self.urls: tuple[Url, ...] = extract_urls(text)
        # What the link rules read of each link (the rest of a Url, its path, is the text's own).
        self.link_hosts = tuple([(url.host, url.userinfo) for url in self.urls]) if self.urls else ()
        # Why the text's characters look like evasion, or None.
        self.encoding_issue = encoding_issue(text)
        self._words: list[str] | None = None
        self.memo: dict[object, object] = {}

    @property
    def words(self) -> list[str]:
        """The real words, digits included (for the few rules that read digits)."""
        words = self._words
        if words is None:
            words = self._words = words_of(self.folded)
        return words

    @property
    def looks_like_otp(self) -> bool:
        return self.shape.looks_like_otp


def _code_near_number(words: list[str]) -> bool:
    for i, word in enumerate(words):
        if word not in _OTP_WORDS or (i + 1 < len(words) and words[i + 1] in _NOT_OTP_AFTER):
            continue
        for near in words[max(0, i - _OTP_REACH) : i + _OTP_REACH + 1]:
            if near.isdigit() and 4 <= len(near) <= 8:
                return True
    return False


def _short_code_follows(words: list[str]) -> bool:
    run = ""
    for word in words:
        if word.isdigit():
            run += word  # "36 123" is written with a space as often as without
            if 4 <= len(run) <= 6:
                return True
        else:
            run = ""
    return False


def has_opt_out_mention(words: list[str]) -> bool:
    """The word STOP followed closely by a 4-6 digit short code ("STOP au 36123", "Stop SMS 36 123")."""
    for i, word in enumerate(words):
        if word in _STOP_WORDS:
            if _short_code_follows(words[i + 1 : i + 1 + _STOP_REACH]):
                return True
        elif word.startswith("stop") and word[4:].isdigit() and 4 <= len(word) - 4 <= 6:
            return True  # "STOP36123"
    return False


# Small on purpose: only campaigns repeat a text, and they do it in bursts; a large cache of unique
# texts (every OTP) would only keep thousands of objects alive for the garbage collector to walk.
@lru_cache(maxsize=256)
def analyse(text: str) -> Analysis:
    return Analysis(text)


def encoding_issue(text: str) -> str | None:
    if text.isascii():
        return None
    if has_suspect_format_chars(text):
        found = _format_char_issue(text)
        if found:
            return found
    if _EXOTIC.search(text) is None:
        return None
    return _script_issue(text)


def _format_char_issue(text: str) -> str | None:
    for match in _FORMAT_CHARS.finditer(text):
        ch, at = match.group(), match.start()
        if ch in BIDI_CONTROLS:
            return f"bidirectional control U+{ord(ch):04X}"
        if ch == ZERO_WIDTH_JOINER and not _joins_letters(text, at):
            continue  # emoji sequences (family, flags, skin tones) are joined with U+200D
        return f"invisible character U+{ord(ch):04X} inside the text"
    return None


def _joins_letters(text: str, at: int) -> bool:
    before = text[at - 1] if at > 0 else ""
    after = text[at + 1] if at + 1 < len(text) else ""
    return before.isalnum() or after.isalnum()


def _script_issue(text: str) -> str | None:
    words = _WORDS.findall(text)
    latin_words = 0
    suspects: list[str] = []
    for word in words:
        if word.isascii():
            latin_words += 1
            continue
        scripts = {s for s in map(script_of, word) if s is not None}
        if len(scripts) > 1:
            return f"mixed scripts in one word ({', '.join(sorted(scripts))})"
        if scripts & _STYLED:
            return "styled (mathematical or full-width) letters"
        if scripts == {"latin"}:
            latin_words += 1
        elif len(word) >= _MIN_CONFUSABLE_WORD and all(map(is_confusable_letter, word)):
            suspects.append(word)
    if suspects and latin_words > len(words) // 2:
        return f"word in look-alike {script_of(suspects[0][0])} letters inside a Latin text"
    return None
