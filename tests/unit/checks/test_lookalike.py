"""Lookalike normalisation and the brand index (senders and link domains)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.checks.lookalike import Brand, BrandIndex, within_one_edit
from smpp_gateway.checks.normalize import fold_sender, fold_text, plain_key

from .helpers import pipeline


def _index() -> BrandIndex:
    return pipeline().settings.brands


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("paypal", "paypal", True),
        ("paypal", "paypai", True),  # substitution
        ("paypal", "paypall", True),  # insertion
        ("paypal", "paypl", True),  # deletion
        ("paypal", "pyapal", False),  # transposition is two edits
        ("amazon", "amazonfr", False),
        ("", "a", True),
    ],
)
def test_within_one_edit(a: str, b: str, expected: bool) -> None:
    assert within_one_edit(a, b) is expected
    assert within_one_edit(b, a) is expected


@pytest.mark.parametrize(
    "variant",
    [
        "PAYPAL",
        "paypal",
        "PAYPAI",
        "PAYPA1",
        "PayPaI",
        "P4YPAL",
        "Pay-Pal",
        "pay.pal",
        "раураl",
        "ＰＡＹＰＡＬ",
        "PAYPAL24",
    ],
)
def test_paypal_variants_fold_to_the_brand(variant: str) -> None:
    brand = _index().lookalike(variant)
    assert brand is not None
    assert brand.name == "PAYPAL"


@pytest.mark.parametrize(
    ("variant", "brand"),
    [
        ("AMAZ0N", "AMAZON"),
        ("IMP0TS", "IMPOTS"),
        ("1MPOTS", "IMPOTS"),
        ("AMEL1", "AMELI"),
        ("LAP0STE", "LAPOSTE"),
        ("NETFL1X", "NETFLIX"),
        ("CREDlTAGRI", "CREDITAGRI"),
        ("SOCGEN-INFO", "SOCGEN"),
        ("INFO-SFR", "SFR"),
        ("B0UYGTEL", "BOUYGTEL"),
        ("ANTAI-FR", "ANTAI"),
        ("CAF INFO", "CAF"),
        ("0RANGE", "ORANGE"),
        ("APPLE-SUPPORT", "APPLE"),
        ("AMAZONFR", "AMAZON"),
        ("DHL-SERVICE", "DHL"),
        ("CHR0N0P0ST", "CHRONOPOST"),
    ],
)
def test_common_spoofs_are_found(variant: str, brand: str) -> None:
    found = _index().lookalike(variant)
    assert found is not None
    assert found.name == brand


@pytest.mark.parametrize(
    "sender", ["ACME", "ACME-FR", "DARTY", "FNAC", "SNCF", "DOCTOLIB", "LEBONCOIN", "MAIRIE", "ALERTE"]
)
def test_unrelated_senders_are_not_lookalikes(sender: str) -> None:
    assert _index().lookalike(sender) is None


def test_exact_use_is_told_apart_from_lookalikes() -> None:
    index = _index()
    assert index.exact("La Poste") is not None
    assert index.exact("LAP0STE") is None
    assert index.lookalike("LAP0STE") is not None


@pytest.mark.parametrize(
    ("labels", "brand"),
    [
        (("paypal", "evil"), "PAYPAL"),  # paypal.com.evil.io: the brand in a subdomain
        (("secure-paypa1-login",), "PAYPAL"),
        (("amazon-fr",), "AMAZON"),
        (("ameli-remboursement",), "AMELI"),
        (("ups-tracking",), "UPS"),
        (("pаypal",), "PAYPAL"),  # Cyrillic а, as a decoded punycode label
    ],
)
def test_domain_labels_that_name_a_brand(labels: tuple[str, ...], brand: str) -> None:
    found = _index().domain_lookalike(labels)
    assert found is not None
    assert found.name == brand


@pytest.mark.parametrize(
    "labels", [("acme",), ("ici",), ("free-shipping",), ("orange-bleue",), ("www", "acme")]
)
def test_domain_labels_that_do_not(labels: tuple[str, ...]) -> None:
    assert _index().domain_lookalike(labels) is None


def test_short_brands_need_no_edit_distance() -> None:
    brands = [Brand("UPS", frozenset(), (), (), True, fold_sender("UPS"), plain_key("UPS"))]
    index = BrandIndex(brands, ["FR"], edit_min_length=5)
    assert index.lookalike("UPI") is None  # one edit away, but UPS is too short for that
    assert index.lookalike("UPS-FR") is not None


# --- normalisation properties ---------------------------------------------------------------

TEXT = st.text(max_size=40)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_fold_text_is_idempotent_ascii_and_lower_case(text: str) -> None:
    folded = fold_text(text)
    assert fold_text(folded) == folded
    assert folded.isascii()
    assert folded == folded.lower()
    assert "  " not in folded


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_fold_sender_is_idempotent_and_has_no_separators(text: str) -> None:
    key = fold_sender(text)
    assert fold_sender(key) == key
    assert not any(ch in key for ch in " .-_")


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12),
    st.sampled_from(["upper", "title"]),
)
def test_case_never_matters(word: str, case: str) -> None:
    variant = word.upper() if case == "upper" else word.title()
    assert fold_sender(variant) == fold_sender(word)
    assert fold_text(variant) == fold_text(word)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["éèêë", "àâä", "îï", "ôö", "ùûü", "ç"]), st.text(alphabet="abcdefghij", max_size=6))
def test_accents_are_dropped(accents: str, stem: str) -> None:
    import unicodedata

    for accented in accents:
        base = unicodedata.normalize("NFKD", accented)[0]
        assert fold_text(stem + accented) == stem + base
