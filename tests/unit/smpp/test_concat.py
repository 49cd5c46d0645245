"""Splitting, UDH/SAR reading and reassembly (smpp-reference 5.9, 8.4, 8.5)."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smpp_gateway.smpp import codec
from smpp_gateway.smpp.concat import (
    Completed,
    ConcatInfo,
    Duplicate,
    InformationElement,
    Part,
    Pending,
    Reassembler,
    ReferenceAllocator,
    apply_part,
    concat_info,
    parse_udh,
    split,
    split_encoded,
    user_data,
)
from smpp_gateway.smpp.constants import CommandStatus, DataCoding, EsmClass, Tag
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.pdu import DataSm, DeliverSm, SubmitSm, Tlv
from smpp_gateway.smpp.text import GSM_CHARACTERS, Alphabet, alphabet, count_parts, decode_text

SETTINGS = settings(max_examples=100, deadline=None)
METHODS = ["udh8", "udh16", "sar", "payload"]


def long_texts(filler: str, special: list[str], other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Texts that often put a two-unit character (ESC pair, surrogate pair) on a part boundary:
    a filler run of random length, then a mix dense in such characters."""
    tail = st.text(alphabet=st.sampled_from(special) | other, max_size=400)
    # runs ending just before a boundary: UCS2 66/67 units, GSM 152/153 septets (udh16/udh8)
    runs = st.one_of(st.integers(0, 340), st.sampled_from([65, 66, 151, 152]))
    return st.builds(lambda n, t: filler * n + t, runs, tail)


gsm_texts = long_texts("a", ["€", "[", "^"], st.sampled_from(sorted(GSM_CHARACTERS)))
ucs2_texts = long_texts("ж", ["😀", "𝄞"], st.characters(exclude_categories=["Cs"]))
latin1_texts = long_texts("é", ["x"], st.characters(max_codepoint=0xFF))
CODED_TEXTS = st.one_of(
    gsm_texts.map(lambda t: (t, DataCoding.DEFAULT)),
    ucs2_texts.map(lambda t: (t, DataCoding.UCS2)),
    latin1_texts.map(lambda t: (t, DataCoding.LATIN_1)),
)


def as_pdu(part: Part, data_coding: int = DataCoding.DEFAULT) -> SubmitSm:
    return apply_part(SubmitSm(data_coding=data_coding, destination_addr="33612345678"), part)


def join(parts: list[Part], data_coding: int) -> str:
    return "".join(decode_text(user_data(as_pdu(p, data_coding)).payload, data_coding) for p in parts)


# --- split ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_text_that_fits_is_one_plain_part(method):
    parts = split("a" * 160, DataCoding.DEFAULT, method, reference=7)
    assert parts == [Part(short_message=b"a" * 160)]
    assert split("", DataCoding.UCS2, method) == [Part(short_message=b"")]


def test_udh8_layout():
    parts = split("a" * 200, DataCoding.DEFAULT, "udh8", reference=0x1234)
    assert [p.short_message[:6] for p in parts] == [bytes.fromhex("0500033402" + s) for s in ("01", "02")]
    assert [len(p.short_message) for p in parts] == [6 + 153, 6 + 47]
    assert all(p.esm_class == EsmClass.UDHI and p.tlvs == () for p in parts)
    assert [(p.seqnum, p.total) for p in parts] == [(1, 2), (2, 2)]


def test_udh16_layout():
    parts = split("a" * 200, DataCoding.DEFAULT, "udh16", reference=0x1234)
    assert [p.short_message[:7] for p in parts] == [bytes.fromhex("060804123402" + s) for s in ("01", "02")]
    assert [len(p.short_message) for p in parts] == [7 + 152, 7 + 48]


def test_sar_layout():
    parts = split("ж" * 100, DataCoding.UCS2, "sar", reference=0x42)
    assert [p.tlvs for p in parts] == [
        (Tlv(Tag.SAR_MSG_REF_NUM, 0x42), Tlv(Tag.SAR_TOTAL_SEGMENTS, 2), Tlv(Tag.SAR_SEGMENT_SEQNUM, n))
        for n in (1, 2)
    ]
    assert [len(p.short_message) for p in parts] == [134, 66]
    assert all(p.esm_class == 0 for p in parts)


def test_sar_with_a_wide_reference_leaves_room_for_a_16_bit_udh():
    assert [len(p.short_message) for p in split("a" * 200, 0, "sar", reference=0x100)] == [152, 48]


def test_payload_layout():
    text = "b" * 400
    assert split(text, DataCoding.IA5, "payload") == [
        Part(short_message=b"", tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, text.encode()),))
    ]


def test_too_many_parts_is_a_local_error():
    assert len(split("a" * 153 * 255, 0)) == 255
    with pytest.raises(LocalProtocolError) as info:
        split("a" * (153 * 255 + 1), 0)
    assert info.value.status == CommandStatus.ESME_RINVMSGLEN


def test_payload_beyond_the_tlv_length_is_a_local_error():
    assert len(split_encoded(b"x" * 0xFFFF, 4, "payload")) == 1
    with pytest.raises(LocalProtocolError):
        split_encoded(b"x" * 0x10000, 4, "payload")


def test_split_encoded_keeps_a_clients_escape_escape_pair_whole():
    data = b"a" * 152 + b"\x1b\x1b" + b"a" * 10
    parts = split_encoded(data, 0, "udh8", 1)
    assert [p.short_message[6:] for p in parts] == [b"a" * 152, b"\x1b\x1b" + b"a" * 10]


@SETTINGS
@given(CODED_TEXTS, st.sampled_from(METHODS), st.integers(min_value=0, max_value=0xFFFF))
@example(("a" * 152 + "€" * 9, DataCoding.DEFAULT), "udh8", 1)
@example(("a" * 151 + "€" * 9, DataCoding.DEFAULT), "udh16", 1)
@example(("ж" * 66 + "😀" * 9, DataCoding.UCS2), "udh8", 1)
def test_split_then_join_gives_the_text_back(coded, method, reference):
    text, data_coding = coded
    parts = split(text, data_coding, method, reference)
    assert join(parts, data_coding) == text
    if method != "payload":
        wide = method == "udh16" or (method == "sar" and reference > 0xFF)
        assert len(parts) == count_parts(text, data_coding, ref16=wide)


@SETTINGS
@given(CODED_TEXTS, st.sampled_from(["udh8", "udh16", "sar"]), st.integers(min_value=0, max_value=0xFF))
def test_every_part_fits_one_sms_and_starts_on_a_character(coded, method, reference):
    text, data_coding = coded
    kind = alphabet(data_coding)
    parts = split(text, data_coding, method, reference)
    for part in parts:
        data = user_data(as_pdu(part, data_coding))
        udh_octets = len(part.short_message) - len(data.payload)
        if kind is Alphabet.GSM:
            # on the air the UDH takes ceil(octets * 8 / 7) septets of the 160
            assert math.ceil(udh_octets * 8 / 7) + len(data.payload) <= 160
            assert (len(data.payload) - len(data.payload.rstrip(b"\x1b"))) % 2 == 0  # no dangling ESC
        else:
            assert udh_octets + len(data.payload) <= 140
        if kind is Alphabet.UCS2:
            assert not (data.payload and 0xDC <= data.payload[0] <= 0xDF)  # no leading low surrogate
            assert not (data.payload and 0xD8 <= data.payload[-2] <= 0xDB)  # no trailing high surrogate
        assert (data.concat is not None) == (len(parts) > 1)


def test_part_with_an_extension_character_at_the_boundary():
    parts = split("a" * 152 + "€" + "a" * 10, 0)
    assert parts[0].short_message[6:] == b"a" * 152
    assert parts[1].short_message[6:8] == b"\x1b\x65"


def test_part_with_a_surrogate_pair_at_the_boundary():
    parts = split("a" * 66 + "😀" + "a" * 10, DataCoding.UCS2)
    assert len(parts[0].short_message) == 6 + 132
    assert parts[1].short_message[6:10] == "😀".encode("utf-16-be")


def test_reference_allocator_wraps_at_16_bits():
    allocator = ReferenceAllocator(start=0xFFFE)
    assert [allocator.allocate() for _ in range(3)] == [0xFFFE, 0xFFFF, 0]


# --- apply_part -----------------------------------------------------------------------------------


def test_apply_part_replaces_concatenation_state_and_keeps_the_rest():
    original = DeliverSm(
        esm_class=EsmClass.UDHI | EsmClass.STORE_AND_FORWARD,
        short_message=b"old",
        tlvs=(
            Tlv(Tag.SAR_MSG_REF_NUM, 9),
            Tlv(Tag.USER_MESSAGE_REFERENCE, 5),
            Tlv(Tag.MESSAGE_PAYLOAD, b"x"),
        ),
    )
    sar_part = split("a" * 200, 0, "sar", 3)[0]
    applied = apply_part(original, sar_part)
    assert isinstance(applied, DeliverSm)
    assert applied.esm_class == EsmClass.STORE_AND_FORWARD
    assert applied.short_message == b"a" * 153
    assert applied.tlvs == (Tlv(Tag.USER_MESSAGE_REFERENCE, 5), *sar_part.tlvs)
    assert apply_part(original, split("a" * 200, 0, "udh8", 3)[0]).esm_class == 0x43


# --- reading UDH and SAR --------------------------------------------------------------------------


def test_parse_udh_tolerates_other_ies():
    ports = bytes.fromhex("05040b8423f0")
    data = bytes([len(ports) + 5]) + ports + bytes.fromhex("0003070302") + b"hello"
    assert parse_udh(data) == (
        ConcatInfo(7, 3, 2, "udh8"),
        b"hello",
        (InformationElement(0x05, bytes.fromhex("0b8423f0")),),
    )


def test_parse_udh16():
    assert parse_udh(bytes.fromhex("060804abcd0303") + b"x") == (ConcatInfo(0xABCD, 3, 3, "udh16"), b"x", ())


@pytest.mark.parametrize(
    "ie",
    [
        "0003070002",  # total 0
        "0003070300",  # part 0
        "0003070304",  # part beyond total
        "000207ff",  # wrong IE length
        "080307ff01",
    ],
)
def test_invalid_concatenation_ies_are_ignored_but_reported(ie):
    raw = bytes.fromhex(ie)
    concat, payload, others = parse_udh(bytes([len(raw)]) + raw + b"p")
    assert concat is None
    assert payload == b"p"
    assert others == (InformationElement(raw[0], raw[2:]),)


def test_the_first_valid_concatenation_ie_wins():
    raw = bytes.fromhex("0003010201" + "0003020202")
    concat, _, others = parse_udh(bytes([len(raw)]) + raw)
    assert concat == ConcatInfo(1, 2, 1, "udh8")
    assert others == (InformationElement(0, bytes.fromhex("020202")),)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", (None, b"", ())),
        (b"\x05\x00\x03", (None, b"\x05\x00\x03", ())),  # UDH longer than the data
        (b"\x03\x00\x05\x01rest", (None, b"rest", ())),  # IE longer than the UDH
        (b"\x00text", (None, b"text", ())),
    ],
)
def test_malformed_udh(data, expected):
    assert parse_udh(data) == expected


@SETTINGS
@given(st.binary(max_size=300))
def test_parse_udh_never_raises_and_returns_a_suffix(data):
    concat, payload, others = parse_udh(data)
    assert data.endswith(payload)
    assert concat is None or 1 <= concat.seqnum <= concat.total
    assert all(isinstance(ie, InformationElement) for ie in others)


def sar(reference: int | bytes, total: int, seqnum: int) -> tuple[Tlv, ...]:
    return (
        Tlv(Tag.SAR_MSG_REF_NUM, reference),
        Tlv(Tag.SAR_TOTAL_SEGMENTS, total),
        Tlv(Tag.SAR_SEGMENT_SEQNUM, seqnum),
    )


@pytest.mark.parametrize(
    ("pdu", "expected"),
    [
        (SubmitSm(short_message=b"hi"), None),
        (SubmitSm(short_message=bytes.fromhex("0500030a0201") + b"hi"), None),  # no UDHI: plain text
        (SubmitSm(esm_class=0x40, short_message=bytes.fromhex("0500030a0201")), ConcatInfo(10, 2, 1, "udh8")),
        (SubmitSm(tlvs=sar(300, 4, 2)), ConcatInfo(300, 4, 2, "sar")),
        (SubmitSm(tlvs=sar(300, 4, 5)), None),
        (SubmitSm(tlvs=sar(b"\x01", 4, 2)), None),  # wrong length, kept raw by the codec
        (SubmitSm(tlvs=sar(300, 4, 2)[:2]), None),
        (
            SubmitSm(esm_class=0x40, short_message=bytes.fromhex("0500030a0201"), tlvs=sar(300, 4, 2)),
            ConcatInfo(10, 2, 1, "udh8"),
        ),
        (
            DataSm(esm_class=0x40, tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, bytes.fromhex("0500030b0302") + b"x"),)),
            ConcatInfo(11, 3, 2, "udh8"),
        ),
        (DeliverSm(esm_class=0x44, short_message=b"\x09"), None),
    ],
)
def test_concat_info(pdu, expected):
    assert concat_info(pdu) == expected


def test_user_data_reads_message_payload_when_short_message_is_empty():
    pdu = SubmitSm(esm_class=0x40, tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, bytes.fromhex("0500030b0302") + b"body"),))
    assert user_data(pdu).payload == b"body"
    assert user_data(SubmitSm(tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, b"whole"),))).payload == b"whole"


# --- reassembly -----------------------------------------------------------------------------------


def info(seqnum: int, total: int = 3, reference: int = 9) -> ConcatInfo:
    return ConcatInfo(reference, total, seqnum, "udh8")


def test_reassembly_in_order():
    r: Reassembler[str] = Reassembler()
    assert r.add("k", info(1), b"a", 1.0) == Pending("k", 1, 3)
    assert r.add("k", info(2), b"b", 2.0) == Pending("k", 2, 3)
    done = r.add("k", info(3), b"c", 3.0)
    assert done == Completed("k", 9, "udh8", (b"a", b"b", b"c"), 1.0)
    assert isinstance(done, Completed)
    assert done.payload == b"abc"
    assert len(r) == 0
    assert r.pending_octets == 0


@SETTINGS
@given(st.permutations(range(1, 8)), st.lists(st.integers(min_value=1, max_value=7), max_size=5))
def test_reassembly_in_any_order_with_duplicates(order, repeats):
    r: Reassembler[int] = Reassembler()
    results = [r.add(1, info(n, 7), bytes([n]), 0.0) for n in order[:-1]]
    results += [r.add(1, info(n, 7), bytes([n]), 0.0) for n in repeats if n != order[-1]]
    final = r.add(1, info(order[-1], 7), bytes([order[-1]]), 0.0)
    assert isinstance(final, Completed)
    assert final.payload == bytes(range(1, 8))
    assert sum(isinstance(x, Duplicate) for x in results) == sum(n != order[-1] for n in repeats)
    assert len(r) == 0


def test_duplicates_are_ignored_and_reported():
    r: Reassembler[str] = Reassembler()
    r.add("k", info(1, 2), b"first", 0.0)
    assert r.add("k", info(1, 2), b"first", 0.5) == Duplicate("k", 1, identical=True)
    assert r.add("k", info(1, 2), b"other", 0.6) == Duplicate("k", 1, identical=False)
    done = r.add("k", info(2, 2), b"!", 1.0)
    assert isinstance(done, Completed)
    assert done.payload == b"first!"


@pytest.mark.parametrize(
    "bad", [ConcatInfo(1, 2, 3, "udh8"), ConcatInfo(1, 2, 0, "sar"), ConcatInfo(1, 0, 0, "udh16")]
)
def test_invalid_info_is_a_caller_bug(bad):
    r: Reassembler[str] = Reassembler()
    r.add("k", info(1, 2), b"a", 0.0)
    with pytest.raises(LocalProtocolError):
        r.add("k", bad, b"b", 1.0)
    assert (len(r), r.pending_octets) == (1, 1)


def test_a_single_part_completes_without_being_stored():
    r: Reassembler[str] = Reassembler()
    assert r.add("k", info(1, 1), b"x", 5.0) == Completed("k", 9, "udh8", (b"x",), 5.0)
    assert len(r) == 0


def test_missing_part_expires_after_the_timeout():
    r: Reassembler[str] = Reassembler(timeout=60.0)
    r.add("k", info(1), b"a", 100.0)
    r.add("k", info(3), b"c", 130.0)
    assert r.next_deadline() == 160.0
    assert r.expire(159.9) == []
    [gone] = r.expire(160.0)
    assert (gone.key, gone.reason, gone.missing, gone.received) == (
        "k",
        "expired",
        (2,),
        ((1, b"a"), (3, b"c")),
    )
    assert r.next_deadline() is None
    assert len(r) == 0
    assert r.pending_octets == 0


def test_expire_stops_at_the_first_message_still_in_time():
    r: Reassembler[str] = Reassembler(timeout=10.0)
    for n, key in enumerate("abc"):
        r.add(key, info(1), b"x", float(n))
    assert [i.key for i in r.expire(11.0)] == ["a", "b"]
    assert r.next_deadline() == 12.0


def test_max_pending_evicts_the_oldest():
    r: Reassembler[str] = Reassembler(max_pending=2)
    r.add("a", info(1), b"x", 0.0)
    r.add("b", info(1), b"x", 1.0)
    r.add("a", info(2), b"y", 2.0)  # an existing message takes no new slot
    result = r.add("c", info(1), b"z", 3.0)
    assert isinstance(result, Pending)
    [evicted] = result.dropped
    assert (evicted.key, evicted.reason, evicted.missing) == ("a", "evicted", (3,))
    assert len(r) == 2


def test_octet_bound_evicts_older_messages():
    r: Reassembler[str] = Reassembler(max_pending_octets=10)
    r.add("a", info(1), b"12345", 0.0)
    r.add("b", info(1), b"1234", 1.0)
    result = r.add("b", info(2), b"12", 2.0)
    assert isinstance(result, Pending)
    assert [i.key for i in result.dropped] == ["a"]
    assert r.pending_octets == 6


def test_a_completing_part_evicts_nothing():
    r: Reassembler[str] = Reassembler(max_pending_octets=10)
    r.add("a", info(1), b"12345", 0.0)
    r.add("b", info(1, total=2), b"1234", 1.0)
    done = r.add("b", info(2, total=2), b"123", 2.0)
    assert isinstance(done, Completed)
    assert done.payload == b"1234123"
    assert (len(r), r.pending_octets) == (1, 5)


def test_a_message_larger_than_the_octet_bound_is_dropped():
    r: Reassembler[str] = Reassembler(max_pending_octets=10)
    r.add("a", info(1), b"123456", 0.0)
    result = r.add("a", info(2), b"123456", 1.0)
    assert isinstance(result, Pending)
    assert result.received == 0
    assert [(i.key, i.reason) for i in result.dropped] == [("a", "evicted")]
    assert len(r) == 0
    assert r.pending_octets == 0


def test_a_different_total_under_the_same_key_supersedes():
    r: Reassembler[str] = Reassembler()
    r.add("k", info(1, total=3), b"a", 0.0)
    result = r.add("k", info(1, total=2), b"b", 1.0)
    assert isinstance(result, Pending)
    assert [(i.reason, i.total) for i in result.dropped] == [("superseded", 3)]
    assert (result.received, result.total) == (1, 2)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3), st.integers(1, 3)), max_size=40),
    st.integers(1, 3),
    st.integers(4, 16),
)
def test_bounds_always_hold_and_every_stored_part_is_reported_once(events, max_pending, max_octets):
    r: Reassembler[int] = Reassembler(max_pending=max_pending, max_pending_octets=max_octets, timeout=5.0)
    stored = reported = 0
    for now, (key, total, seqnum) in enumerate(events):
        payload = bytes([now % 256]) * (key + 1)
        result = r.add(key, ConcatInfo(0, total, min(seqnum, total), "sar"), payload, float(now))
        assert len(r) <= max_pending
        assert r.pending_octets <= max_octets
        if isinstance(result, Completed) or (isinstance(result, Pending) and result.received):
            stored += len(payload)
        if isinstance(result, Completed):
            reported += len(result.payload)
        if isinstance(result, Pending):
            reported += sum(len(data) for gone in result.dropped for _, data in gone.received)
        reported += sum(len(data) for gone in r.expire(float(now)) for _, data in gone.received)
    reported += sum(len(data) for gone in r.expire(float("inf")) for _, data in gone.received)
    assert (len(r), r.pending_octets) == (0, 0)
    assert reported == stored


@pytest.mark.parametrize("method", METHODS)
def test_parts_through_the_codec(method):
    text = "Ünicode-free GSM € text {ok} " * 12
    parts = split(text, DataCoding.DEFAULT, method, reference=0x1FF)
    wire = [codec.decode(codec.encode(as_pdu(part))) for part in parts]
    decoded = [pdu for pdu in wire if isinstance(pdu, SubmitSm)]
    assert len(decoded) == len(parts)
    infos = [concat_info(pdu) for pdu in decoded]
    if method == "payload":
        assert infos == [None]
    else:
        assert [(i.seqnum, i.total) for i in infos if i] == [
            (n, len(parts)) for n in range(1, len(parts) + 1)
        ]
    assert "".join(decode_text(user_data(pdu).payload, 0) for pdu in decoded) == text
