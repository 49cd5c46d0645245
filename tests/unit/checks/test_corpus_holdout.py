# ruff: noqa: E501  (one message per line: the corpus is data)
"""A second corpus, written apart from test_corpus.py, to see whether the rules generalise.

None of its messages repeats test_corpus.py's. Ordinary traffic is what a French aggregator relays
for a client like the demo account: OTPs and 2FA in many phrasings, bank-like notices, deliveries,
appointments, school and public-service-like notices sent by ACME, campaigns from 36123 with their
STOP mention; amounts, dates, phone numbers, emoji, accents, capitals, typos and SMS spelling.
Fraud is brand spoofing, lookalike senders, phishing from the registered sender (foreign, risky or
disguised links, or no link at all: premium call-backs, requests for codes or bank details), lures
in French and English, high-cost destinations, marketing without its opt-out mention and evasive
characters. Each fraud case names the rules that may plausibly refuse it.

Each message runs alone (fresh counters) on a Wednesday at 11:00 in Paris.
"""

from __future__ import annotations

import pytest

from .corpus import DEST, ENCODING, LINK, MENTION, PHISH, SENDER, assert_passes, assert_refused_by_one_of

# fmt: off
# (sender, destination, text)
ORDINARY: list[tuple[str, str, str]] = [
    # one-time codes and 2FA
    ("ACME", "33612983410", "ACME - Code de confirmation : 734019"),
    ("ACME", "33678451290", "Voici votre code : 5521. Il est valable 5 min."),
    ("ACME", "33745120938", "Pour finaliser votre inscription, saisissez le code 309184 sur le site."),
    ("ACME", "33698120457", "Code ACME 880213 - ne le partagez jamais, même avec un conseiller."),
    ("ACME-FR", "33623874510", "Connexion à votre espace : code 4471 (expire à 11h12)."),
    ("ACME", "33655019284", "Votre code d'authentification est le 672 904."),
    ("ACME", "33761230984", "<#> Votre code ACME est 190345. Ne le donnez à personne. aB3xYz9Qw1"),
    ("ACME", "33687345102", "Code de validation de votre opération : 58 21 07"),
    ("ACME", "33612094387", "ACME : votre code de double authentification est 923411. Valable 3 minutes."),
    ("ACME", "33640918273", "Quelqu'un tente de se connecter à votre compte ACME. Si c'est vous, code : 650219. Sinon ignorez ce message."),
    ("ACME", "33778120934", "Ton code ACME : 4410 😉"),
    ("ACME", "33609871234", "CODE DE SECURITE ACME : 310987"),
    ("ACME", "33745098123", "ACME : code 7781 pour confirmer votre nouveau numéro de téléphone."),
    ("ACME", "33687120934", "Vous avez demandé à modifier votre adresse e-mail. Code de confirmation : 201934"),
    ("ACME", "33611029384", "Votre code à usage unique pour valider le virement de 250,00 € vers M. LEROY : 884120"),
    ("ACME", "4917612345678", "ACME: Ihr Bestätigungscode lautet 448120."),
    ("ACME", "393471234567", "ACME: il tuo codice di verifica è 720193"),
    ("ACME", "33634120987", "Use 583920 to sign in to ACME. This code expires in 10 minutes."),
    ("ACME", "33755987120", "Your ACME security code: 4409. Do not share it with anyone."),
    ("ACME", "33698302145", "Code: 918273 - ACME. Si vous n'avez rien demandé, ne tenez pas compte de ce SMS."),
    ("33700000001", "33612340987", "ACME : votre code PIN provisoire pour activer l'application est 8841."),
    ("ACME", "33623019845", "Vous vous êtes connecté depuis un nouvel appareil (iPhone, Lyon) le 11/06 à 10h58. C'était bien vous ? Sinon, appelez le 01 23 45 67 89."),
    ("ACME", "33662123847", "Ur code is 1234 lol jk it's 556102 - ACME"),
    ("ACME", "33687009123", "ACME : entrez le code 44 19 02 dans l'appli pour valider l'ajout de votre carte."),
    # bank-like transactional notices
    ("ACME", "33645091283", "ACME : paiement de 34,90 € accepté chez BOULANGERIE MARTIN le 11/06 à 08h12."),
    ("ACME", "33612874509", "Votre carte ACME a été bloquée suite à 3 saisies erronées du code. Elle sera débloquée automatiquement demain."),
    ("ACME", "33778451209", "Votre mot de passe ACME a bien été modifié. Vous n'êtes pas à l'origine de ce changement ? Appelez le 01 23 45 67 89."),
    ("ACME", "33609128734", "Votre relevé de compte de mai est disponible dans votre espace client ACME."),
    ("ACME", "33687451290", "Virement reçu : 1 250,00 € de SARL DUPONT. Nouveau solde : 2 318,45 €."),
    ("ACME", "33655120938", "Alerte solde : votre compte courant est à -45,20 € au 11/06. Pensez à l'approvisionner."),
    ("ACME", "33698451023", "Votre nouvelle carte ACME a été expédiée. Vous la recevrez sous 5 jours ouvrés par courrier."),
    ("ACME", "33612309871", "Prélèvement SEPA de 42,99 € (FREE MOBILE) prévu le 13/06 sur votre compte."),
    ("ACME", "33745091287", "Votre plafond de paiement a été relevé à 3 000 € jusqu'au 20/06 comme demandé."),
    ("ACME", "33623098127", "Paiement refusé : solde insuffisant. Montant : 89,00 €, le 11/06 à 10h41."),
    ("ACME", "33687120398", "Votre demande de prêt n°PR-20931 est acceptée. Les fonds seront versés sous 48h."),
    ("ACME", "33634098123", "Votre carte a été utilisée à l'étranger (Espagne, 62,00 €). Si ce n'est pas vous, faites opposition au 01 23 45 67 89."),
    ("ACME", "33761209384", "ACME : votre chéquier est disponible en agence Nantes Centre depuis le 10/06."),
    ("ACME", "33662981237", "Votre code confidentiel vous sera envoyé par courrier séparé sous 5 jours."),
    ("ACME", "33611298734", "Votre remboursement de 18,00 € a été crédité sur votre carte le 11/06."),
    ("ACME", "33678120934", "ACME : votre contrat d'assurance habitation est renouvelé au 01/07. Échéancier dans votre espace client."),
    ("ACME", "33640981276", "Échéance de votre crédit : 215,33 € prélevés le 15/06."),
    ("ACME", "33698127634", "Your ACME card ending 4421 was used for 120.00 EUR at FNAC PARIS. Not you? Call +33 1 23 45 67 89."),
    ("ACME", "33645120938", "Votre accès à la banque en ligne a été bloqué après 5 tentatives. Débloquez-le depuis l'appli ou au 01 23 45 67 89."),
    ("ACME", "33612091283", "Votre mot de passe expire dans 15 jours. Vous pourrez le changer à votre prochaine connexion sur acme.fr."),
    # deliveries and orders
    ("ACME", "33687109283", "Votre colis ACME arrive aujourd'hui entre 14h et 16h. Suivi en temps réel : https://acme.fr/t/A8B2C"),
    ("ACME", "33623091287", "Le livreur a déposé votre colis dans votre boîte aux lettres à 11h05."),
    ("ACME", "33662127834", "Colis n°FR209384 : votre livraison est reportée au 13/06 suite à un incident de transport. Nous nous en excusons."),
    ("38123", "33612983745", "Commande n°A-449120 confirmée : 3 articles, total 87,40 €. Merci pour votre achat !"),
    ("38123", "33678091234", "Votre commande est disponible en consigne ACME (gare de Lille), code d'ouverture : 829104. Valable 72h."),
    ("ACME", "33745129083", "Votre colis vous attend au point relais TABAC DU CENTRE, 3 place de la Mairie. Pensez à votre pièce d'identité."),
    ("ACME", "33609123487", "Votre livreur Karim arrive dans 10 min 🚚 Suivez-le : acme.fr/live/77120"),
    ("ACME", "33687091238", "Votre colis n'a pas pu être remis (absent). Il est disponible dès demain 14h en point relais."),
    ("38123", "33655091283", "Retour enregistré. Déposez votre colis avant le 25/06 dans un point relais avec le code retour RT88120."),
    ("ACME", "33611098234", "Votre commande a été annulée à votre demande. Le remboursement de 59,90 € interviendra sous 3 à 5 jours."),
    ("ACME", "33698123409", "Livraison de votre canapé : merci de confirmer le créneau de jeudi 8h-12h en répondant OUI ou NON."),
    ("ACME", "33623987120", "Your ACME order #55120 has shipped. Track it at https://www.acme.fr/track/55120"),
    ("ACME", "33761098234", "Colis livré ✅ Merci d'avoir choisi ACME ! Un souci ? contact@acme.fr"),
    ("ACME", "33662238741", "Bonjour, votre commande drive est prête. Retrait possible jusqu'à 20h ce soir."),
    # appointments, health, services
    ("ACME", "33612098347", "Rappel : votre RDV chez le dentiste est le jeudi 12 juin à 14h30. Merci d'arriver 10 min en avance."),
    ("ACME", "33678129034", "Cabinet ACME Santé : RDV confirmé le 16/06 à 9h avec Mme Bernard. En cas d'empêchement, appelez le 01 23 45 67 89."),
    ("ACME", "33745120987", "Votre prise de sang est prévue demain 7h45 au labo ACME, à jeun. Ordonnance et carte vitale à apporter."),
    ("ACME", "33623120984", "Bonjour, votre véhicule est prêt. Montant de l'intervention : 184,50 €. Garage ACME, ouvert jusqu'à 19h."),
    ("ACME", "33687120945", "Rappel de votre contrôle technique avant le 30/06. Prenez RDV sur acme.fr/ct"),
    ("ACME", "33655098127", "Votre intervention technicien est confirmée le 14/06 entre 8h et 12h. Merci de prévoir une personne présente."),
    ("ACME", "33611209834", "Salon ACME Coiffure : RDV demain 17h avec Julie. Répondez ANNULER pour annuler."),
    ("ACME", "33698091284", "Votre ordonnance est prête à la pharmacie ACME. Pensez à votre carte vitale et mutuelle."),
    ("ACME", "33634120983", "Le Dr Petit a du retard : votre consultation de 10h20 est décalée à 10h50. Veuillez nous excuser."),
    ("ACME", "33662127845", "Votre rdv de vaccination est confirmé le 18/06 à 11h, centre ACME, 4 av. Jean Jaurès."),
    # school and public-service-like notices sent by ACME
    ("ACME", "33612093478", "Collège ACME : votre enfant Léa était absente ce matin. Merci de justifier l'absence sur l'ENT."),
    ("ACME", "33678093412", "Mairie : en raison de travaux, la collecte des déchets est décalée au jeudi 12/06 dans votre rue."),
    ("ACME", "33745091238", "Cantine : le menu de la semaine est en ligne. Rappel : la facture de mai est à régler avant le 20/06 sur l'espace famille acme.fr."),
    ("ACME", "33623409128", "Réunion parents-professeurs le mardi 17 juin à 18h, salle polyvalente."),
    ("ACME", "33687239014", "Alerte météo : vigilance orange orages ce soir sur la commune. Évitez les déplacements."),
    ("ACME", "33655120984", "École ACME : sortie scolaire reportée au 20/06 à cause de la pluie. Pique-nique à prévoir."),
    ("ACME", "33611209387", "Piscine municipale fermée exceptionnellement samedi 14/06 pour entretien."),
    ("ACME", "33698120934", "Votre demande de carte de stationnement résident est acceptée. Retrait en mairie avec un justificatif."),
    ("ACME", "33634098127", "Coupure d'eau prévue le 13/06 de 9h à 12h rue des Lilas pour travaux sur le réseau."),
    ("ACME", "33662123874", "Votre inscription au centre de loisirs pour juillet est validée. Facture disponible sur votre espace."),
    # subscriptions, accounts, misc transactional
    ("ACME", "33612987123", "Bienvenue ! Votre abonnement ACME Premium démarre aujourd'hui. 1er prélèvement de 9,99 € le 11/07."),
    ("ACME", "33678120398", "Votre période d'essai se termine le 15/06. Sans action de votre part, l'abonnement se poursuit à 4,99 €/mois."),
    ("ACME", "33745123098", "Votre facture ACME de juin (32,50 €) sera prélevée le 05/07. Détail sur acme.fr/factures"),
    ("38123", "33623098412", "Votre consommation data atteint 80% de votre forfait. Recharge possible sur acme.fr/recharge"),
    ("ACME", "33687123409", "Votre résiliation est bien prise en compte. Fin de contrat le 30/06. Merci d'avoir été client."),
    ("ACME", "33655123098", "Merci pour votre message ! Un conseiller vous rappelle aujourd'hui avant 18h."),
    ("ACME", "33611098723", "Votre dossier SAV n°88120 : la réparation est terminée, votre appareil vous attend en magasin."),
    ("ACME", "33698123098", "Bonjour, suite à votre appel, voici le lien pour déposer vos justificatifs : https://espace.acme.fr/docs"),
    ("ACME", "33634123987", "ACME : votre paiement en 3 fois est accepté. Prochaine échéance : 33,30 € le 11/07."),
    ("ACME", "33662981234", "Votre adresse de livraison a bien été mise à jour."),
    ("ACME", "33612309487", "Votre billet ACME Rail : Paris -> Lyon, le 14/06, départ 7h56, voiture 12 place 45."),
    ("ACME", "33678098123", "Votre vol AC123 est retardé, nouvel horaire de départ : 15h40. Embarquement porte B12."),
    ("ACME", "33745987123", "Hello! Your ACME account password was changed on 11 June at 10:15. If this wasn't you, contact us at support@acme.fr"),
    ("ACME", "33623987412", "Votre demande de remboursement de frais (note n°4412, 56,80 €) a été validée par votre manager."),
    ("ACME", "33687098412", "Votre réservation à l'hôtel ACME Marseille est confirmée du 20 au 22/06. Check-in dès 15h."),
    ("ACME", "33655987123", "Votre solde de points fidélité : 1 250 pts, soit 12,50 € à utiliser avant le 31/12."),
    ("ACME", "33611987234", "Votre compte ACME sera supprimé le 30/06 comme demandé. Vous pouvez annuler depuis l'appli d'ici là."),
    ("ACME", "33698098123", "Slt ! C ACME, ta commande é prete, passe la chercher qd tu veux 😊"),
    ("ACME", "33634987123", "Merci pr votre achat. Votre garantie est activee jusqu au 11/06/2027. Conservez votre ticket."),
    ("ACME", "33662987123", "Nouveau message de votre conseiller dans votre messagerie sécurisée ACME."),
    ("33700000001", "33612098734", "Bonjour, c'est ACME : votre devis de 1 240 € est prêt, je vous rappelle demain matin. Cordialement, Paul"),
    ("ACME", "33678987123", "Votre état des lieux est fixé au 28/06 à 10h. Pensez à rendre les clés et les badges."),
    # notices that carry words phishing also uses, from the real sender and about its own business
    ("ACME", "33612450981", "ACME ne vous demandera jamais votre code confidentiel ni vos identifiants, par SMS comme par téléphone."),
    ("ACME", "33678450982", "ALERTE FRAUDE : des escrocs se font passer pour ACME. Ne communiquez jamais vos codes, même à un conseiller."),
    ("ACME", "33745450983", "Mot de passe oublié ? Réinitialisez-le sur https://acme.fr/mdp"),
    ("ACME", "33623450984", "Votre colis est en attente au point relais depuis 5 jours. Sans retrait avant le 14/06, il sera retourné à l'expéditeur."),
    ("ACME", "33687450985", "Le remboursement des frais de livraison (4,90 €) a été effectué sur votre carte bancaire."),
    ("ACME", "33655450986", "Votre compte a été bloqué temporairement suite à 3 tentatives de connexion. Réinitialisez votre mot de passe depuis l'appli ACME."),
    ("ACME", "33611450987", "Opération inhabituelle sur votre carte : achat de 450 € chez ZALANDO. Si vous la reconnaissez, ignorez ce message, sinon appelez le 01 23 45 67 89."),
    ("ACME", "33698450988", "ACME : votre accès est verrouillé après 3 tentatives. Pour le débloquer, appelez le 01 23 45 67 89 (appel non surtaxé)."),
    ("ACME", "33634450989", "Dernier rappel : votre facture ACME de 89,90 € reste impayée. Réglez-la sur acme.fr/payer pour éviter la suspension de votre ligne."),
    ("ACME", "33662450990", "Dernier rappel : votre facture de 89,90 € reste impayée. Contactez-nous au 01 23 45 67 89 pour éviter la suspension de votre ligne."),
    ("ACME", "33612450991", "Dernier rappel : votre colis est en attente au point relais jusqu'à demain, ensuite il repart chez l'expéditeur."),
    ("ACME", "33678450992", "Votre abonnement a été suspendu suite à un impayé. Régularisez votre situation sur acme.fr/compte."),
    ("ACME", "33745450993", "Your ACME parcel is on hold at the pickup point until Friday. Please bring your ID."),
    ("ACME", "33623450994", "Reminder: your ACME invoice is overdue. Pay now at acme.fr/pay to avoid suspension."),
    ("ACME", "33687450995", "Pensez à mettre à jour vos coordonnées dans votre espace client acme.fr avant le 30/06."),
    ("ACME", "33655450996", "Collège ACME : les frais de cantine du trimestre (142 €) sont à régler avant le 15/07."),
    ("ACME", "33611450997", "URGENT : votre RDV de demain 9h est annulé, le Dr Martin est absent. Merci de rappeler le cabinet au 01 23 45 67 89."),
    ("ACME", "33698450998", "Votre mot de passe temporaire est Xk7pq2. Vous devrez le changer à la première connexion."),
    ("ACME", "33634450999", "Votre carte vitale a été mise à jour en pharmacie. Votre remboursement de 12,50 € sera effectué sous 5 jours."),
    ("ACME", "33662451000", "Votre espace client sera suspendu pendant la maintenance du site, ce soir de 23h à 1h. Merci de votre compréhension."),
    ("ACME", "33612451001", "ACME : suite à votre appel, saisissez votre code confidentiel sur le terminal de paiement uniquement, jamais ailleurs."),
    ("ACME", "33678451002", "Votre remboursement de 63,20 € est en attente de validation par notre service, vous serez prévenu sous 48h."),
    ("ACME", "33745451003", "Une facture de 120 € est en retard de paiement. Merci de régulariser rapidement depuis votre espace client sur acme.fr."),
    ("ACME", "33623451004", "Colis en attente de livraison : notre livreur repasse demain avant 13h. Aucune action de votre part n'est nécessaire."),
    ("ACME", "33687451020", "Votre livreur arrive avant 13h. Communiquez-lui le code 5521 pour recevoir votre colis."),
    ("ACME", "33655451021", "Votre colis est en attente. Donnez le code 8812 au commerçant pour le retirer."),
    ("38123", "33611451022", "Pour valider votre commande, répondez à ce SMS avec le code 4412 avant 18h."),
    ("ACME", "33698451023", "Ne donnez jamais le code reçu par SMS : un conseiller ACME ne vous le demandera jamais."),
    ("ACME", "33634451024", "Le code que vous allez recevoir sert à valider votre paiement. Ne le donnez à personne."),
    ("ACME", "33662451025", "Rdv pris . info au 01 23 45 67 89"),
    ("ACME", "33612451026", "Merci de répondre rapidement avec vos disponibilités pour l'intervention du technicien."),
    ("ACME", "33678451027", "Votre compte présente une anomalie de facturation, un conseiller vous contactera cette semaine."),
    ("ACME", "33745451028", "Your ACME delivery arrives today before 6pm. Give the code 4471 to the driver."),
    # marketing from 36123 with the opt-out mention
    ("36123", "33612093841", "ACME : -25% sur tout le rayon jardin jusqu'à dimanche ! En magasin et sur acme.fr STOP au 36123"),
    ("36123", "33678091283", "🎉 C'est la fête des mères chez ACME : un cadeau offert dès 40 € d'achat. STOP au 36123"),
    ("36123", "33745091284", "VENTES FLASH ACME : jusqu'à -60% pendant 48H seulement ! acme.fr/flash STOP 36123"),
    ("36123", "33623091287", "Votre magasin ACME Toulouse fête ses 10 ans : 10% offerts samedi sur présentation de ce SMS. STOP SMS au 36123"),
    ("36123", "33687091234", "Offre réservée aux membres : livraison offerte dès 1 € avec le code LIVRAISON. Stop 36123"),
    ("36123", "33655091287", "Les soldes d'été commencent mercredi 25/06 à 8h chez ACME ! Accès anticipé pour vous dès mardi. STOP au 36123"),
    ("36123", "33611093248", "ACME : votre bon de 5 € expire dimanche, profitez-en vite ! STOP au 36123"),
    ("36123", "33698091283", "Nouveauté ACME : la box petit-déj livrée chez vous dès 7h ☕ 1ère box à 9,90 € sur acme.fr/box STOP au 36123"),
    ("36123", "33634091287", "ACME Sport : -30% sur les vélos ce week-end seulement. Rdv en magasin ! STOP 36 123"),
    ("36123", "33662091238", "Last days: 2 for 1 on all summer items at acme.fr! Text STOP to 36123 to opt out"),
    ("36123", "33612091287", "Jeu concours ACME : tentez de gagner un séjour à Biarritz sur acme.fr/jeu (règlement sur le site). STOP au 36123"),
    ("36123", "33678091287", "Ce soir, nocturne chez ACME jusqu'à 22h avec animations et dégustations ! STOP au 36123"),
    ("36123", "33745091287", "Votre avis nous intéresse : 2 min pour répondre et 5 € de réduction à la clé → acme.fr/sondage STOP au 36123"),
    ("36123", "33623091248", "RENTRÉE ACME : les fournitures scolaires à prix mini, listes préparées en 24h en magasin. STOP au 36123"),
    ("36123", "33687091287", "Parrainez un ami et recevez 20 € chacun : acme.fr/parrain. STOP au 36123"),
    ("36123", "33655091234", "ACME : frais de port offerts ce week-end sur toute la boutique acme.fr 📦 STOP au 36123"),
    ("36123", "33611091287", "Bonjour Sophie, vos 15 € de fidélité vous attendent en magasin jusqu'au 30/06. STOP au 36123"),
    ("36123", "33698091287", "-15% sur les lunettes de soleil 😎 chez ACME Optique avec le code SOLEIL15. Pour ne plus recevoir nos SMS : STOP au 36123"),
    ("36123", "4915112345678", "ACME: free shipping all weekend on acme.fr. STOP to 36123"),
    ("36123", "33634091234", "Dernier jour pour profiter de -20% sur l'électroménager chez ACME ! STOP au 36123"),
    ("36123", "33662091287", "acme : nouvelle collection dispo en magasin et sur acme.fr, venez vite la découvrir !! stop au 36123"),
]

# (sender, destination, text, rules that may plausibly refuse it)
FRAUD: list[tuple[str, str, str, frozenset[str]]] = [
    # protected brands as senders
    ("AMELI", "33612093874", "Votre nouvelle carte vitale est disponible. Finalisez votre demande sur ameli-carte-vitale.com", SENDER),
    ("IMPOTS", "33678093481", "DGFIP : un trop-perçu de 267,34 € vous est dû. Remplissez le formulaire : impots-remb.fr", SENDER),
    ("ANTAI", "33745093841", "Avis de paiement : amende de 35 € non réglée. Majoration à 75 € sous 48h.", SENDER),
    ("LAPOSTE", "33623093841", "Votre colis n'a pas pu être livré, programmez une nouvelle livraison.", SENDER),
    ("CHRONOPOST", "33687093841", "Chronopost : votre colis XP20931 est en attente de paiement des frais de livraison (1,49 €).", SENDER),
    ("DHL", "33655093841", "DHL Express: your shipment is waiting for customs clearance.", SENDER),
    ("PAYPAL", "33611093841", "PayPal : une connexion inhabituelle a été détectée.", SENDER),
    ("AMAZON", "33698093841", "Amazon : votre compte Prime va être renouvelé pour 69,90 €.", SENDER),
    ("NETFLIX", "33634093841", "Netflix : votre paiement a échoué, votre compte sera suspendu.", SENDER),
    ("CAF", "33662093841", "CAF : vous pouvez bénéficier d'une aide exceptionnelle de 150 €.", SENDER),
    ("Colissimo", "33612093847", "Votre colis est en attente de livraison.", SENDER),
    ("BNP", "33678093847", "BNP Paribas : nouvel appareil ajouté à votre compte.", SENDER),
    ("Boursorama", "33745093847", "Une opération de 980 € est en attente de validation.", SENDER),
    # lookalike senders
    ("PAYPA1", "33623093847", "Votre compte a été limité.", SENDER),
    ("AMAZ0N", "33687093847", "Votre commande #402-11 est en attente de paiement.", SENDER),
    ("IMP0TS", "33655093847", "Votre déclaration présente une anomalie.", SENDER),
    ("LA-POSTE", "33611093847", "Votre colis est retenu au centre de tri.", SENDER),
    ("ChronoPostF", "33698093847", "Votre colis sera livré demain.", SENDER),
    ("N3TFLIX", "33634093847", "Votre abonnement est suspendu.", SENDER),
    ("АМЕLI", "33662093847", "Votre dossier est en cours de traitement.", SENDER),
    ("ＡＭＡＺＯＮ", "33612093849", "Votre commande a été expédiée.", SENDER),
    ("DHL-INFO", "33678093849", "Votre colis arrive.", SENDER),
    ("SECURE-LCL", "33745093849", "Nouvelle connexion détectée.", SENDER),
    ("CREDITAGR1", "33623093849", "Votre carte a été bloquée.", SENDER),
    ("AMELI-FR", "33687093849", "Mise à jour de vos informations requise.", SENDER),
    ("ORANGE24", "33655093849", "Votre facture est disponible.", SENDER),
    ("C0LISSIM0", "33611093849", "Votre colis est en attente.", SENDER),
    # phishing from the registered sender with a foreign, risky or disguised link
    ("ACME", "33698093849", "Votre colis est en attente. Confirmez l'adresse de livraison : suivi-colis-fr.com/xp", LINK),
    ("ACME", "33634093849", "Votre compte ACME sera fermé. Vérifiez votre identité sur https://acme-securite.net/verif", LINK),
    ("ACME", "33662093849", "Remboursement de 74,20 € en attente : http://remb-acme.info", LINK),
    ("ACME", "33612093851", "Connectez-vous pour débloquer votre carte : https://acme.fr@acme-login.xyz/auth", LINK),
    ("ACME", "33678093851", "Activité suspecte. Sécurisez votre compte : http://91.121.44.7:8080/acme", LINK),
    ("ACME", "33745093851", "Votre espace client a expiré : https://xn--acm-ema.fr/login", LINK),
    ("ACME", "33623093851", "Votre colis est bloqué, suivi : bit.ly/3xYzAcme", LINK),
    ("ACME", "33687093851", "Paiement refusé, mettez à jour votre carte : cutt.ly/acme-cb", LINK),
    ("ACME", "33655093851", "Carte vitale : faites votre demande avant le 30/06 sur carte-vitale-renouvellement.fr", LINK),
    ("ACME", "33611093851", "Votre compte est suspendu, réactivez-le sur acme.fr.securite-compte.com", LINK),
    ("ACME", "33698093851", "ACME : votre colis vous attend, frais de 1,99 € à régler sur acme.fr-livraison.com", LINK),
    ("ACME", "33634093851", "Dernier avis avant poursuites : réglez votre amende sur antai-paiement.info", LINK),
    ("ACME", "33662093851", "Your parcel could not be delivered. Reschedule at parcel-redelivery.com/fr", LINK),
    ("ACME", "33612093853", "Vous avez un remboursement CAF de 312 € : www.caf-aides.org", LINK),
    ("ACME", "33678093853", "Suivi de votre colis : https://paypal.com.verify-session.io", LINK),
    ("ACME", "33745093853", "Confirmez votre identité : https://www.acme.fr.login.secure-acme.top/", LINK),
    ("ACME", "33623093853", "Votre compte sera désactivé. Connectez-vous ici : https://192.168.10.4/acme", LINK),
    ("ACME", "33687093853", "Votre colis est en attente de dédouanement : tinyurl.com/douane-acme", LINK),
    ("ACME", "33655093853", "Compte bloqué. Débloquez-le : acme.fr.xn--scurit-bva.com", LINK),
    ("ACME", "33611093853", "Votre facture impayée : www . acme-facture . com", PHISH | LINK),
    # phishing without a link
    ("ACME", "33698093853", "Votre compte présente une anomalie. Rappelez d'urgence le 08 99 10 20 30.", PHISH),
    ("ACME", "33634093853", "Colis en attente de livraison : contactez le 0899 45 67 89 avant 18h.", PHISH),
    ("ACME", "33662093853", "Conseiller ACME : pour annuler l'opération frauduleuse, répondez à ce SMS avec le code que vous allez recevoir.", PHISH),
    ("ACME", "33612093855", "Pour recevoir votre remboursement, envoyez vos coordonnées bancaires en réponse à ce message.", PHISH),
    ("ACME", "33678093855", "Afin de sécuriser votre compte, merci de nous communiquer votre code secret par retour de SMS.", PHISH),
    ("ACME", "33745093855", "Votre CPF : 1 860 € de droits expirent le 30/06. Rappelez vite le 09 74 12 34 56 pour les utiliser.", PHISH),
    ("ACME", "33623093855", "Amende impayée : une majoration de 90 € sera appliquée. Régularisez au 0 899 23 11 00.", PHISH),
    ("ACME", "33687093855", "Impots.gouv : vous avez droit à un remboursement de 312,40 €. Répondez avec votre IBAN pour le recevoir.", PHISH),
    ("ACME", "33655093855", "Maman, j'ai cassé mon téléphone, c'est mon nouveau numéro. Écris-moi sur WhatsApp stp", PHISH),
    ("ACME", "33611093855", "Votre compte Netflix a été suspendu suite à un échec de paiement. Appelez le 0899 71 20 20.", PHISH),
    ("ACME", "33698093855", "Your bank account has been locked. Reply with your card number and PIN to unlock it.", PHISH),
    ("ACME", "33634093855", "Tax refund of 420 EUR pending. Reply with your card details to receive it.", PHISH),
    ("ACME", "33662093855", "Investissez 250 € en bitcoin aujourd'hui et gagnez 5 000 € en une semaine ! Rappelez le 0899 30 30 30", PHISH),
    ("ACME", "33612093857", "Votre carte vitale arrive à expiration. Envoyez une copie de votre pièce d'identité et votre RIB en réponse.", PHISH),
    ("ACME", "33678093857", "Un colis vous attend. Des frais de douane de 2,99 € sont à régler par carte bancaire au 08 92 70 12 12.", PHISH),
    ("ACME", "33745093857", "ACME : opération suspecte de 1 299 €. Pour l'annuler, communiquez-nous immédiatement le code reçu par SMS.", PHISH),
    # more phishing
    ("ACME", "33612451005", "Votre colis est en attente : acme-suivi.fr/c?id=8812", LINK),
    ("ACME", "33678451006", "Vous avez reçu un paiement de 150 € sur Leboncoin. Validez la réception : leboncoin-paiement-securise.com", LINK),
    ("ACME", "33745451007", "Un remboursement de 34,99 € vous attend, cliquez : https://acme.fr.remb.cc", LINK),
    ("38123", "33623451008", "CRIT'AIR : votre vignette expire. Commandez-la sur certificat-air-gouv.info", LINK),
    ("ACME", "33687451009", "USPS: Your package is held at our warehouse. Confirm your address: usps-redelivery.top", LINK),
    ("ACME", "33655451010", "HMRC: You are due a tax refund of 215.50 GBP. Claim now at hmrc-refund.uk.com", LINK),
    ("ACME", "33611451011", "Suivi de votre colis : acme.fr@colis-fr.top/suivi", LINK),
    ("ACME", "33698451012", "Confirmez votre paiement : http://3105845517/acme", LINK),
    ("ACME", "33634451013", "Votre colis : rb.gy/acm3x", LINK),
    ("ACME", "33662451014", "Connectez-vous : https://аcme.fr/login", ENCODING | LINK),
    ("ACME", "33612451015", "Bonjour, c'est le service fraude ACME. Un conseiller va vous appeler : donnez-lui le code que vous recevrez par SMS pour bloquer l'opération.", PHISH),
    ("ACME", "33678451016", "Crypto : votre portefeuille contient 0,42 BTC non réclamés. Contactez le 0899 66 77 88 sous 24h.", PHISH),
    ("ACME", "33745451017", "Félicitations ! Vous avez gagné un iPhone 15. Pour le recevoir, réglez 2 € de frais de port au 0899 12 34 56.", PHISH),
    ("ACME", "33623451018", "Votre ligne sera suspendue sous 24h. Pour l'éviter, répondez avec votre numéro de carte et son cryptogramme.", PHISH),
    ("36123", "33687451019", "ACME : gagnez 500 € de bons d'achat en participant sur acme.fr/jeu !", MENTION),
    ("ACME", "33698451029", "Conseiller ACME : une opération de 890 € est en cours. Pour la bloquer, donnez-moi le code que vous venez de recevoir.", PHISH),
    ("ACME", "33634451030", "Votre remboursement est prêt. Répondez avec votre IBAN pour le recevoir sous 48h.", PHISH),
    ("ACME", "33662451031", "Please reply with your PIN to confirm your identity.", PHISH),
    ("ACME", "33612451032", "Vous avez un colis en attente, frais de livraison 1,99 € : www . colis-acme . fr", LINK),
    ("ACME", "33678451033", "Gagnez 10 000 € ! Appelez vite le 0899 88 77 66", PHISH),
    # high-cost and not allowed destinations
    ("ACME", "881631234567", "Votre code ACME : 402913", DEST),
    ("ACME", "88213901234", "Votre code ACME : 402914", DEST),
    ("ACME", "883510001234567", "Your ACME code: 402915", DEST),
    ("ACME", "870773123456", "Code 402916", DEST),
    ("ACME", "979123456780", "ACME : code 402917", DEST),
    ("ACME", "21698765432", "Votre code ACME : 402918", DEST),
    ("ACME", "5352123456", "ACME code 402919", DEST),
    # marketing from 36123 without the opt-out mention
    ("36123", "33623093857", "ACME : -30% sur tout le magasin ce week-end seulement !", MENTION),
    ("36123", "33687093857", "Soldes ACME : profitez de nos prix fous sur acme.fr", MENTION),
    ("36123", "33655093857", "Stop aux prix élevés ! Les promos ACME sont là sur acme.fr", MENTION),
    # invisible characters and mixed scripts
    ("ACME", "33611093857", "Votre com\u200bpte est sus\u200bpendu, vérifiez vos infos", ENCODING),
    ("ACME", "33698093857", "Mise à jour de votre соmрtе requise", ENCODING),
    ("ACME", "33634093857", "Votre colis est en attente : \u2066acme.fr\u2069", ENCODING),
    ("ACME", "33662093857", "ＰＡＹＥＺ vos frais de livraison", ENCODING),
]
# fmt: on

# Known misses, kept so that a later change that catches them is seen (strict xfail).
FRAUD_KNOWN_MISSES = [
    pytest.param(
        "ACME",
        "33745451034",
        "Ne communiquez jamais votre code, sauf à notre conseiller qui va vous appeler : donnez-lui le code reçu.",
        PHISH,
        marks=pytest.mark.xfail(
            strict=True,
            reason="the never_give advice cancels the code asks (relay_code, received_code): a scam that quotes the "
            "security advice and then contradicts it keeps no credential signal",
        ),
    ),
]


@pytest.mark.parametrize(("sender", "to", "text"), ORDINARY, ids=[f"ok-{i}" for i in range(len(ORDINARY))])
def test_ordinary_traffic_passes(sender: str, to: str, text: str) -> None:
    assert_passes(sender, to, text)


@pytest.mark.parametrize(
    ("sender", "to", "text", "rules"),
    [*FRAUD, *FRAUD_KNOWN_MISSES],
    ids=[f"fraud-{i}" for i in range(len(FRAUD) + len(FRAUD_KNOWN_MISSES))],
)
def test_fraud_is_refused(sender: str, to: str, text: str, rules: frozenset[str]) -> None:
    assert_refused_by_one_of(sender, to, text, rules)


def test_the_holdout_is_big_enough() -> None:
    assert len(ORDINARY) >= 100
    assert len(FRAUD) >= 70
