"""One message text, analysed once and shared by every content rule.

Folding, link extraction and the encoding scan are each computed on first use and memoised on
the Analysis; analyses themselves are memoised by text in a small LRU, because a campaign sends
one text to thousands of recipients. Everything here is a pure function of the text.
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
_OTP_REACH = (
    5  # the number is at most this many words from the code word ("code : 123456", "123456 est votre code")
)
_STYLED = frozenset({"mathematical", "fullwidth"})
# A word this long or longer, all in look-alike Cyrillic/Greek letters, inside a Latin text.
_MIN_CONFUSABLE_WORD = 3


class Analysis:
    """Lazily computed facts about one text. ``memo`` lets a rule keep its own per-text result
    (keyed by its compiled model), so a campaign's repeated text is scored once."""

    __slots__ = ("_encoding", "_folded", "_otp", "_urls", "_words", "_wordset", "memo", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: str | None = None
        self._urls: tuple[Url, ...] | None = None
        self._encoding: tuple[str | None] | None = None
        self._otp: bool | None = None
        self._words: list[str] | None = None
        self._wordset: frozenset[str] | None = None
        self.memo: dict[object, object] = {}

    @property
    def folded(self) -> str:
        folded = self._folded
        if folded is None:
            folded = self._folded = fold_ascii(self.text)
        return folded

    @property
    def words(self) -> list[str]:
        words = self._words
        if words is None:
            words = self._words = words_of(self.folded)
        return words

    @property
    def wordset(self) -> frozenset[str]:
        wordset = self._wordset
        if wordset is None:
            wordset = self._wordset = frozenset(self.words)
        return wordset

    @property
    def urls(self) -> tuple[Url, ...]:
        urls = self._urls
        if urls is None:
            urls = self._urls = extract_urls(self.text)
        return urls

    @property
    def encoding_issue(self) -> str | None:
        """Why the text's characters look like evasion, or None."""
        memo = self._encoding
        if memo is None:
            memo = self._encoding = (encoding_issue(self.text),)
        return memo[0]

    @property
    def looks_like_otp(self) -> bool:
        """A one-time code: a code word and a 4-8 digit number (class may say otherwise)."""
        otp = self._otp
        if otp is None:
            otp = self._otp = bool(self.wordset & _OTP_WORDS) and _code_near_number(self.words)
        return otp


def _code_near_number(words: list[str]) -> bool:
    for i, word in enumerate(words):
        if word not in _OTP_WORDS or (i + 1 < len(words) and words[i + 1] in _NOT_OTP_AFTER):
            continue
        for near in words[max(0, i - _OTP_REACH) : i + _OTP_REACH + 1]:
            if near.isdigit() and 4 <= len(near) <= 8:
                return True
    return False


@lru_cache(maxsize=4096)
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
