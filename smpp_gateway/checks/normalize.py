"""Text folding shared by the content, phishing and lookalike rules.

Two foldings, both pure and idempotent:
- ``fold_text`` for matching words in a message: confusable letters mapped to Latin, accents
  dropped, lower case, invisible characters and non-Latin scripts removed, whitespace collapsed.
  "URGENT: Réglez vos frais" and "urgent : reglez vos frais" fold to the same string, and so does
  the same text written with Cyrillic "е" and "о".
- ``fold_sender`` for comparing a sender or a domain label with brand names: ``fold_text``, then
  digits and look-alike letters collapsed (0->o, 1->i, l->i, rn->m, vv->w, ...) and separators
  dropped, so that "PAYPA1", "PAYPAI", "Pay-Pal" and Cyrillic "раураl" all become "paypai".

Confusable tables (Unicode's confusables.txt) only map across scripts; the common spoof is
same-script (AMAZ0N, IMP0TS), hence the second folding (domain.md, Sender IDs).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Cyrillic and Greek letters (lower case: folding runs after casefold) that render like Latin ones,
# upper-case shapes included (Cyrillic "в" is "В" folded, which looks like "B").
_CONFUSABLES: Final[dict[str, str]] = {
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "н": "h", "і": "i",
    "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "п": "n", "о": "o", "р": "p", "ԛ": "q",
    "г": "r", "ѕ": "s", "т": "t", "ц": "u", "у": "y", "ў": "y", "ѵ": "v", "ԝ": "w", "х": "x",
    "з": "3", "ь": "b",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k",
    "μ": "m", "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "χ": "x",
    "ω": "w",
}  # fmt: skip

# Zero-width and format characters that render as nothing; U+200D (zero-width joiner) and the
# variation selectors are handled apart because emoji sequences use them legitimately.
INVISIBLE: Final = frozenset("\u200b\u200c\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad\u034f\u115f\u1160")
ZERO_WIDTH_JOINER: Final = "\u200d"
# Explicit direction marks, embeddings, overrides and isolates: they reorder what the reader sees
# ("moc.lapyap" displayed as "paypal.com"): no A2P message needs them.
BIDI_CONTROLS: Final = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_SUSPECT = re.compile("[" + "".join(sorted(INVISIBLE | BIDI_CONTROLS)) + ZERO_WIDTH_JOINER + "]")
_FOLD_TABLE: Final = str.maketrans(
    {**_CONFUSABLES, **dict.fromkeys(INVISIBLE | BIDI_CONTROLS), "‘": "'", "ʼ": "'"}
)

_SENDER_TABLE: Final = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "l": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "6": "g",
        "7": "t",
        "8": "b",
        "|": "i",
        "!": "i",
    }
)
_SEPARATORS = re.compile(r"[\s.\-_&'’]+")


# Combining marks of the Latin, Greek and Cyrillic blocks (accents). Other scripts' marks stay:
# they do not sit on letters the patterns look for.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Greek, Cyrillic, full-width and astral letters: only texts that have them need the (slow,
# dict-driven) confusables translation.
_CONFUSABLE_RANGE = re.compile("[\u0370-\u052f\u1f00-\u1fff\uff00-\uffef\U0001d400-\U0001d7ff]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold_ascii(text: str) -> str:
    """Lower-case ASCII rendering of a text for word matching (punctuation kept, spaces not collapsed).

    Accents are dropped (NFKD, which also turns full-width and styled letters into plain ones),
    confusable Greek/Cyrillic letters become their Latin look-alikes, invisible characters vanish,
    and whatever has no ASCII form (emoji, other scripts) is dropped. The typographic apostrophe
    becomes "'" first, so that "l’amende" stays two words. The dict-driven confusables translation
    is slow (~100 instructions a character): it runs only when such letters are present.
    """
    if text.isascii():
        return text.lower()
    if "’" in text:
        text = text.replace("’", "'")
    if len(text.encode("latin-1", "ignore")) != len(text) and _CONFUSABLE_RANGE.search(text):
        text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD_TABLE)
    # lower() last: compatibility forms may decompose to capitals ("℉" -> "°F").
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def fold_text(text: str) -> str:
    """``fold_ascii`` with whitespace collapsed: the canonical folded form of a text."""
    return " ".join(fold_ascii(text).split())


def fold_sender(value: str) -> str:
    """The lookalike key of a sender, brand or domain label (see the module docstring)."""
    folded = _SEPARATORS.sub("", fold_text(value).translate(_SENDER_TABLE))
    return folded.replace("rn", "m").replace("vv", "w")


def plain_key(value: str) -> str:
    """Case- and separator-insensitive form, without look-alike folding ("La Poste" -> "laposte")."""
    return _SEPARATORS.sub("", _strip_accents(value.casefold()))


# --- scripts ----------------------------------------------------------------------------------

_LATIN_END = 0x0250  # Basic Latin .. Latin Extended-B; IPA and beyond are looked up by name


def script_of(ch: str) -> str | None:
    """A coarse script name for a letter, None for anything that is not a letter."""
    code = ord(ch)
    if code < 0x80:
        return "latin" if ch.isalpha() else None
    if not ch.isalpha():
        return None
    if code < _LATIN_END or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    if 0x0370 <= code <= 0x03FF or 0x1F00 <= code <= 0x1FFF:
        return "greek"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0xFF21 <= code <= 0xFF5A:
        return "fullwidth"
    name = unicodedata.name(ch, "")
    if name.startswith("MATHEMATICAL"):
        return "mathematical"  # styled letters (𝐏𝐚𝐲) are another way to dodge keyword filters
    return name.split(" ", 1)[0].lower() or None


def is_confusable_letter(ch: str) -> bool:
    return ch.lower() in _CONFUSABLES


def has_suspect_format_chars(text: str) -> bool:
    return _SUSPECT.search(text) is not None
