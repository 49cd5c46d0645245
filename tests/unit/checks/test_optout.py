"""MO keywords and the opt-out list."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.checks import InMemoryOptOutList, apply_mo_keyword, classify_mo_keyword

from .helpers import context, message, rejected_by, run

STOPS = [
    "STOP", "stop", "Stop", " stop ", "STOP.", "Stop!", "S T O P", "STOP 36123", "stop36123", "STOP au 36123",
    "Stop SMS", "stop sms 36123", "ARRET", "Arrêt", "arrêter", "ARRETEZ", "unsubscribe", "Unsubscribe.",
    "désinscription", "STOPALL",
]  # fmt: skip
STARTS = ["START", "start", "Start 36123", "START SMS", "unstop"]
NEITHER = [
    "", "Stop, j'arrive dans 5 min", "merci", "Bonjour je voudrais arrêter mon abonnement s'il vous plaît",
    "STOPPER", "startup", "OK", "36123", "non stop",
]  # fmt: skip


@pytest.mark.parametrize("text", STOPS)
def test_stop_variants(text: str) -> None:
    assert classify_mo_keyword(text) == "stop"


@pytest.mark.parametrize("text", STARTS)
def test_start_variants(text: str) -> None:
    assert classify_mo_keyword(text) == "start"


@pytest.mark.parametrize("text", NEITHER)
def test_conversation_is_not_a_keyword(text: str) -> None:
    assert classify_mo_keyword(text) is None


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["stop", "arret", "unsubscribe"]),
    st.lists(st.sampled_from(["upper", "space", "dot"]), max_size=3),
)
def test_case_space_and_punctuation_never_matter(word: str, twists: list[str]) -> None:
    text = word
    for twist in twists:
        text = {"upper": text.upper(), "space": " ".join(text), "dot": text + "."}[twist]
    assert classify_mo_keyword(text) == "stop"


def test_list_add_remove_contains_list() -> None:
    optouts = InMemoryOptOutList()
    optouts.add("+33612345678", "demo")
    optouts.add("33611111111", "demo", sender="36123")
    optouts.add("33612345678", "other")
    assert optouts.contains("33612345678", "demo")
    assert optouts.contains("0033612345678", "demo", sender="ACME")  # account-wide covers every sender
    assert optouts.contains("33611111111", "demo", sender="36123")
    assert not optouts.contains("33611111111", "demo", sender="ACME")
    assert not optouts.contains("33611111111", "demo")
    assert [(e.msisdn, e.sender) for e in optouts.list("demo")] == [
        ("33611111111", "36123"),
        ("33612345678", None),
    ]
    assert len(optouts.list()) == 3
    assert optouts.remove("33612345678", "demo")
    assert not optouts.remove("33612345678", "demo")
    assert not optouts.contains("33612345678", "demo")


def test_stop_then_start_through_the_mo_path() -> None:
    optouts = InMemoryOptOutList()
    promo = message("-20% sur acme.fr ! STOP au 36123", sender="36123")
    assert apply_mo_keyword(optouts, msisdn="33612345678", account="demo", sender=None, text="Stop") == "stop"
    assert rejected_by(run(promo, ctx=context(optouts=optouts))) == "dest.opt_out"
    assert (
        apply_mo_keyword(optouts, msisdn="33612345678", account="demo", sender=None, text="START") == "start"
    )
    assert run(promo, ctx=context(optouts=optouts)).accepted
    assert apply_mo_keyword(optouts, msisdn="33612345678", account="demo", sender=None, text="merci") is None
    assert len(optouts) == 0
