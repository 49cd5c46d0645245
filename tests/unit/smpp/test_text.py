"""GSM 03.38 tables, codings, cheapest coding and part counting (smpp-reference 5.7, 8)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.smpp.constants import CommandStatus, DataCoding
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.text import (
    GSM_BASE,
    GSM_CHARACTERS,
    GSM_EXTENSION,
    Alphabet,
    TextEncodingError,
    alphabet,
    can_encode,
    can_encode_gsm,
    capacity,
    choose_coding,
    count_parts,
    decode_text,
    encode_text,
    gsm_decode,
    gsm_encode,
    pack_septets,
    unpack_septets,
)

SETTINGS = settings(max_examples=150, deadline=None)

# Written out independently of the module's table: GSM 03.38 positions that are not ASCII
# (smpp-reference 8.2, and the 23.038 table for 0x03-0x1F).
NON_ASCII_BASE = {
    "@": 0x00, "£": 0x01, "$": 0x02, "¥": 0x03, "è": 0x04, "é": 0x05, "ù": 0x06, "ì": 0x07,
    "ò": 0x08, "Ç": 0x09, "\n": 0x0A, "Ø": 0x0B, "ø": 0x0C, "\r": 0x0D, "Å": 0x0E, "å": 0x0F,
    "Δ": 0x10, "_": 0x11, "Φ": 0x12, "Γ": 0x13, "Λ": 0x14, "Ω": 0x15, "Π": 0x16, "Ψ": 0x17,
    "Σ": 0x18, "Θ": 0x19, "Ξ": 0x1A, "Æ": 0x1C, "æ": 0x1D, "ß": 0x1E, "É": 0x1F,
    "¤": 0x24, "¡": 0x40, "Ä": 0x5B, "Ö": 0x5C, "Ñ": 0x5D, "Ü": 0x5E, "§": 0x5F, "¿": 0x60,
    "ä": 0x7B, "ö": 0x7C, "ñ": 0x7D, "ü": 0x7E, "à": 0x7F,
}  # fmt: skip
EXTENSION = {
    "\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E,
    "|": 0x40, "€": 0x65,
}  # fmt: skip
# ASCII characters at their ASCII position in GSM: everything printable except the ones GSM moved
# ($ @ _), put in the extension table, or lacks (`).
SAME_AS_ASCII = [ch for ch in string.printable[:95] if ch not in "$@_`" and ch not in EXTENSION]

gsm_texts = st.text(alphabet=sorted(GSM_CHARACTERS), max_size=400)
ucs2_texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200)
latin1_texts = st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=400)


# --- GSM tables -----------------------------------------------------------------------------------


def test_base_table_has_128_positions_and_the_escape():
    assert len(GSM_BASE) == 128
    assert GSM_BASE[0x1B] == "\x1b"
    assert len(set(GSM_BASE)) == 128


@pytest.mark.parametrize(("char", "code"), sorted(NON_ASCII_BASE.items()))
def test_non_ascii_base_characters_have_their_23038_positions(char, code):
    assert gsm_encode(char) == bytes([code])
    assert gsm_decode(bytes([code])) == char


@pytest.mark.parametrize("char", SAME_AS_ASCII)
def test_ascii_characters_keep_their_position(char):
    assert gsm_encode(char) == char.encode("ascii")
    assert gsm_decode(char.encode("ascii")) == char


@pytest.mark.parametrize("code", [c for c in range(128) if c != 0x1B])
def test_every_base_position_round_trips(code):
    char = gsm_decode(bytes([code]))
    assert len(char) == 1
    assert gsm_encode(char) == bytes([code])


def test_the_tables_cover_all_base_positions():
    assert set(NON_ASCII_BASE.values()) | {ord(c) for c in SAME_AS_ASCII} == set(range(128)) - {0x1B}


@pytest.mark.parametrize(("char", "code"), sorted(EXTENSION.items()))
def test_extension_characters_are_escaped(char, code):
    assert gsm_encode(char) == bytes([0x1B, code])
    assert gsm_decode(bytes([0x1B, code])) == char
    assert GSM_EXTENSION[code] == char


def test_extension_table_has_exactly_the_ten_characters():
    assert set(GSM_EXTENSION.values()) == set(EXTENSION)


@pytest.mark.parametrize("char", ["`", "ç", "á", "Ё", "😀", "\x1b", "\t", "\x00"])
def test_characters_outside_gsm_raise_a_typed_error(char):
    assert not can_encode_gsm("ok" + char)
    with pytest.raises(TextEncodingError) as info:
        gsm_encode("ok" + char)
    assert isinstance(info.value, LocalProtocolError)
    assert info.value.status == CommandStatus.ESME_RINVMSGLEN
    assert f"U+{ord(char):04X}" in info.value.detail


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"\x1bA", "A"),  # unknown escape: the base character (23.038)
        (b"\x1b\x00", "@"),
        (b"\x1b\x1b", " "),  # ESC ESC: reserved for a further table, shown as a space
        (b"a\x1b", "a "),  # a lone trailing ESC
        (b"\x1b\x1b\x1b\x65", " €"),
        (b"\x80a\xff", "\ufffda\ufffd"),  # octets that are not septets
        (b"\x1b\x80", "\ufffd"),
    ],
)
def test_gsm_decode_is_lenient(data, text):
    assert gsm_decode(data) == text


@SETTINGS
@given(gsm_texts)
def test_gsm_round_trip(text):
    encoded = gsm_encode(text)
    assert max(encoded, default=0) < 0x80
    assert gsm_decode(encoded) == text
    assert len(encoded) == len(text) + sum(ch in EXTENSION for ch in text)


@SETTINGS
@given(st.binary(max_size=300))
def test_gsm_decode_never_raises(data):
    assert isinstance(gsm_decode(data), str)


# --- packing --------------------------------------------------------------------------------------


def test_pack_known_vector():
    # The classic 23.038 example: "hellohello" packs into 9 octets.
    assert pack_septets(b"hellohello").hex() == "e8329bfd4697d9ec37"
    assert unpack_septets(bytes.fromhex("e8329bfd4697d9ec37"), 10) == b"hellohello"


def test_unpack_without_count_returns_every_whole_septet():
    assert unpack_septets(pack_septets(b"1234567")) == b"1234567\x00"
    assert unpack_septets(b"\x31", 5) == b"1"


@SETTINGS
@given(st.binary(max_size=200).map(lambda b: bytes(x & 0x7F for x in b)))
def test_pack_unpack_round_trip(septets):
    packed = pack_septets(septets)
    assert len(packed) == (len(septets) * 7 + 7) // 8
    assert unpack_septets(packed, len(septets)) == septets


# --- data_coding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_coding", "expected"),
    [
        (0x00, Alphabet.GSM),
        (0x01, Alphabet.ASCII),
        (0x02, Alphabet.BINARY),
        (0x03, Alphabet.LATIN1),
        (0x04, Alphabet.BINARY),
        (0x05, Alphabet.BINARY),
        (0x06, Alphabet.CYRILLIC),
        (0x07, Alphabet.HEBREW),
        (0x08, Alphabet.UCS2),
        (0x0A, Alphabet.ISO2022JP),
        (0x0B, Alphabet.GSM),
        (0x0E, Alphabet.KSC5601),
        (0x10, Alphabet.GSM),  # GSM7 class 0
        (0x11, Alphabet.GSM),
        (0x14, Alphabet.BINARY),
        (0x18, Alphabet.UCS2),  # UCS2 class 0
        (0x1C, Alphabet.GSM),  # reserved alphabet
        (0x24, Alphabet.BINARY),  # compressed
        (0x48, Alphabet.UCS2),  # automatic deletion group
        (0x90, Alphabet.GSM),  # reserved group
        (0xC0, Alphabet.GSM),
        (0xD8, Alphabet.GSM),
        (0xE0, Alphabet.UCS2),
        (0xF0, Alphabet.GSM),  # flash GSM7
        (0xF3, Alphabet.GSM),
        (0xF4, Alphabet.BINARY),
        (0xF7, Alphabet.BINARY),
        (0x100, Alphabet.BINARY),
        (-1, Alphabet.BINARY),
    ],
)
def test_alphabet_of_data_coding(data_coding, expected):
    assert alphabet(data_coding) is expected


@pytest.mark.parametrize(
    ("default", "expected"), [("gsm", Alphabet.GSM), ("latin1", Alphabet.LATIN1), ("ascii", Alphabet.ASCII)]
)
def test_smsc_default_alphabet_is_configurable(default, expected):
    assert alphabet(0, default) is expected
    assert alphabet(0xF0, default) is Alphabet.GSM  # explicit GSM stays GSM


@pytest.mark.parametrize(
    ("data", "data_coding", "default", "text"),
    [
        (b"\x00_", 0, "gsm", "@§"),
        (b"\x00_", 0, "latin1", "\x00_"),
        (b"caf\xe9", 3, "gsm", "café"),
        (b"caf\xe9", 0, "latin1", "café"),
        (b"caf\xe9", 1, "gsm", "caf\ufffd"),
        (b"caf\xe9", 0, "ascii", "caf\ufffd"),
        (bytes.fromhex("d83dde00"), 8, "gsm", "😀"),
        (bytes.fromhex("00410042"), 0x18, "gsm", "AB"),
        (bytes.fromhex("004100"), 8, "gsm", "A\ufffd"),  # lone trailing octet
        (bytes.fromhex("d83d0041"), 8, "gsm", "\ufffdA"),  # lone high surrogate
        (bytes.fromhex("dc00"), 8, "gsm", "\ufffd"),  # lone low surrogate
        (b"\x01\xff", 4, "gsm", "01ff"),
        (b"\x01\xff", 0xF4, "gsm", "01ff"),
        (b"\xb0\xd1", 6, "gsm", "Аб"),
        (b"", 8, "gsm", ""),
    ],
)
def test_decode_text(data, data_coding, default, text):
    assert decode_text(data, data_coding, default) == text


@SETTINGS
@given(st.binary(max_size=300), st.integers(min_value=-1, max_value=0x100))
def test_decode_text_never_raises(data, data_coding):
    assert isinstance(decode_text(data, data_coding), str)
    assert isinstance(decode_text(memoryview(data), data_coding, "latin1"), str)


@SETTINGS
@given(ucs2_texts)
def test_ucs2_round_trip(text):
    assert decode_text(encode_text(text, DataCoding.UCS2), DataCoding.UCS2) == text


@SETTINGS
@given(latin1_texts)
def test_latin1_round_trip(text):
    assert decode_text(encode_text(text, DataCoding.LATIN_1), DataCoding.LATIN_1) == text


@SETTINGS
@given(st.binary(max_size=200), st.sampled_from([0x02, 0x04, 0xF4]))
def test_binary_text_is_hex_both_ways(data, data_coding):
    assert encode_text(decode_text(data, data_coding), data_coding) == data


@pytest.mark.parametrize(
    ("text", "data_coding", "default"),
    [
        ("ç", 0, "gsm"),
        ("é", 1, "gsm"),
        ("é", 0, "ascii"),
        ("€", 3, "gsm"),
        ("\ud83d", 8, "gsm"),  # a lone surrogate is no UTF-16
        ("zz", 4, "gsm"),  # binary wants hex
        ("x", 0x0A, "gsm"),  # decode-only coding
        ("x", 0x24, "gsm"),  # compressed
    ],
)
def test_encode_text_refuses_with_a_typed_error(text, data_coding, default):
    assert not can_encode(text, data_coding, default)
    with pytest.raises(TextEncodingError):
        encode_text(text, data_coding, default)


def test_encode_text_per_coding():
    assert encode_text("@€", 0) == b"\x00\x1b\x65"
    assert encode_text("@é", 0, "latin1") == b"@\xe9"
    assert encode_text("😀", 8) == bytes.fromhex("d83dde00")
    assert encode_text("Аб", 6) == b"\xb0\xd1"
    assert can_encode("hello", 1)


# --- cheapest coding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "allow_latin1", "expected"),
    [
        ("", False, DataCoding.DEFAULT),
        ("hello", False, DataCoding.DEFAULT),
        ("Prix: 5€ {promo}", False, DataCoding.DEFAULT),
        ("ça va", False, DataCoding.UCS2),
        ("ça va", True, DataCoding.LATIN_1),
        ("`quoted`", True, DataCoding.LATIN_1),
        ("😀", True, DataCoding.UCS2),
        ("Привет", True, DataCoding.UCS2),
        ("€ ç", True, DataCoding.UCS2),  # neither GSM (ç) nor Latin-1 (€)
        ("[" * 80, True, DataCoding.DEFAULT),  # 160 septets vs 80 octets: one part each, GSM wins ties
        ("[" * 100, True, DataCoding.LATIN_1),  # 200 septets need two parts, 100 octets one
        ("[" * 100, False, DataCoding.DEFAULT),
        ("a" * 150, True, DataCoding.DEFAULT),
    ],
)
def test_choose_coding(text, allow_latin1, expected):
    assert choose_coding(text, allow_latin1=allow_latin1) == expected


@SETTINGS
@given(st.text(max_size=100), st.booleans())
def test_choose_coding_picks_a_coding_that_can_carry_the_text(text, allow_latin1):
    chosen = choose_coding(text, allow_latin1=allow_latin1)
    if can_encode(text, DataCoding.UCS2):
        assert can_encode(text, chosen)
    if can_encode_gsm(text):
        assert chosen != DataCoding.UCS2


# --- capacities and part counts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "single", "udh8", "udh16"),
    [(Alphabet.GSM, 160, 153, 152), (Alphabet.LATIN1, 140, 134, 133), (Alphabet.UCS2, 140, 134, 132)],
)
def test_capacities(kind, single, udh8, udh16):
    assert (capacity(kind), capacity(kind, 6), capacity(kind, 7)) == (single, udh8, udh16)


@pytest.mark.parametrize(
    ("text", "data_coding", "ref16", "parts"),
    [
        ("", 0, False, 1),
        ("a" * 160, 0, False, 1),
        ("a" * 161, 0, False, 2),
        ("a" * 306, 0, False, 2),
        ("a" * 307, 0, False, 3),
        ("a" * 304, 0, True, 2),
        ("a" * 305, 0, True, 3),
        ("a" * 158 + "€", 0, False, 1),  # 160 septets
        ("a" * 159 + "€", 0, False, 2),  # 161 septets
        ("€" * 80, 0, False, 1),
        ("€" * 81, 0, False, 2),
        # 306 septets would fit two parts, but the escape pair cannot straddle 152|153: three parts
        ("a" * 152 + "€" + "a" * 152, 0, False, 3),
        ("a" * 151 + "€" + "a" * 153, 0, False, 2),
        ("é" * 140, 3, False, 1),
        ("é" * 141, 3, False, 2),
        ("é" * 268, 3, False, 2),
        ("é" * 269, 3, False, 3),
        ("é" * 266, 3, True, 2),
        ("é" * 267, 3, True, 3),
        ("ж" * 70, 8, False, 1),
        ("ж" * 71, 8, False, 2),
        ("ж" * 134, 8, False, 2),
        ("ж" * 135, 8, False, 3),
        ("ж" * 132, 8, True, 2),
        ("ж" * 133, 8, True, 3),
        ("😀" * 35, 8, False, 1),  # 70 UTF-16 code units
        ("😀" * 36, 8, False, 2),
        ("😀" * 67, 8, False, 3),  # 134 units, but a pair cannot straddle 67|67: 66+66+2
        ("a" * 66 + "😀" + "a" * 66, 8, False, 3),
        ("a" * 65 + "😀" + "a" * 67, 8, False, 2),
        ("00" * 140, 4, False, 1),
        ("00" * 141, 4, False, 2),
    ],
)
def test_count_parts(text, data_coding, ref16, parts):
    assert count_parts(text, data_coding, ref16=ref16) == parts


def test_count_parts_uses_the_default_alphabet():
    assert count_parts("é" * 141, 0, default_alphabet="latin1") == 2
    assert count_parts("a" * 150, 0, default_alphabet="latin1") == 2
    with pytest.raises(TextEncodingError):
        count_parts("ç", 0)
