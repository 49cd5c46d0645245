"""Text change classification, with the simulators' own alterations as the oracle of what routes do."""

from __future__ import annotations

import pytest

from simulators.behaviours import downgrade_to_gsm, rewrite_links
from smpp_gateway.routetest.textdiff import (
    ACCENTS_LOST,
    APPENDED,
    CHARACTERS_REPLACED,
    LINK_CHANGED,
    MAX_DIFF_SEGMENTS,
    REWRITTEN,
    TRUNCATED,
    compare,
    diff,
    fold,
)

ACCENTED = "[K7Q2M] Réglé à l'hôtel « vite » : ça coûte 5 €"
LINK = "[K7Q2M] Suivez votre colis sur https://acme.fr/suivi/42 merci"
LONG = "[K7Q2M] " + "Votre commande ACME est prête. " * 6


def kinds(sent: str, received: str) -> tuple[str, ...]:
    change = compare(sent, received)
    assert change is not None
    return change.kinds


def test_equal_texts_are_no_change() -> None:
    assert compare("same", "same") is None


def test_accents_stripped_by_a_downgrading_route() -> None:
    assert kinds(ACCENTED, downgrade_to_gsm(ACCENTED)) == (ACCENTS_LOST,)


def test_typography_flattened_counts_as_accents_lost() -> None:
    assert kinds("Dites « oui » — d’accord…", downgrade_to_gsm("Dites « oui » — d’accord…")) == (
        ACCENTS_LOST,
    )


def test_characters_outside_gsm_become_question_marks() -> None:
    sent = "Offre 🎁 pour vous"
    assert kinds(sent, downgrade_to_gsm(sent)) == (CHARACTERS_REPLACED,)


def test_accents_and_replaced_characters_together() -> None:
    sent = "Offre spéciale 🎁 pour vous"
    assert kinds(sent, downgrade_to_gsm(sent)) == (ACCENTS_LOST, CHARACTERS_REPLACED)


def test_link_rewritten() -> None:
    change = compare(LINK, rewrite_links(LINK, "http://sms-pro.example/r"))
    assert change is not None
    assert change.kinds == (LINK_CHANGED,)
    assert "https://acme.fr/suivi/42 -> http://sms-pro.example/r" in change.summary


def test_truncated() -> None:
    change = compare(LONG, LONG[:100])
    assert change is not None
    assert change.kinds == (TRUNCATED,)
    assert f"truncated to 100 of {len(LONG)} characters" in change.summary


def test_truncation_that_cuts_a_link_off_is_truncation() -> None:
    assert kinds(LINK, LINK[:20]) == (TRUNCATED,)


def test_appended() -> None:
    change = compare("[K7Q2M] Bonjour", "[K7Q2M] Bonjour Envoye par SMS-PRO")
    assert change is not None
    assert change.kinds == (APPENDED,)
    assert "' Envoye par SMS-PRO'" in change.summary


def test_truncated_then_appended() -> None:
    assert kinds(LONG, LONG[:120] + " Envoye par SMS-PRO") == (TRUNCATED, APPENDED)


def test_accents_lost_and_truncated() -> None:
    assert kinds(ACCENTED, downgrade_to_gsm(ACCENTED)[:20]) == (ACCENTS_LOST, TRUNCATED)


def test_accents_kept_but_truncated_is_only_truncated() -> None:
    assert kinds(ACCENTED, ACCENTED[:20]) == (TRUNCATED,)


def test_link_changed_and_appended() -> None:
    received = rewrite_links(LINK, "http://x.example/r") + " STOP"
    assert kinds(LINK, received) == (LINK_CHANGED, APPENDED)


def test_other_changes_are_rewritten() -> None:
    assert kinds("[K7Q2M] Votre code est 1234", "Bienvenue chez nous, profitez") == (REWRITTEN,)


def test_appended_link_is_appended() -> None:
    assert kinds("[K7Q2M] Bonjour", "[K7Q2M] Bonjour http://ad.example/x") == (APPENDED,)


def test_dropped_link_is_a_rewrite() -> None:
    assert kinds("Voir https://acme.fr/a pour tout", "Voir  pour tout") == (REWRITTEN,)


def test_fold() -> None:
    assert fold("Réglé «x» …") == 'Regle "x" ...'


def test_diff_segments_reassemble_both_texts() -> None:
    sent, received = ACCENTED, downgrade_to_gsm(ACCENTED)
    segments = diff(sent, received)
    assert "".join(s.sent for s in segments) == sent
    assert "".join(s.received for s in segments) == received
    assert {s.op for s in segments} <= {"equal", "replace", "delete", "insert"}


def test_diff_is_bounded() -> None:
    sent = "ab" * 200
    received = "ac" * 200
    assert len(diff(sent, received)) == MAX_DIFF_SEGMENTS


@pytest.mark.parametrize("kind", [ACCENTS_LOST, TRUNCATED, APPENDED, LINK_CHANGED])
def test_summary_is_readable(kind: str) -> None:
    received = {
        ACCENTS_LOST: downgrade_to_gsm(ACCENTED),
        TRUNCATED: ACCENTED[:15],
        APPENDED: ACCENTED + " pub",
        LINK_CHANGED: ACCENTED,
    }[kind]
    sent = LINK if kind == LINK_CHANGED else ACCENTED
    if kind == LINK_CHANGED:
        received = rewrite_links(LINK, "http://r.example/x")
    change = compare(sent, received)
    assert change is not None
    assert change.summary
