"""content.phishing: weighted signals, categories capped, the account's own links trusted."""

from __future__ import annotations

import pytest

from smpp_gateway.checks import ChecksConfig, PhishingConfig, PhishingSignal, RuleSettings
from smpp_gateway.checks.normalize import fold_text
from smpp_gateway.checks.phrases import PhraseIndex, compile_phrase, words_of

from .helpers import message, open_policy, rejected_by, run


def words(text: str) -> list[str]:
    return words_of(fold_text(text))


# --- the phrase engine ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("frais", "Réglez les FRAIS maintenant", True),
        ("bloqu*", "Votre compte est bloqué", True),
        ("bloqu*", "bloquez", True),
        ("bloqu*", "débloquer", False),  # a prefix anchors at the start of a word
        ("colis ~4 attente", "Votre colis n° 12 est en attente", True),
        ("colis ~2 attente", "Votre colis numero 12 est toujours en attente", False),
        ("sous|avant # h|heure*", "à régler sous 48 heures", True),
        ("sous|avant #h", "sous 24h", True),
        ("frais de|d livraison|douane*", "frais d'expédition", False),
        ("frais de|d livraison|douane*", "frais de douane", True),
        ("mot de passe", "Votre mot-de-passe", True),  # punctuation separates words
    ],
)
def test_phrases(phrase: str, text: str, expected: bool) -> None:
    index = PhraseIndex([phrase])
    assert (index.matches(words(text)) == [0]) is expected


@pytest.mark.parametrize("bad", ["", "~2 frais", "frais ~2", "#h sous", "ab* frais"])
def test_bad_phrases_are_refused_at_load(bad: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        compile_phrase(bad)


def test_a_bad_signal_is_a_configuration_error() -> None:
    from smpp_gateway.checks import Pipeline, demo_account_policy

    config = ChecksConfig(
        phishing=PhishingConfig(
            extra_signals=[PhishingSignal(id="x", category="lure", pattern="~1 a", weight=1)]
        )
    )
    with pytest.raises(ValueError, match="must start with literal words"):
        Pipeline.from_config(config, demo_account_policy())


# --- scoring ---------------------------------------------------------------------------------

PHISHING_WITHOUT_LINKS = [
    "URGENT : votre compte est bloqué. Communiquez votre code confidentiel en réponse à ce SMS.",
    "Votre carte vitale expire demain. Appelez immédiatement le 0899 12 34 56 pour la renouveler.",
    "Votre colis est en attente. Réglez 1,99 EUR de frais de livraison sous 24h pour le recevoir.",
    "Dernier rappel : amende impayée. Régularisez sous 48h pour éviter une majoration.",
    "Your account has been suspended. Verify your account and update your payment details now.",
    "Votre remboursement CPF expire ce soir, confirmez vos coordonnées bancaires immédiatement.",
    "Suite à un impayé votre ligne sera suspendue. Réglez vos frais au 08 99 23 45 67.",
    "Colis bloqué en douane : frais de dédouanement à payer immédiatement.",
    "Bonjour maman, j'ai changé de numéro, peux-tu m'écrire sur WhatsApp ? C'est urgent",
    "Mise à jour obligatoire de vos informations bancaires pour éviter le blocage de votre compte.",
    "Activité inhabituelle sur votre compte. Transmettez-nous votre mot de passe pour vérification.",
    "Your parcel is on hold. Pay the customs fee now to release it.",
]


@pytest.mark.parametrize("text", PHISHING_WITHOUT_LINKS)
def test_phishing_texts_are_refused_even_without_a_link(text: str) -> None:
    result = run(message(text))
    assert rejected_by(result) == "content.phishing", result.findings
    assert "phishing score" in result.final.reason  # type: ignore[union-attr]


ADVICE = ("Ne communiquez jamais votre code.", "Never share your password.", "Ne le donnez à personne.")


@pytest.mark.parametrize("advice", ADVICE)
@pytest.mark.parametrize("text", PHISHING_WITHOUT_LINKS)
def test_security_advice_appended_to_a_scam_does_not_lower_its_score(text: str, advice: str) -> None:
    # The advice only cancels the code asks its own words make ("ne communiquez ... code"); a scam
    # that quotes it is scored on everything else.
    result = run(message(f"{text} {advice}"))
    assert rejected_by(result) == "content.phishing", result.findings


ORDINARY = [
    "Votre code de vérification est 482913. Il expire dans 10 minutes.",
    "Votre carte bancaire a été bloquée après 3 codes erronés. Contactez votre conseiller.",
    "Votre facture de mai est disponible. Paiement par prélèvement le 15/06.",
    "Rappel : votre rendez-vous est demain à 10h. Pour annuler, répondez ANNULER.",
    "Votre colis est en attente de retrait en point relais jusqu'au 12/06.",
    "Votre mot de passe a été modifié. Si ce n'est pas vous, contactez-nous au 01 23 45 67 89.",
    "Remboursement de 23,50 EUR effectué sur votre compte.",
    "Offre expire ce soir : -30% sur tout le site acme.fr ! STOP au 36123",
    "Votre abonnement expire dans 7 jours. Renouvelez-le dans votre espace client.",
    "Votre commande contient des articles soumis à des frais de douane. Le transporteur vous contactera.",
    "Votre remboursement de frais de livraison (4,90 EUR) a été effectué.",
    "Votre carte bancaire arrive à expiration, pensez à mettre à jour vos informations de paiement.",
    "ACME : votre colis est bloqué au centre de tri suite à une intempérie. Livraison décalée de 24h.",
    "Ne communiquez jamais votre code confidentiel ni vos identifiants, même à un conseiller.",
    "Votre nouveau numéro client est le 4471229. Conservez-le pour vos prochains échanges.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_texts_with_single_signals_pass(text: str) -> None:
    sender = "36123" if "STOP au" in text else "ACME"
    result = run(message(text, sender=sender))
    assert result.accepted, result.findings


PARCEL_FEES = "Votre colis est en attente : réglez les frais de livraison sur {link}"


def test_the_real_brand_with_its_registered_domain_passes() -> None:
    result = run(message(PARCEL_FEES.format(link="https://suivi.acme.fr/frais")))
    assert result.accepted, result.findings


def test_the_same_text_from_another_account_does_not() -> None:
    other = open_policy()  # declares no domain: acme.fr is foreign to it
    result = run(
        message(PARCEL_FEES.format(link="https://suivi.acme.fr/frais"), account="other"), policy=other
    )
    assert rejected_by(result) == "content.phishing"
    assert "link to suivi.acme.fr" in result.final.reason  # type: ignore[union-attr]


def test_brand_mentions_count_against_accounts_that_do_not_own_the_brand() -> None:
    text = "Ameli : votre dossier de remboursement est incomplet, reglez les frais de dossier."
    result = run(message(text))
    assert rejected_by(result) == "content.phishing"
    assert "mentions AMELI" in result.final.reason  # type: ignore[union-attr]


def test_categories_are_capped() -> None:
    # Many urgency words, nothing else: urgency alone never reaches the threshold.
    text = "URGENT urgent immédiatement dernier rappel, expire, suspendu, bloqué, sans délai"
    assert run(message(text)).accepted


def test_threshold_and_mode_are_per_account() -> None:
    text = PHISHING_WITHOUT_LINKS[0]
    lenient = open_policy(rules={"content.phishing": RuleSettings(threshold=50)})
    assert run(message(text), policy=lenient).accepted
    watching = open_policy(rules={"content.phishing": RuleSettings(mode="monitor")})
    result = run(message(text), policy=watching)
    assert result.accepted
    assert [(f.rule, f.mode) for f in result.findings] == [("content.phishing", "monitor")]


def test_operators_add_their_own_signals() -> None:
    signal = PhishingSignal(id="gold", category="lure", pattern="lingot*", weight=3)
    config = ChecksConfig(phishing=PhishingConfig(extra_signals=[signal]))
    text = "Investissez dans des lingots, réglez les frais d'ouverture immédiatement"
    assert run(message(text)).accepted
    result = run(message(text), config=config)
    assert rejected_by(result) == "content.phishing"
    assert "gold" in result.final.reason  # type: ignore[union-attr]
