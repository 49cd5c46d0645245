"""Content rules on characters and links: encoding abuse, shorteners, link domains."""

from __future__ import annotations

import pytest

from smpp_gateway.checks import ChecksConfig
from smpp_gateway.checks.analysis import encoding_issue

from .helpers import message, open_policy, rejected_by, run

# --- content.encoding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Votre commande est prête ! Livraison prévue à 14h.",
        "Soldes d’été : -50 % sur tout\u202f! STOP au 36123",  # typographic apostrophe, narrow NBSP
        "Joyeux anniversaire 🎉🎂 de la part de toute l’équipe",
        "Famille 👨\u200d👩\u200d👧 : emoji sequences use the zero-width joiner",
        "Привет! Ваш код 4821",  # a Russian text is not mixed scripts
        "Καλημέρα, ο κωδικός σας είναι 1234",
        "Ihr Code lautet 1234. Schöne Grüße",
    ],
)
def test_ordinary_texts_in_any_script_pass(text: str) -> None:
    assert encoding_issue(text) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Pay\u200bpal: confirmez vos informations", "invisible"),
        ("Votre colis\u2060 est bloqué", "invisible"),
        ("Facture \u202egnp.exe", "bidirectional"),
        ("Lien: \u2066evil.io\u2069", "bidirectional"),
        ("Votre compte pаypal est suspendu", "mixed scripts"),  # Cyrillic а inside a Latin word
        ("Votre compte раураl est suspendu", "mixed scripts"),  # Cyrillic, Latin l at the end
        ("Votre compte рауре est suspendu", "look-alike"),  # all Cyrillic, looks Latin
        ("𝐕𝐨𝐭𝐫𝐞 𝐜𝐨𝐦𝐩𝐭𝐞 est suspendu", "styled"),
        ("Ｖｏｔｒｅ compte", "styled"),
        ("ama\u200dzon: votre compte", "invisible"),  # a joiner between letters hides nothing good
    ],
)
def test_encoding_tricks_are_refused(text: str, why: str) -> None:
    result = run(message(text), policy=open_policy())
    assert rejected_by(result) == "content.encoding"
    assert why in result.final.reason  # type: ignore[union-attr]


# --- content.shortener ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link", ["bit.ly/3xYz", "https://tinyurl.com/abc", "t.co/x", "http://cutt.ly/a", "is.gd/q"]
)
def test_shortener_links_are_refused(link: str) -> None:
    result = run(message(f"Votre colis: {link}"), policy=open_policy())
    assert rejected_by(result) == "content.shortener"


def test_an_account_may_be_allowed_a_shortener() -> None:
    policy = open_policy(allowed_shorteners=["bit.ly"])
    assert rejected_by(run(message("Votre colis: bit.ly/3xYz"), policy=policy)) is None
    assert rejected_by(run(message("Votre colis: tinyurl.com/3xYz"), policy=policy)) == "content.shortener"


# --- content.url_domain -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Suivi : https://suivi.acme.fr/c/123",
        "-20% sur acme.fr ! STOP au 36123",
        "Votre espace : www.acme.fr/compte",
        "RDV confirmé, détails sur HTTPS://RDV.ACME.FR",
        "Écrivez-nous : contact@acme.fr",
    ],
)
def test_links_on_the_registered_domain_pass(text: str) -> None:
    sender = "36123" if "STOP" in text else "ACME"
    assert rejected_by(run(message(text, sender=sender))) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Suivi : https://acme-livraison.fr/c/1", "not registered"),
        ("Suivi: acme.fr.evil.io/c/1", "not registered"),
        ("https://acme.fr@evil.io/c", "deceptive link"),
        ("acme.fr@evil.io", "deceptive link"),
        ("http://192.168.0.12/pay", "IP address"),
        ("http://[2001:db8::1]/pay", "IP address"),
        ("http://xn--acm-bma.fr/x", "punycode"),
    ],
)
def test_links_off_the_registered_domain_are_refused(text: str, why: str) -> None:
    result = run(message(text))
    assert rejected_by(result) == "content.url_domain"
    assert why in result.final.reason  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Reglez sur paypal-securite.com", "PAYPAL"),
        ("https://paypal.com.verify-account.io/x", "PAYPAL"),
        ("amaz0n-fr.shop/x", "AMAZON"),
        ("ameli-remboursement.info/dossier", "AMELI"),
        ("https://xn--pypal-4ve.com/login", "PAYPAL"),  # punycode of "pаypal" (Cyrillic а)
        ("http://1.2.3.4/login", "IP address"),
    ],
)
def test_accounts_without_declared_domains_still_get_brand_and_ip_protection(text: str, why: str) -> None:
    result = run(message(text), policy=open_policy())
    assert rejected_by(result) == "content.url_domain"
    assert why in result.final.reason  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text", ["Infos sur service-public.fr", "Voir https://www.paypal.com/fr", "Menu: pizzeria-luigi.it"]
)
def test_accounts_without_declared_domains_may_link_anywhere_else(text: str) -> None:
    assert rejected_by(run(message(text), policy=open_policy())) is None


def test_deny_and_allow_lists() -> None:
    config = ChecksConfig(denied_domains=["evil.io"], allowed_domains=["service-public.fr"])
    assert (
        rejected_by(run(message("x: sub.evil.io/a"), policy=open_policy(), config=config))
        == "content.url_domain"
    )
    assert (
        rejected_by(run(message("Infos : www.service-public.fr/x"), config=config)) is None
    )  # demo declares acme.fr
    denied_too = open_policy(denied_domains=["acme-livraison.fr"])
    assert rejected_by(run(message("acme-livraison.fr/x"), policy=denied_too)) == "content.url_domain"
