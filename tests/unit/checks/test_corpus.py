# ruff: noqa: E501  (one message per line: the corpus is data)
"""A corpus of ordinary and fraudulent traffic for the demo account, through the default pipeline.

Every ordinary message must pass (a false rejection costs as much as a miss), every fraudulent one
must be refused. The corpus was written for this test, not taken from the rules: it mixes what a
French A2P aggregator sees (OTPs, notices, reminders, campaigns from the 36xxx short code) with
the spoofing, phishing and AIT patterns of domain.md, in French and English.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from smpp_gateway.checks import DuplicateState, InMemoryOptOutList, PhoneCache, VelocityState
from smpp_gateway.message import Address, Message, MessageClass

from .helpers import WEDNESDAY_11H_PARIS, context, message, pipeline, rejected_by

# fmt: off
# (sender, destination, text)
ORDINARY: list[tuple[str, str, str]] = [
    ("ACME", "33612345678", "Votre code est 123456"),
    ("ACME", "33698765432", "Votre code de vérification ACME : 482913. Il expire dans 10 minutes."),
    ("ACME", "33755512345", "482913 est votre code de connexion. Ne le communiquez à personne."),
    ("ACME", "33645678901", "ACME : utilisez le code 7731 pour valider votre paiement de 49,90 €."),
    ("ACME-FR", "33611223344", "Code de sécurité : 902211. Si vous n'êtes pas à l'origine de cette demande, ignorez ce SMS."),
    ("ACME", "4915123456789", "Your ACME verification code is 551203. It expires in 5 minutes."),
    ("ACME", "32470123456", "ACME: 318842 is your one-time code. Never share it, we will never ask for it."),
    ("ACME", "34612345678", "Tu código ACME es 661902"),
    ("33700000001", "33678012902", "Votre code d'accès temporaire est 4471-2290."),
    ("ACME", "590690123456", "Votre code ACME : 120934 (valable 15 min)."),
    ("ACME", "33612345678", "Votre colis ACME n°2836290 est en cours de livraison. Suivi : https://suivi.acme.fr/c/2836290"),
    ("38123", "33698765432", "Bonne nouvelle : votre commande 44718 a été expédiée ! Suivez-la sur acme.fr/suivi"),
    ("ACME", "33755512345", "Votre colis est en attente de retrait dans votre point relais jusqu'au 18/06. Infos : acme.fr/relais"),
    ("ACME", "33645678901", "Livraison prévue demain entre 9h et 13h. Absent ? Modifiez le créneau sur www.acme.fr/livraison"),
    ("38123", "33611223344", "Votre commande est prête ! Retrait en magasin ACME Lyon Part-Dieu jusqu'au 21/06."),
    ("ACME", "262692123456", "Votre colis a été livré ce jour à 14h12. Merci de votre confiance, l'équipe ACME."),
    ("ACME", "33650007506", "Retour accepté : votre remboursement de 23,50 € sera effectué sous 5 jours ouvrés."),
    ("ACME", "33749558127", "Votre facture de mai est disponible dans votre espace client : https://www.acme.fr/compte"),
    ("ACME", "33606420545", "Des frais de livraison de 4,90 € s'appliquent aux commandes de moins de 25 €. Détails sur acme.fr"),
    ("ACME", "33760727315", "Votre colis n'a pas pu être livré. Nouveau passage demain, ou retrait au bureau de poste."),
    ("ACME", "33683549272", "Rappel : RDV le 12/06 à 10h30 chez ACME Santé, 12 rue de la Paix. Pour annuler, répondez ANNULER."),
    ("ACME", "33766902179", "Bonjour M. Dupont, votre rendez-vous avec le Dr.Martin est confirmé demain à 9h15."),
    ("ACME", "33650467573", "Rappel : votre véhicule est à déposer au garage ACME lundi 8h. Contact : 01 23 45 67 89"),
    ("38123", "33683259199", "Votre abonnement ACME expire dans 7 jours. Renouvelez-le depuis votre espace client."),
    ("ACME", "33603824065", "Votre réservation n° RX-4471 est confirmée pour 2 personnes le 14/06 à 20h."),
    ("ACME", "33745947032", "Votre mot de passe a été modifié le 11/06 à 10:42. Si ce n'est pas vous, contactez-nous au 01 23 45 67 89."),
    ("ACME", "33651858647", "Votre carte de fidélité a été bloquée après 3 essais. Rendez-vous en magasin pour la réactiver."),
    ("ACME", "33612046415", "Paiement de 129,00 € accepté chez ACME. Référence : A-77812."),
    ("ACME", "33650543350", "Votre prélèvement du 15/06 (29,99 €) a bien été enregistré. Merci !"),
    ("ACME", "33682283596", "Bienvenue chez ACME ! Votre compte est activé. Écrivez-nous à contact@acme.fr pour toute question."),
    ("36123", "33612345678", "-20% ce week-end sur acme.fr ! STOP au 36123"),
    ("36123", "33698765432", "Soldes ACME : jusqu'à -50% sur une sélection, en magasin et sur www.acme.fr. STOP au 36123"),
    ("36123", "33755512345", "Nouveau chez ACME : la collection été est arrivée 🌞 acme.fr/ete Stop SMS 36123"),
    ("36123", "33645678901", "Dernière chance : l'offre -30% expire ce soir à minuit ! acme.fr/promo STOP 36123"),
    ("36123", "33611223344", "Joyeux anniversaire 🎂 ! 10 € offerts dès 50 € d'achat avec le code ANNIV10. STOP au 36 123"),
    ("36123", "33769836139", "Vente privée ACME : livraison gratuite jusqu'à dimanche sur shop.acme.fr. Désinscription : STOP au 36123"),
    ("36123", "33784660129", "ACME vous offre 2 places de cinéma pour tout achat en magasin ! Conditions sur acme.fr. STOP au 36123"),
    ("36123", "33789686309", "Black Friday : -40 % sur l’électroménager, uniquement en ligne → acme.fr/bf STOP 36123"),
    ("36123", "4915123456789", "ACME sale: up to 50% off this weekend at acme.fr. Reply STOP to 36123"),
    ("36123", "33685437710", "Ce samedi, portes ouvertes ACME Bordeaux : animations, goûter offert ! STOP au 36123"),
    ("ACME", "33757658437", "ACME : votre avis compte ! Donnez une note à votre dernière commande sur acme.fr/avis"),
    ("36123", "33771214365", "Fête des pères : la sélection ACME à prix doux, livrée avant dimanche si vous commandez sous 48h. STOP au 36123"),
]

# (sender, destination, text, why): why is only for the reader
FRAUD: list[tuple[str, str, str, str]] = [
    ("AMELI", "33612345678", "Votre carte vitale expire. Renouvelez-la sur ameli-renouvellement.info", "protected brand"),
    ("IMPOTS", "33698765432", "Vous avez droit à un remboursement de 312 EUR. Formulaire : impots-gouv-remboursement.com", "protected brand"),
    ("PAYPAL", "33755512345", "Votre compte est limité. Connectez-vous pour le rétablir.", "protected brand"),
    ("La Poste", "33645678901", "Votre colis est en attente, réglez les frais de réexpédition.", "protected brand"),
    ("AMAZ0N", "33611223344", "Votre commande a été annulée. Contactez le service client.", "lookalike 0/O"),
    ("PAYPAI", "33779854615", "Un paiement de 349 EUR est en cours. Si ce n'est pas vous, appelez le 01 84 60 12 12.", "lookalike l/I"),
    ("IMP0TS", "33685557681", "Dernier rappel avant majoration de 10%.", "lookalike 0/O"),
    ("раураl", "33623806321", "Votre compte est suspendu", "Cyrillic lookalike"),
    ("PAYPAL-FR", "33774696655", "Activité inhabituelle détectée sur votre compte.", "brand + affix"),
    ("NETFLIK", "33786057261", "Votre abonnement n'a pas pu être renouvelé. Mettez à jour vos informations.", "one edit"),
    ("CHRONOP0ST", "33652462618", "Votre colis sera livré aujourd'hui.", "lookalike"),
    ("SFR-INFO", "33754605936", "Votre facture est disponible.", "brand + affix"),
    ("ANTAI", "33605889515", "Avis de contravention : 35 EUR à régler avant le 20/06.", "protected brand"),
    ("C0LISSIMO", "33656436980", "Votre colis vous attend.", "lookalike"),
    ("ACME", "33754133058", "AMELI : votre carte vitale expire, appelez le 0899 123 456 pour la renouveler.", "brand mention + callback"),
    ("ACME", "33750411082", "Votre colis est en attente. Réglez 1,99 EUR de frais de livraison : colis-suivi.top/fr", "foreign link"),
    ("ACME", "33770556147", "Dernier rappel : amende impayée, réglez sous 24h sur bit.ly/antai-paiement", "shortener"),
    ("ACME", "33613435371", "Votre compte est suspendu, confirmez vos identifiants : https://acme.fr@secure-login.io/acme", "userinfo trick"),
    ("ACME", "33617440094", "Mise à jour requise : http://185.23.44.12/acme/login", "IP literal"),
    ("ACME", "33628557543", "Votre espace client : https://xn--acm-bma.fr/connexion", "punycode"),
    ("ACME", "33609767929", "Confirmez votre commande sur acme.fr.verification-client.com", "registered name in a foreign domain"),
    ("ACME", "33772387282", "Votre remboursement est prêt : www.acme-remboursement.fr", "foreign link"),
    ("ACME", "33684003363", "Colis bloqué en douane. Payez 2,99 € ici : tinyurl.com/colis-fr", "shortener"),
    ("ACME", "33782289827", "URGENT : votre compte est bloqué. Communiquez votre code confidentiel en réponse à ce SMS.", "credential ask"),
    ("ACME", "33776096258", "Votre CPF expire ce soir : 1500 EUR à utiliser immédiatement, confirmez vos coordonnées au 09 70 12 34 56.", "lure + urgency + ask"),
    ("ACME", "33643845531", "Your parcel is on hold. Pay the customs fee now to release it.", "English parcel scam"),
    ("ACME", "33783092636", "Your account has been suspended. Verify your account and update your payment details.", "English account scam"),
    ("ACME", "33652570800", "Suite à un impayé, votre ligne sera coupée. Réglez au 08 99 23 45 67.", "premium callback"),
    ("ACME", "33677026458", "Mme, votre dossier de remboursement Ameli est incomplet : réglez 1,50 EUR de frais de dossier.", "brand mention + fees"),
    ("ACME", "33789871438", "https://paypal.com.secure-verif.net/login : activité suspecte, connectez-vous sous 24h", "brand in subdomain"),
    ("ACME", "33605922464", "Dernier avis : votre vignette Crit'Air n'est pas réglée, pénalité de 135 EUR. Payez sous 48h au 0899 02 03 04.", "fine scam"),
    ("ACME", "33788681889", "Votre compte pаypal est suspendu, reconnectez-vous", "mixed scripts"),
    ("ACME", "33784359864", "Vérifiez votre compte sur acme\u200b.fr-secure.com", "zero-width"),
    ("ACME", "33615160086", "Facture disponible : \u202emoc.emca//:sptth", "bidi override"),
    ("ACME", "33757161734", "𝐕𝐨𝐭𝐫𝐞 𝐜𝐨𝐦𝐩𝐭𝐞 𝐞𝐬𝐭 𝐛𝐥𝐨𝐪𝐮é", "styled letters"),
    ("ACME", "8816123456789", "Votre code est 123456", "satellite IRSF range"),
    ("ACME", "882161234567", "Votre code est 123457", "international shared cost"),
    ("ACME", "979123456789", "Votre code est 123458", "international premium rate"),
    ("ACME", "870772001234", "Votre code est 123459", "Inmarsat"),
    ("ACME", "33899123456", "Votre code est 123460", "French premium rate number"),
    ("ACME", "2246012345", "Votre code est 123461", "country outside the account's"),
    ("ACME", "5351234567", "Votre code est 123462", "country outside the account's"),
    ("ACME", "447911123456", "Your code is 123463", "country outside the account's"),
    ("ACMEE", "33785553243", "Votre code est 123464", "unregistered sender"),
    ("33611112222", "33684175228", "Votre colis ACME arrive demain", "unregistered long number"),
]
# fmt: on


def _message(sender: str, to: str, text: str) -> Message:
    return message(text, sender=sender, to=to)


@pytest.mark.parametrize(("sender", "to", "text"), ORDINARY, ids=[f"ok-{i}" for i in range(len(ORDINARY))])
def test_ordinary_traffic_passes(sender: str, to: str, text: str) -> None:
    result = pipeline().run(_message(sender, to, text), context())
    assert result.accepted, result.findings


@pytest.mark.parametrize(
    ("sender", "to", "text", "why"), FRAUD, ids=[f"fraud-{i}" for i in range(len(FRAUD))]
)
def test_fraud_is_refused(sender: str, to: str, text: str, why: str) -> None:
    result = pipeline().run(_message(sender, to, text), context())
    assert rejected_by(result) is not None, why


def test_the_corpus_is_big_enough() -> None:
    assert len(ORDINARY) >= 40
    assert len(FRAUD) >= 40


def test_ordinary_traffic_passes_through_shared_state_in_one_go() -> None:
    # The same state objects for the whole corpus, two messages a second: no velocity or duplicate
    # rule may mistake a busy but ordinary minute for fraud.
    pipe = pipeline()
    state = {
        "optouts": InMemoryOptOutList(),
        "velocity": VelocityState(),
        "duplicates": DuplicateState(),
        "phones": PhoneCache(),
    }
    for i, (sender, to, text) in enumerate(ORDINARY * 2):
        ctx = context(WEDNESDAY_11H_PARIS + timedelta(seconds=i / 2), **state)
        result = pipe.run(_message(sender, to, text), ctx)
        assert result.accepted, (i, result.findings)


def test_an_ait_pump_of_fake_otps_is_throttled() -> None:
    # Fake sign-ups: OTPs to consecutive numbers of one range, ten a second.
    pipe = pipeline()
    velocity, duplicates = VelocityState(), DuplicateState()
    verdicts = []
    for i in range(60):
        otp = Message(
            account="demo",
            source=Address("ACME", 5, 0),
            destination=Address(f"3375612{i:04d}", 1, 1),
            text=f"Votre code est {400000 + i}",
            message_class=MessageClass.OTP,
        )
        ctx = context(
            WEDNESDAY_11H_PARIS + timedelta(seconds=i / 10), velocity=velocity, duplicates=duplicates
        )
        verdicts.append(rejected_by(pipe.run(otp, ctx)))
    assert verdicts[:7] == [None] * 7
    assert all(rule is not None and rule.startswith("velocity.") for rule in verdicts[10:])
