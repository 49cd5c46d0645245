"""Text codings of short_message: GSM 03.38, IA5, Latin-1, UCS2; cheapest coding; segment counting.

Theory of operation (facts: smpp-reference sections 5.7, 8):

* SMPP carries GSM 03.38 **unpacked**: one septet per octet, ``0x1B`` (ESC) + code for the
  extension table. ``gsm_encode``/``gsm_decode`` work on that form; ``pack_septets`` and
  ``unpack_septets`` exist only for carriers configured to send packed septets.
* ``data_coding`` selects an ``Alphabet``. 0 is "SMSC default", which is GSM unless a carrier link
  says otherwise (``default_alphabet``). GSM DCS groups (0x10-0xFF) map to their alphabet per 23.038;
  reserved codings are read as GSM, as 23.038 tells a receiver to.
* Decoding never raises: unknown octets become U+FFFD, binary and unsupported codings become the
  hex of the octets (the same convention as ``Message.text``).
* Encoding is strict and raises ``TextEncodingError`` (a ``LocalProtocolError``) for text the coding
  cannot represent; ``can_encode`` answers the question without an exception. Characters are never
  silently replaced: route testing compares texts, and a silent "ç"->"Ç" would look like a grey route.
* Capacities count encoded octets of the SMPP form: GSM septets, 8-bit octets, UCS2 UTF-16 code
  units (a character outside the BMP costs two). Segments are never cut inside an ESC pair or a
  surrogate pair (23.040 9.2.3.24.1; UTF-16 itself).
"""

from __future__ import annotations

import codecs
import unicodedata
from enum import StrEnum
from typing import Literal

from .constants import CommandStatus, DataCoding
from .errors import LocalProtocolError

DefaultAlphabet = Literal["gsm", "latin1", "ascii"]


class TextEncodingError(LocalProtocolError):
    """The text cannot be represented in the requested data_coding.

    SMPP 3.4 has no status for this (5.0 adds ESME_RINVDCS 0x104); ESME_RINVMSGLEN, "bad
    short_message", is the nearest, and it is permanent, so a client will not retry it.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(CommandStatus.ESME_RINVMSGLEN, detail)


class Alphabet(StrEnum):
    GSM = "gsm"
    ASCII = "ascii"
    LATIN1 = "latin1"
    UCS2 = "ucs2"
    CYRILLIC = "iso8859_5"
    HEBREW = "iso8859_8"
    ISO2022JP = "iso2022_jp"  # decoded only: a stateful coding cannot be cut into parts safely
    KSC5601 = "euc_kr"  # decoded only
    BINARY = "binary"  # octets; also every coding we cannot decode (JIS X 0208, pictogram, compressed)


# --- GSM 03.38 tables -----------------------------------------------------------------------------

ESC = 0x1B
# 128 positions; position 0x1B is ESC, never produced by the encoder from a character.
GSM_BASE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM_EXTENSION: dict[int, str] = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

_GSM_ENCODE: dict[int, str] = {ord(ch): chr(code) for code, ch in enumerate(GSM_BASE) if code != ESC}
_GSM_ENCODE.update({ord(ch): chr(ESC) + chr(code) for code, ch in GSM_EXTENSION.items()})
GSM_CHARACTERS = frozenset(chr(point) for point in _GSM_ENCODE)
GSM_EXTENSION_CHARACTERS = frozenset(GSM_EXTENSION.values())
# charmap table for octets 0x00-0xFF: octets above 0x7F are not septets; "\ufffe" marks them
# undefined so that the "replace" handler turns them into U+FFFD.
_GSM_DECODE_TABLE = GSM_BASE[:ESC] + " " + GSM_BASE[ESC + 1 :] + "\ufffe" * 128


def can_encode_gsm(text: str) -> bool:
    """True when every character is in the GSM base or extension table."""
    return GSM_CHARACTERS.issuperset(text)


def gsm_encode(text: str) -> bytes:
    """Unpacked GSM septets (one per octet, ESC + code for extension characters).

    Raises ``TextEncodingError`` for a character outside both tables.
    """
    if not can_encode_gsm(text):
        bad = next(ch for ch in text if ch not in GSM_CHARACTERS)
        raise TextEncodingError(f"character {bad!r} (U+{ord(bad):04X}) is not in the GSM 03.38 alphabet")
    return text.translate(_GSM_ENCODE).encode("latin-1")


def _gsm_base(data: bytes) -> str:
    return codecs.charmap_decode(data, "replace", _GSM_DECODE_TABLE)[0]


def _gsm_escaped(code: int) -> str:
    # 23.038: a code missing from the extension table shows as its base-table character; ESC ESC is
    # reserved for a further table and shows as a space, as does an ESC with nothing after it.
    if code in GSM_EXTENSION:
        return GSM_EXTENSION[code]
    if code == ESC:
        return " "
    return GSM_BASE[code] if code < 0x80 else "\ufffd"


def gsm_decode(data: bytes) -> str:
    """Text of unpacked septets. Never raises: octets above 0x7F become U+FFFD.

    Unknown escapes fall back per 23.038 (see ``_gsm_escaped``); a trailing lone ESC is a space.
    """
    data = bytes(data)
    esc = data.find(ESC)
    if esc < 0:
        return _gsm_base(data)
    out: list[str] = []
    pos = 0
    while esc >= 0:
        out.append(_gsm_base(data[pos:esc]))
        if esc + 1 == len(data):
            out.append(" ")
            pos = len(data)
            break
        out.append(_gsm_escaped(data[esc + 1]))
        pos = esc + 2
        esc = data.find(ESC, pos)
    out.append(_gsm_base(data[pos:]))
    return "".join(out)


def pack_septets(septets: bytes) -> bytes:
    """Pack unpacked septets (0x00-0x7F each) into 7-bit GSM form, least significant bit first.

    For carriers configured to send packed GSM; SMPP normally carries unpacked septets.
    """
    out = bytearray()
    acc = bits = 0
    for septet in septets:
        acc |= (septet & 0x7F) << bits
        bits += 7
        while bits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            bits -= 8
    if bits:
        out.append(acc)
    return bytes(out)


def unpack_septets(data: bytes, count: int | None = None) -> bytes:
    """Unpack 7-bit packed GSM into one septet per octet.

    ``count`` is the number of septets (the TP-UDL); without it, every whole septet in ``data`` is
    returned, so 7 octets give 8 septets whose last may be padding (23.038 pads with CR).
    """
    total = len(data) * 8 // 7 if count is None else min(count, len(data) * 8 // 7)
    out = bytearray()
    acc = bits = 0
    octets = iter(data)
    while len(out) < total:
        if bits < 7:
            acc |= next(octets) << bits
            bits += 8
        out.append(acc & 0x7F)
        acc >>= 7
        bits -= 7
    return bytes(out)


# --- data_coding -> alphabet ----------------------------------------------------------------------

_SMPP_ALPHABETS: dict[int, Alphabet] = {
    DataCoding.IA5: Alphabet.ASCII,
    DataCoding.BINARY_TDMA: Alphabet.BINARY,
    DataCoding.LATIN_1: Alphabet.LATIN1,
    DataCoding.BINARY: Alphabet.BINARY,
    DataCoding.JIS: Alphabet.BINARY,  # JIS X 0208 without a stdlib codec: kept as octets
    DataCoding.CYRILLIC: Alphabet.CYRILLIC,
    DataCoding.LATIN_HEBREW: Alphabet.HEBREW,
    DataCoding.UCS2: Alphabet.UCS2,
    DataCoding.PICTOGRAM: Alphabet.BINARY,
    DataCoding.ISO_2022_JP: Alphabet.ISO2022JP,
    DataCoding.EXTENDED_KANJI: Alphabet.BINARY,
    DataCoding.KS_C_5601: Alphabet.KSC5601,
}
_DEFAULT_ALPHABETS: dict[str, Alphabet] = {
    "gsm": Alphabet.GSM,
    "latin1": Alphabet.LATIN1,
    "ascii": Alphabet.ASCII,
}
# 23.038 general data coding groups, bits 3-2; the reserved value 3 is read as GSM.
_GROUP_ALPHABETS = (Alphabet.GSM, Alphabet.BINARY, Alphabet.UCS2, Alphabet.GSM)


def alphabet(data_coding: int, default_alphabet: DefaultAlphabet = "gsm") -> Alphabet:
    """The alphabet of a data_coding value (SMPP table for 0x00-0x0F, GSM DCS groups above)."""
    if data_coding == DataCoding.DEFAULT:
        return _DEFAULT_ALPHABETS.get(default_alphabet, Alphabet.GSM)
    if 0 < data_coding <= 0x0F:
        # 0x0B and 0x0C are reserved in SMPP: 23.038 says to assume the GSM alphabet.
        return _SMPP_ALPHABETS.get(data_coding, Alphabet.GSM)
    if 0x10 <= data_coding <= 0x7F:  # general (0x00-0x3F) and automatic-deletion (0x40-0x7F) groups
        if data_coding & 0x20:
            return Alphabet.BINARY  # compressed text: no decompressor exists in the wild
        return _GROUP_ALPHABETS[(data_coding >> 2) & 0x03]
    if 0xE0 <= data_coding <= 0xEF:  # message waiting indication, store message, UCS2
        return Alphabet.UCS2
    if 0xF0 <= data_coding <= 0xFF:  # data coding / message class: bit 2 = 8-bit data
        return Alphabet.BINARY if data_coding & 0x04 else Alphabet.GSM
    if 0x80 <= data_coding <= 0xDF:  # reserved groups and MWI GSM groups
        return Alphabet.GSM
    return Alphabet.BINARY  # not an octet: nothing sensible to assume


# --- decode / encode ------------------------------------------------------------------------------


def decode_text(data: bytes, data_coding: int, default_alphabet: DefaultAlphabet = "gsm") -> str:
    """The text of ``data`` in ``data_coding``. Never raises.

    Invalid octets become U+FFFD (IA5 above 0x7F, a UCS2 lone surrogate or odd trailing octet).
    Binary and undecodable codings give ``data.hex()``.
    """
    data = bytes(data)
    kind = alphabet(data_coding, default_alphabet)
    if kind is Alphabet.GSM:
        return gsm_decode(data)
    if kind is Alphabet.UCS2:
        return data.decode("utf-16-be", "replace")
    if kind is Alphabet.BINARY:
        return data.hex()
    return data.decode(kind.value, "replace")


_ENCODABLE = frozenset(
    {Alphabet.GSM, Alphabet.ASCII, Alphabet.LATIN1, Alphabet.UCS2, Alphabet.CYRILLIC, Alphabet.HEBREW}
)


def encode_text(text: str, data_coding: int, default_alphabet: DefaultAlphabet = "gsm") -> bytes:
    """``text`` encoded for ``data_coding``; raises ``TextEncodingError`` when it cannot be.

    UCS2 is written as UTF-16BE, characters outside the BMP as surrogate pairs (what handsets and
    SMSCs accept in practice). For binary codings ``text`` is hex, the inverse of ``decode_text``.
    """
    kind = alphabet(data_coding, default_alphabet)
    if kind is Alphabet.GSM:
        return gsm_encode(text)
    if kind is Alphabet.BINARY:
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise TextEncodingError(f"binary data_coding {data_coding:#04x} needs hex text") from None
    if kind not in _ENCODABLE:
        raise TextEncodingError(
            f"encoding text as {kind.value} (data_coding {data_coding:#04x}) is unsupported"
        )
    codec = "utf-16-be" if kind is Alphabet.UCS2 else kind.value
    try:
        return text.encode(codec)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start]
        raise TextEncodingError(f"character {bad!r} (U+{ord(bad):04X}) is not in {kind.value}") from None


def can_encode(text: str, data_coding: int, default_alphabet: DefaultAlphabet = "gsm") -> bool:
    """True when ``encode_text`` would succeed."""
    try:
        encode_text(text, data_coding, default_alphabet)
    except TextEncodingError:
        return False
    return True


# --- folding ----------------------------------------------------------------------------------------

# Typography that GSM lacks and downgrading routes map to ASCII rather than "?".
_TYPOGRAPHY = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
    }
)


def fold_accents(text: str) -> str:
    """``text`` as a downgrading route leaves it: every accent stripped (even where GSM has the
    letter), typography flattened to ASCII. What route testing compares against, and what the
    simulators' grey routes do."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# --- capacities and segments ----------------------------------------------------------------------

# One SMS carries 140 octets of user data (23.040); a UDH takes its share of them.
SMS_OCTETS = 140
UDH8_OCTETS = 6  # 05 00 03 RR TT SS
UDH16_OCTETS = 7  # 06 08 04 RH RL TT SS
# A concatenation IE numbers parts in one octet.
MAX_PARTS = 255


def capacity(kind: Alphabet, udh_octets: int = 0) -> int:
    """Encoded octets (GSM: septets, one per octet) that fit in one SMS beside a UDH.

    GSM: 160 / 153 / 152; 8-bit: 140 / 134 / 133; UCS2: 140 / 134 / 132 octets (70 / 67 / 66 units).
    """
    room = SMS_OCTETS - udh_octets
    if kind is Alphabet.GSM:
        return room * 8 // 7  # the remainder is the fill bits that align septets after the UDH
    if kind is Alphabet.UCS2:
        return room - room % 2
    return room


def _safe_cut(data: bytes, start: int, cut: int, kind: Alphabet) -> int:
    """Move ``cut`` back so that it does not split an ESC pair or a UTF-16 surrogate pair."""
    if kind is Alphabet.GSM:
        run = 0  # ESCs pair up from the start of a run: an odd run ends with an ESC that opens a pair
        while cut - run - 1 >= start and data[cut - run - 1] == ESC:
            run += 1
        return cut - 1 if run % 2 else cut
    if kind is Alphabet.UCS2 and cut - 2 >= start and 0xD8 <= data[cut - 2] <= 0xDB:
        return cut - 2  # a high surrogate: keep it with its low half
    return cut


def segment(data: bytes, kind: Alphabet, size: int) -> list[bytes]:
    """Cut encoded ``data`` into chunks of at most ``size`` octets on character boundaries.

    Works on any octets, including a client's own encoding (an ESC ESC pair is kept whole).
    """
    if kind is Alphabet.UCS2:
        size -= size % 2
    chunks: list[bytes] = []
    pos = 0
    while pos < len(data):
        cut = min(pos + size, len(data))
        if cut < len(data):
            cut = _safe_cut(data, pos, cut, kind)
        chunks.append(data[pos:cut])
        pos = cut
    return chunks or [b""]


def count_encoded_parts(data: bytes, kind: Alphabet, udh_octets: int = UDH8_OCTETS) -> int:
    """How many SMS carry ``data``: one if it fits whole, else segments beside a ``udh_octets`` UDH."""
    if len(data) <= capacity(kind):
        return 1
    return len(segment(data, kind, capacity(kind, udh_octets)))


def count_parts(
    text: str, data_coding: int, *, ref16: bool = False, default_alphabet: DefaultAlphabet = "gsm"
) -> int:
    """How many SMS ``text`` takes in ``data_coding`` (8-bit reference UDH unless ``ref16``).

    Raises ``TextEncodingError`` when the text cannot be encoded in that coding.
    """
    kind = alphabet(data_coding, default_alphabet)
    data = encode_text(text, data_coding, default_alphabet)
    return count_encoded_parts(data, kind, UDH16_OCTETS if ref16 else UDH8_OCTETS)


def choose_coding(text: str, *, allow_latin1: bool = False) -> DataCoding:
    """The cheapest coding for ``text``: GSM (as data_coding 0) when it can carry every character,
    Latin-1 when allowed and it takes fewer parts than GSM, else UCS2.

    UCS2 is also the answer for text no coding can carry (a lone surrogate); encoding then fails.
    """
    gsm_ok = can_encode_gsm(text)
    if allow_latin1 and can_encode(text, DataCoding.LATIN_1):
        if not gsm_ok:
            return DataCoding.LATIN_1
        if count_parts(text, DataCoding.LATIN_1) < count_parts(text, DataCoding.DEFAULT):
            return DataCoding.LATIN_1
    return DataCoding.DEFAULT if gsm_ok else DataCoding.UCS2
