# ruff: noqa: E501  (one message per line: the corpus is data)
"""A third corpus for the demo account, in other styles than test_corpus.py and the holdout.

Ordinary traffic: multi-part notices (160-400 characters) with order and tracking references,
postal and e-mail addresses, amounts, dates and times in many formats; very short codes;
all-capitals and unaccented texts; texting abbreviations; campaigns from 36123 heavy with emoji
and their STOP mention at the start, in the middle or at the end; English, Spanish, German,
Italian and Dutch notices to EU numbers and notices to the overseas departments; links on acme.fr
with paths, queries, ports, capitals, subdomains, with and without scheme; words that scams use
too (remboursement, colis, frais, compte, carte, sécurité, urgent, expire, bloqué) and partners
or public services named in passing.
Fraud: multi-part scams with the link at the end, hosts spelled with spaces or in capitals,
lookalikes of the account's own domain, throwaway TLDs, "hi mum", job, lottery, romance and
crypto scams, fake advisers, CPF, Crit'Air, ANTAI, chèque énergie, tax refunds, marketplace
payment scams, scams from the account's registered short codes, spoofed and numeric senders,
high-cost and not allowed destinations, marketing without its opt-out mention.

Each message runs alone (fresh counters) on a Wednesday at 11:00 in Paris.
"""

from __future__ import annotations

import pytest

from .corpus import DEST, LINK, MENTION, PHISH, SENDER, assert_passes, assert_refused_by_one_of

FR = "33612345678"
DE = "4915123456789"
ES = "34612345678"
IT = "393471234567"
NL = "31612345678"
BE = "32470123456"

# fmt: off
# (sender, destination, text)
ORDINARY: list[tuple[str, str, str]] = [
    # very short codes
    ("ACME", "33611223344", "Code: 4412"),
    ("ACME", "33622334455", "4412 est votre code ACME"),
    ("ACME-FR", "33633445566", "CODE 881203"),
    ("ACME", "33644556677", "ACME: 552901"),
    ("ACME", "33655667788", "Votre code : 0012"),
    ("ACME", "33666778899", "Code retrait colis : 5581"),
    ("ACME", "33677889900", "ACME: Votre code est 123-456"),
    ("ACME", "33688990011", "ACME: 2FA code 410293"),
    ("33700000001", "33699001122", "G-301944 est votre code de verification ACME."),
    # codes in capitals, without accents, abbreviated, in other languages
    ("ACME", "33610203040", "Votre code de verification : 664102. Il expire dans 10 min."),
    ("ACME", "33620304050", "VOTRE CODE DE SECURITE ACME EST 730012. NE LE COMMUNIQUEZ A PERSONNE."),
    ("ACME", "33630405060", "slt! ton code acme c 5512, valable 5 min"),
    ("ACME", ES, "Your ACME verification code is 228104. It expires in 5 minutes."),
    ("ACME", ES, "ACME: tu codigo de verificacion es 310928. No lo compartas con nadie."),
    ("ACME", DE, "ACME: Ihr Code fur die Anmeldung: 774120. Gultig fur 10 Minuten."),
    ("ACME", IT, "ACME: codice 550192 per accedere. Non condividerlo con nessuno."),
    ("ACME", NL, "ACME: uw verificatiecode is 902134. Deel deze code met niemand."),
    ("ACME", BE, "ACME : votre code de connexion est 118204. Valable 3 minutes."),
    # long multi-part notices
    ("ACME", "33640506070", "Bonjour M. Martin, votre commande CMD-2025-AB12 a bien ete enregistree le 12/06. Montant : 12,90€. Vous recevrez un e-mail de confirmation a l'adresse indiquee lors de votre achat. Pour toute question : service-client@acme.fr ou 01 23 45 67 89 (du lundi au vendredi, 9h-18h)."),
    ("ACME", "33650607080", "Votre colis n°1Z999AA10123456784 a ete expedie. Livraison prevue lundi 16 juin entre 9h et 13h au 12 rue des Lilas, 75011 Paris. Suivez-le sur https://acme.fr/suivi?id=1Z999AA10123456784"),
    ("ACME", "33660708090", "Votre remboursement de EUR 12.90 pour la commande 458812 a ete effectue sur votre carte le 12.06.2025. Il apparaitra sur votre releve sous 3 a 5 jours ouvres selon votre banque."),
    ("ACME", "33670809010", "Colis ACME : votre commande 77120 est disponible en point relais (Tabac du Centre, 3 place de la Mairie, 69003 Lyon) jusqu'au 20/06. Munissez-vous d'une piece d'identite et du code de retrait 4821. Passe ce delai, le colis nous sera retourne et vous serez rembourse."),
    ("ACME", "33680901020", "Pour votre securite, votre carte a ete temporairement bloquee apres un paiement inhabituel de 12€90 sur un site marchand. Si vous etes a l'origine de cette operation, debloquez-la dans l'appli ACME. Sinon, appelez le 0800 123 456 (appel gratuit, 24h/24)."),
    ("ACME", "33760102030", "Securite : une connexion a votre compte a eu lieu le 11/06 a 10h02 depuis Chrome sur Windows. Si c'est bien vous, ignorez ce message. Sinon, changez votre mot de passe sur https://acme.fr/securite et contactez-nous au 01 23 45 67 89."),
    ("ACME", "33611203040", "Info ACME : suite a une intervention technique sur le reseau, votre service sera interrompu dans la nuit du mardi 17/06 au mercredi 18/06 de 2h a 4h. Aucune action n'est necessaire de votre part. Nous vous prions de nous excuser pour la gene occasionnee."),
    ("ACME", "33612304050", "Bonjour Mme Dupont, votre facture d'electricite de 87,45€ sera prelevee le 18/06. Consultez le detail sur https://acme.fr:443/espace/factures?id=F2506"),
    ("ACME", "33613405060", "Le paiement de votre facture n°F-2025-0612 (45,00 €) a echoue. Merci de mettre a jour votre moyen de paiement dans votre espace client sur acme.fr avant le prochain prelevement."),
    ("ACME-FR", "33614506070", "ACME-FR : votre dossier de pret immobilier avance ! Piece manquante : justificatif de domicile de moins de 3 mois. Deposez-le dans votre espace securise sur https://app.acme.fr/dossier. Votre conseillere, Mme Leroy, reste joignable au 01 23 45 67 89."),
    ("ACME", "33615607080", "Alerte fraude ACME : nous ne vous demanderons jamais votre code confidentiel, ni par SMS ni par telephone. En cas de doute, raccrochez et appelez le 0800 123 456."),
    ("ACME", "33616708090", "ACME SECURITE : une tentative de paiement de 249,00 EUR a ete refusee sur votre carte. Si vous etes a l'origine de l'achat, reessayez. Sinon, votre carte est deja protegee, aucune action n'est requise."),
    ("ACME", "33617809010", "ACME : un virement de 1 500,00 EUR vers FR76 **** 4521 est en attente de validation dans votre appli. Vous n'etes pas a l'origine de cette operation ? Appelez le +33 1 23 45 67 89."),
    ("ACME", "33618901020", "Bonjour, nous avons bien recu votre dossier de sinistre SIN-88120 du 10/06. Un expert vous contactera sous 48h au numero indique pour fixer un rendez-vous. Vous pouvez suivre l'avancement sur acme.fr/sinistres."),
    ("ACME", "33619012030", "ACME : pour des raisons de securite, ne communiquez jamais vos identifiants. Notre service client ne vous les demandera jamais, ni par SMS, ni par mail, ni par telephone."),
    ("ACME", DE, "ACME: Ihre Bestellung 88120 wurde versandt und wird voraussichtlich am Freitag, 13.06.2025 zugestellt. Sendungsverfolgung: https://acme.fr/de/sendung/88120 - Fragen? kundenservice@acme.fr"),
    ("ACME", ES, "ACME: tu pedido 55012 llegara manana entre las 9:00 y las 13:00. Sigue tu envio en acme.fr/es/pedido/55012. Si no estas en casa, el repartidor lo dejara en el punto de recogida mas cercano."),
    ("ACME", NL, "ACME: uw pakket wordt vandaag tussen 10:00 en 14:00 bezorgd. Volg uw zending via https://acme.fr/nl/track?c=NL8812"),
    ("ACME", IT, "ACME: il tuo ordine n. 44120 e' stato consegnato. Grazie per aver scelto ACME!"),
    ("ACME", BE, "ACME: your refund of EUR 45.00 has been processed and will appear on your card within 5 business days."),
    ("ACME", "4915211234567", "Your ACME order #A-55120 has shipped. Track it at https://ACME.FR/track/A-55120 - estimated delivery Thu 12/06 by 2:30pm."),
    ("ACME", NL, "Hi Anna, your appointment at ACME Amsterdam is confirmed for Friday 13 June at 11:00. Reply C to cancel."),
    ("ACME", ES, "Your ACME password was changed on 11/06 at 10:12. If this wasn't you, call us on +33 1 23 45 67 89."),
    # ordinary notices with words scams use too
    ("ACME", "33621324354", "Votre remboursement de 18,50€ a ete vire sur votre compte le 12/06."),
    ("ACME", "33622435465", "Suite a votre demande, le remboursement de vos frais de livraison (4,99€) a ete effectue."),
    ("ACME", "33623546576", "Vos frais de dossier (15,00 €) ont ete offerts pour l'ouverture de votre compte. Bienvenue chez ACME !"),
    ("ACME", "33624657687", "Votre carte ACME expire le 30/06. Votre nouvelle carte vous a ete envoyee par courrier, activez-la des reception depuis l'appli."),
    ("ACME", "33625768798", "Votre carte bancaire arrive a expiration fin juin. La nouvelle vous sera envoyee automatiquement, vous n'avez rien a faire."),
    ("ACME", "33626879809", "Votre compte client a ete bloque temporairement apres plusieurs tentatives de connexion. Il sera debloque automatiquement dans 30 minutes."),
    ("ACME", "33627980910", "Urgent : l'ecole sera fermee dmn en raison de la greve. Merci de venir chercher vos enfants a 11h30."),
    ("ACME", "33628091021", "URGENT : votre rdv de demain 9h est deplace a 10h30 suite a l'absence du technicien. Ne repondez pas a ce SMS, appelez le 01 23 45 67 89."),
    ("ACME", "33629102132", "Votre mot de passe provisoire vous a ete envoye a l'adresse j***@gmail.com. Il expire dans 24h."),
    ("ACME", "33631213243", "Votre colis est en attente au point relais depuis 5 jours. Il sera retourne a l'expediteur le 20/06 s'il n'est pas retire."),
    ("ACME", "33632324354", "Verification de votre identite terminee. Votre compte ACME est desormais actif."),
    ("ACME", "33633435465", "Votre commande a ete annulee et vous serez rembourse sous 5 jours. Ref : CMD-2025-XK88."),
    ("ACME", "33634546576", "Votre contrat expire le 30/06. Renouvellement automatique sauf resiliation avant le 20/06 sur acme.fr/contrat."),
    ("ACME", "33635657687", "Votre abonnement ACME Premium sera renouvele le 01/07 pour 9,99€/mois. Pour le modifier : acme.fr/compte/abonnement"),
    ("ACME", "33636768798", "ACME : votre facture de juin (29,99 €) est disponible sur https://app.acme.fr/factures. Prelevement le 15/06."),
    ("ACME", "33637879809", "Bienvenue chez ACME ! Votre compte est cree. Connectez-vous sur https://m.acme.fr pour completer votre profil."),
    ("ACME", "33638980910", "Vous avez 3 nouveaux messages dans votre messagerie securisee ACME. Consultez-les sur http://app.acme.fr/messages"),
    ("ACME", "33769091021", "Telechargez votre attestation d'assurance sur HTTPS://ACME.FR/Attestation/2025"),
    ("ACME", "33641102132", "Question sur votre commande ? Ecrivez-nous a contact@acme.fr en precisant votre numero de commande (ex : CMD-2025-AB12)."),
    ("ACME", "33642213243", "Votre retrait de 60,00€ au DAB ACME Bordeaux le 11/06 a 09h47 a bien ete enregistre."),
    ("ACME", "33643324354", "Paiement de 12€90 accepte chez ACME Drive, le 11/06 a 09h05."),
    ("ACME", "33644435465", "Compte ACME : nouvel appareil ajoute (Samsung Galaxy S23) le 11/06 a 10h15."),
    ("ACME", "33645546576", "Bonjour, suite a votre appel, votre conseiller ACME vous rappellera demain entre 10h et 12h. Bonne journee."),
    ("ACME", "33646657687", "Votre code d'acces au parking : 4521#. Valable le 12/06 de 8h a 20h."),
    ("ACME", "33647768798", "Votre reservation RES-4F7K2 est confirmee : 2 nuits, du 20/06 au 22/06, Hotel des Arts, 5 rue Chaptal, 75009 Paris."),
    ("ACME", "33648879809", "Votre demande de verification d'adresse a ete validee. Merci !"),
    ("ACME", "33649980910", "Portabilite : votre numero sera transfere chez ACME Mobile le 14/06 entre 9h et 12h. Ne coupez pas votre telephone."),
    ("ACME", "33651091021", "ACME Energie : votre releve de compteur est attendu avant le 20/06. Transmettez-le sur acme.fr/releve ou au 3639."),
    ("ACME", "33652102132", "Rappel rdv Dr Martin jeudi 12/06 a 14h30 au cabinet, 3 rue Pasteur. Pensez a votre carte Vitale et a votre mutuelle."),
    ("ACME", "33653213243", "Votre colis ACME a ete confie a La Poste. Numero de suivi : 6A12345678901. Livraison sous 48h."),
    ("ACME", "33654324354", "Rappel : votre rdv pour le renouvellement de vos droits est fixe au 18/06. Munissez-vous de votre attestation Ameli."),
    ("ACME", "33656435465", "Bonjour, c'est Julie de l'agence ACME Lille. Pouvez-vous me rappeler au 03 20 12 34 56 concernant votre dossier de location ? Merci"),
    ("ACME", "33657546576", "Rdv confirme : jeudi 12 juin a 2:30pm, ACME Store, 8 avenue Foch, 75116 Paris. Tel 01 23 45 67 89."),
    ("ACME", "33658657687", "Votre technicien ACME arrive dans 30 min. Merci d'etre present."),
    # texting style and capitals
    ("ACME", "33659768798", "RDV ok pour dmn 10h. A+"),
    ("ACME", "33661879809", "tkt, ta commande part dmn 👍 - ACME"),
    ("ACME", "33662980910", "Merci pour votre achat ! 😊"),
    ("ACME", "33663091021", "Stp rappelez-nous au 01 23 45 67 89 pour finaliser votre dossier. Merci, l'equipe ACME"),
    ("ACME", "33664102132", "Svp confirmez votre presence au rdv de jeudi en repondant OUI ou NON."),
    ("ACME", "33665213243", "VOTRE COMMANDE EST PRETE. RETRAIT EN MAGASIN AVANT SAMEDI 18H."),
    ("33700000001", "33666324354", "Votre livreur ACME : je suis devant chez vous, au 12 rue des Lilas. Je repasse dmn si vous etes absent."),
    # notifications from 38123
    ("38123", "33667435465", "Info trafic : votre train de 14h30 est supprime. Prenez le car de remplacement a 14h45, gare routiere."),
    ("38123", "33668546576", "Votre rendez-vous du 12/06 a 10h00 est confirme. Pour annuler, repondez ANNULER."),
    ("38123", "33669657687", "Alerte meteo vigilance orange : orages prevus ce soir a partir de 18h. Rentrez vos vehicules."),
    ("38123", "33671768798", "Votre paiement de 45,00€ a bien ete recu. Merci !"),
    ("38123", "33672879809", "Rappel : votre abonnement expire dans 3 jours. Renouvelez-le depuis l'appli ou sur acme.fr."),
    ("38123", "33673980910", "Coupure d'eau prevue le 13.06.2025 de 8h a 12h rue Victor Hugo. Merci de votre comprehension."),
    ("38123", "33674091021", "ACME Mutuelle : votre remboursement de 23,50€ pour les soins du 05/06 a ete vire sur votre compte. Detail sur acme.fr."),
    # overseas departments
    ("ACME", "262692123456", "ACME Reunion : votre colis est arrive a l'agence de Saint-Denis, 14 rue de Paris. Retrait du lundi au samedi 8h-17h."),
    ("ACME", "590690123456", "ACME Antilles : votre commande est disponible au depot de Baie-Mahault. Retrait avec le code 7712."),
    ("ACME", "596696123456", "Rappel rdv ACME Fort-de-France lundi 16 juin 9h. Pour decaler, appelez le 05 96 12 34 56."),
    ("ACME", "594694123456", "ACME Guyane : votre code de connexion est 448120."),
    # campaigns from 36123
    ("36123", "33675102132", "🎉🔥 SOLDES ACME 🔥🎉 -50% sur TOUT le rayon mode !! 👗👠 Jusqu'a dimanche seulement ➡️ acme.fr/soldes 🛍️ STOP 36123"),
    ("36123", "33676213243", "STOP 36123 pour ne plus recevoir nos offres. ACME : -20% sur votre prochaine commande avec le code ETE20 sur acme.fr"),
    ("36123", "33677324354", "ACME 🌞 Les beaux jours sont la ! Stop au 36123. Decouvrez notre collection ete sur https://www.acme.fr/ete?utm_source=sms&utm_campaign=ete25"),
    ("36123", "33678435465", "🍕 Ce soir c'est pizza ! 2 achetees = 1 offerte chez ACME avec le code PIZZA. STOP SMS 36123"),
    ("36123", "33679546576", "VENTE PRIVEE ACME : JUSQU'A -70% DES DEMAIN 8H SUR ACME.FR/VP. STOP 36123"),
    ("36123", "33681657687", "ACME : Bonne fete des peres ! 🎁 Livraison offerte jusqu'a dimanche sur acme.fr. Stop sms au 36123"),
    ("36123", "33682768798", "Newsletter ACME : impots 2025, ce qui change pour les independants. Nos conseils sur acme.fr/blog/impots-2025. STOP 36123"),
    ("36123", "33683879809", "Nouveau chez ACME : l'assurance telephone des 4,99€/mois. Infos : acme.fr/assurance. STOP au 36123"),
    ("36123", "33684980910", "ACME vous offre 10€ des 50€ d'achat avec le code MERCI10, valable jusqu'au 30/06 ! 🎁 https://acme.fr/offre STOP 36123"),
    ("36123", "33685091021", "Dernier jour ! ⏰ -30% sur les bijoux ACME, en boutique et sur acme.fr. STOP 36123"),
    ("36123", "33686102132", "👉 Jeu concours ACME : tentez de gagner un velo electrique ! Participez sur acme.fr/jeu avant le 30/06 🚲 STOP 36123"),
    ("36123", "33687213243", "ACME Black Friday en juin ?! Oui ! -40% sur l'electromenager 🔌 acme.fr/bf 📲 STOP 36123"),
    ("36123", "33688324354", "Profitez de 15% de remise sur votre 1ere commande sur l'appli ACME ! Telechargez-la : https://app.acme.fr/dl Stop au 36123"),
    ("36123", ES, "Hola! ACME rebajas: -30% en toda la tienda online hasta el domingo. acme.fr/es STOP 36123"),
    ("36123", "33689435465", "Cher client, les soldes d'ete arrivent le 25 juin : inscrivez-vous sur acme.fr pour un acces en avant-premiere. STOP au 36 123"),
    ("36123", "33761546576", "Derniere chance ⏳ les frais de port sont offerts jusqu'a ce soir minuit sur acme.fr ! STOP 36123"),
    ("36123", "33762657687", "ACME 💥 -10€ des 40€ avec le code JUIN10 🛒 acme.fr/promo?code=JUIN10 | Stop SMS 36123"),
    # pretexts that scams share with real notices
    ("ACME", "33615243546", "Votre conseiller ACME va vous appeler demain matin pour faire le point sur votre dossier de pret."),
    ("ACME", "33616354657", "Nous n'avons pas pu livrer votre colis : il est disponible des demain en point relais, 8 rue Nationale."),
    ("ACME", NL, "We were unable to deliver your parcel today. It is waiting at your nearest pickup point, see acme.fr/track"),
    ("ACME", "33617465768", "Info ACME : nos agences sont fermees samedi, nos conseillers restent joignables en teletravail au 01 23 45 67 89."),
    ("ACME", "33618576879", "Attention aux arnaques aux cryptomonnaies : ACME ne vous proposera jamais d'investir en bitcoin par SMS."),
    ("36123", "33619687980", "Jeu concours ACME : les gagnants peuvent reclamer leur lot en magasin jusqu'au 30/06. STOP 36123"),
    ("ACME", "33622809102", "Rappel : votre facture de 45€ est impayee depuis le 01/06. Merci de la regler sous 8 jours pour eviter des frais de relance."),
    ("ACME", DE, "Your parcel is on hold at customs. Duties of EUR 12.40 are payable to the courier on delivery."),
    ("ACME", "33623910213", "Telephone perdu ou vole ? Suspendez votre ligne au 0800 123 456 (appel gratuit)."),
    ("ACME", "33624021324", "Pour programmer une nouvelle livraison, appelez le 01 23 45 67 89 du lundi au samedi."),
    ("ACME", "33625132435", "Vous avez ete selectionne pour tester la nouvelle appli ACME : inscription sur acme.fr/beta"),
    # opt-out mentions and links written in other ways
    ("36123", "33626243546", "-20% chez ACME ce week-end ! STOP36123"),
    ("36123", "33627354657", "-20% chez ACME ce week-end ! (Stop: 36123)"),
    ("36123", "33628465768", "Les soldes ACME continuent 🎉 Desinscription : repondez STOP au 36123"),
    ("36123", "33629576879", "Offre ACME : acme.fr/promo. Se desabonner : STOP SMS: 36123"),
    ("36123", "33631687980", "ACME 🛍️ Nouvelle collection en ligne ! Stop sms 36 123 (gratuit)"),
    ("ACME", "33632798091", "Suivi : ACME.FR/Suivi/AB12"),
    ("ACME", "33633809102", "Prenez rdv sur https://acme.fr:8443/rdv?src=sms"),
    ("ACME", "33634910213", "Votre colis: WWW.ACME.FR/SUIVI?ID=AB12"),
    ("ACME", "33635021324", "Total : 45.90EUR, paye le 12.06.2025 a 14.30"),
    ("ACME", "33636132435", "RDV le 12.06 a 9h30, cabinet Dr.Martin, 3 rue St.Jean"),
    ("ACME", "33637243546", "Votre commande est prete.Retrait au magasin ACME jusqu'a 19h."),
    ("ACME", "33638354657", "Lien de paiement securise : https://pay.acme.fr/c/8f3k2"),
    ("ACME", "33640465768", "Votre devis D-2025-114 est pret : https://acme.fr/devis/D-2025-114.pdf"),
    ("36123", "33621798091", "Derniere chance ⏳ -50% sur les maillots de bain, vite sur acme.fr/ete ! STOP 36123"),
]

# (sender, destination, text, the rules that may plausibly refuse it)
FRAUD: list[tuple[str, str, str, frozenset[str]]] = [
    # multi-part scams, link in the last part
    ("ACME", "33760203040", "Bonjour, nous avons tente de vous livrer votre colis aujourd'hui mais personne n'etait present a l'adresse indiquee. Votre colis est desormais en attente dans notre centre de tri. Afin de programmer une nouvelle livraison, des frais de reexpedition de 1,99€ doivent etre regles sous 48h. Rendez-vous sur : https://suivi-colis-relivraison.top/fr", LINK),
    ("ACME", "33760304050", "Cher client, suite a un controle de securite, nous avons detecte une activite inhabituelle sur votre compte. Par mesure de precaution, l'acces a vos services a ete temporairement suspendu. Pour retablir votre acces, merci de confirmer vos informations personnelles des maintenant via notre portail securise : acme-securite.info/verification", LINK),
    ("ACME", "33730405060", "Dear customer, we were unable to deliver your package today because the shipping address was incomplete. Your shipment is now on hold at our local depot and will be returned to sender if no action is taken. To schedule a new delivery, please confirm your address and pay the redelivery fee (1.99 EUR) at https://redelivery-center.xyz/track", LINK),
    # hosts spelled with spaces, in capitals, lookalikes of acme.fr, throwaway TLDs
    ("ACME", "33740506070", "Votre compte sera bloque sous 24h. Verifiez vos informations sur acme-securite . fr", LINK),
    ("ACME", "33750607080", "Bonjour, votre colis est bloque en douane. Merci de regler 3,50€ de frais via le lien suivant : colis . douane-fr . info", LINK),
    ("ACME", "33760708090", "VOTRE COLIS EST EN ATTENTE. REGLEZ LES FRAIS DE LIVRAISON (2,99 EUR) SUR HTTPS://COLIS-LIVRAISON-FR.XYZ", LINK),
    ("ACME", "33770809010", "VOTRE COMPTE ACME EST BLOQUE. CONNECTEZ-VOUS SUR WWW.ACME-FR.NET POUR LE DEBLOQUER.", LINK),
    ("ACME", "33780901020", "ACME : votre compte a ete limite. Reconnectez-vous sur https://acme-fr.com/login pour lever la restriction.", LINK),
    ("ACME", "33790102030", "ACME : derniere relance, votre abonnement expire. Mettez a jour votre paiement sur acme.fr.secure-login.io", LINK),
    ("ACME", "33761203040", "Votre carte ACME expire aujourd'hui. Renouvelez-la gratuitement sur https://acrne.fr/carte", LINK),
    ("ACME", "33762304050", "ACME: activite suspecte detectee. Securisez votre compte: http://acme.fr-client.shop/secure", LINK),
    ("ACME", "33763405060", "Votre remboursement de 89,90€ est en attente. Reclamez-le sur www.acme-remboursement24.com avant ce soir.", LINK),
    ("ACME", "33764506070", "ACME: Votre colis ne peut etre livre, adresse incomplete. Mettez a jour vos donnees: https://acme1-livraison.info/maj", LINK),
    ("ACME", "33765607080", "Dernier avis avant poursuites : votre facture impayee de 86,40€ doit etre reglee aujourd'hui. Payez sur https://ACME-RECOUVREMENT.COM/facture", LINK),
    ("ACME", "33766708090", "Votre compte ACME sera supprime dans 24h faute de verification. Verifiez maintenant : bit.ly/3xAcMe", LINK),
    ("ACME", "33767809010", "ACME: Suspicious login detected on your account. Verify your identity now at https://acme-secure-id.net", LINK),
    ("ACME", ES, "ACME: su cuenta ha sido bloqueada. Verifique sus datos en https://acme-es-seguridad.top", LINK),
    ("ACME", DE, "ACME: Ihr Konto wurde gesperrt. Bitte bestatigen Sie Ihre Daten unter acme-konto.info/de", LINK),
    ("ACME", "33768901020", "Colissimo : votre colis n°6A18293746510 est retenu. Frais de douane : 2,89€. Payez ici : http://185.23.11.4/colissimo", LINK),
    ("ACME", "33769012030", "slt c la poste, ton colis est en attente, paye les frais ici stp: laposte-colis.cc", LINK),
    # brands named in the text, links elsewhere
    ("ACME", "33761324354", "Amazon : votre commande de 899€ (iPhone) est en cours de validation. Si vous n'etes pas a l'origine de cet achat, annulez sur amaz0n-annulation.com", LINK),
    ("ACME", "33762435465", "Netflix: votre paiement a echoue. Mettez a jour vos informations de facturation : netflix-billing.help", LINK),
    ("ACME", "33763546576", "Your DHL parcel is on hold. Pay the customs fee of 2.49 EUR here: dhl-customs-fee.top/pay", LINK),
    ("ACME", "33764657687", "Ameli : votre nouvelle carte Vitale est disponible. Commandez-la avant le 20/06 sur ameli-carte-vitale.shop", LINK),
    # "hi mum"
    ("33700000001", "33765768798", "Coucou maman, c'est moi, j'ai casse mon tel, c'est mon nouveau numero. Tu peux m'ecrire sur WhatsApp stp ? C'est urgent", PHISH),
    ("ACME", "33766879809", "Salut papa, mon tel est tombe dans l'eau, je t'ecris depuis le tel d'une amie. Envoie-moi un message sur WhatsApp au 07 58 12 34 56, j'ai un souci urgent a regler", PHISH),
    ("ACME", "33767980910", "Hi mum, this is my new number, my phone broke. Can you text me on WhatsApp? I need a favour, it's urgent", PHISH),
    ("ACME", "33768091021", "Maman c moi, nouveau tel. Ecris moi sur Telegram stp, j'ai besoin d'aide pour payer une facture", PHISH),
    # jobs, lotteries, romance, crypto
    ("ACME", "33769102132", "Offre d'emploi : gagnez 300€/jour en travaillant depuis chez vous, 1h par jour suffit ! Contactez-nous sur WhatsApp : wa.me/33612345678", LINK),
    ("ACME", "33731213243", "Recrutement urgent ! Poste en teletravail, 250 euros par jour, aucune experience requise. Repondez OUI pour recevoir les details sur Telegram", PHISH),
    ("ACME", "33732324354", "JOB: earn 500 EUR a day from home with just your phone. Message us on WhatsApp +44 7700 900123", PHISH),
    ("ACME", "33733435465", "FELICITATIONS ! Votre numero a ete tire au sort et vous avez gagne un iPhone 16. Pour recevoir votre lot, reglez les frais d'envoi de 1,50€ : iphone-gagnant.shop", LINK),
    ("ACME", "33734546576", "Vous etes l'heureux gagnant de notre loterie annuelle : 5 000 EUR vous attendent ! Appelez le 0899 10 20 30 pour reclamer votre gain.", PHISH),
    ("33700000001", "33735657687", "Bonjour, je m'appelle Sofia, j'ai trouve ton numero sur un site de rencontre. Je suis seule ce soir, ecris-moi sur WhatsApp 😘", PHISH),
    ("ACME", "33736768798", "Investissez 250€ dans le Bitcoin et gagnez jusqu'a 3 000€ par mois ! Places limitees, inscrivez-vous vite : crypto-profit-fr.xyz", LINK),
    ("ACME", "33737879809", "ACME Invest : votre portefeuille crypto a genere 4 870 EUR de gains. Pour debloquer vos fonds, payez les frais de retrait de 99 EUR sous 24h.", PHISH),
    # fake advisers
    ("ACME", "33738980910", "Votre conseiller ACME va vous appeler dans quelques minutes pour confirmer l'operation de 1 490€ en cours. Merci de lui communiquer le code que vous allez recevoir par SMS.", PHISH),
    ("ACME", "33739091021", "ACME : une operation suspecte de 980€ a ete detectee. Un conseiller va vous appeler : confirmez-lui l'operation pour l'annuler et donnez-lui votre code d'annulation.", PHISH),
    ("ACME", "33741102132", "ACME : un virement de 2 400€ vers un nouveau beneficiaire est en cours. Pour l'annuler, repondez a ce SMS avec le code recu.", PHISH),
    ("ACME", "33742213243", "Votre livreur n'a pas pu vous remettre votre colis. Rappelez le 0899 23 45 67 pour convenir d'un nouveau creneau.", PHISH),
    # CPF, Crit'Air, ANTAI, cheque energie, tax refunds
    ("ACME", "33743324354", "Il vous reste 1 240€ sur votre compte CPF, ils expirent le 30/06. Utilisez-les maintenant : mon-cpf-formation.fr", LINK),
    ("ACME", "33744435465", "CPF : vos droits a la formation vont etre perdus. Derniere chance, appelez vite un conseiller au 01 84 80 12 34.", PHISH),
    ("ACME", "33745546576", "Votre vignette Crit'Air n'est pas a jour. Commandez-la avant le 15/06 pour eviter une amende de 135€ : critair-vignette.info", LINK),
    ("ACME", "33746657687", "ANTAI : vous avez un avis de contravention impaye. Reglez 35€ avant majoration sur antai-amendes.top", LINK),
    ("ACME", "33747768798", "Vous etes eligible au cheque energie 2025 (277€). Pour le recevoir, renseignez vos coordonnees bancaires sur cheque-energie-gouv.fr", LINK),
    ("ACME", "33748879809", "Cheque energie : votre aide de 194€ n'a pas ete reclamee. Derniere relance avant annulation. Repondez avec votre IBAN.", PHISH),
    ("ACME", "33749980910", "Remboursement impots : un trop-percu de 312,40€ vous est du. Completez votre demande sur impots-remboursement.info", LINK),
    # marketplace payment scams
    ("ACME", "33751091021", "Vinted : votre article a ete vendu ! Pour recevoir les 45€, confirmez votre carte bancaire sur vinted-paiement-securise.com", LINK),
    ("ACME", "33752102132", "Leboncoin : l'acheteur a paye votre annonce via le paiement securise. Validez la reception des fonds en saisissant vos informations de carte : lbc-fonds.shop/recevoir", LINK),
    # scams from the account's registered short codes
    ("38123", "33753213243", "Votre colis est bloque au centre de tri. Payez 1,99€ de frais sous 24h : colis-suivi24.top", LINK),
    ("36123", "33754324354", "Vous avez gagne 1 000€ ! Reclamez votre gain sur gain-express.xyz STOP 36123", LINK),
    ("38123", "33755435465", "Votre abonnement est suspendu suite a un defaut de paiement. Regularisez immediatement pour eviter la resiliation : paiement-abonnement.info", LINK),
    ("36123", "33756546576", "🎁 Offre exclusive : recevez votre cadeau, il suffit de payer les frais de port (2€) sur cadeau-fidelite.shop 🎁 STOP 36123", LINK),
    # spoofed and numeric senders
    ("LA POSTE", "33757657687", "Votre colis est en attente. Frais de 1,20€ a regler.", SENDER),
    ("Ameli.fr", "33758768798", "Votre carte Vitale expire. Renouvelez-la.", SENDER),
    ("La.Poste", "33759879809", "Colis en attente de livraison", SENDER),
    ("IMPOTS-GOUV", "33761980910", "Vous avez droit a un remboursement de 248€. Confirmez vos coordonnees.", SENDER),
    ("CHRONO POST", "33762091021", "Livraison prevue aujourd'hui", SENDER),
    ("ANTAI", "33763102132", "Avis de contravention : reglez votre amende sous 72h.", SENDER),
    ("PAYPAL", "33764213243", "Your account is limited.", SENDER),
    ("AMELI-INFO", "33765324354", "Nouvelle carte disponible", SENDER),
    ("C0LISSIMO", "33766435465", "Votre colis arrive", SENDER),
    ("Netfl1x", "33767546576", "Abonnement a renouveler", SENDER),
    ("SOC GEN", "33768657687", "Operation en attente de validation", SENDER),
    ("BNP-FR", "33769768798", "Nouveau beneficiaire ajoute", SENDER),
    ("33612000000", "33771879809", "BNP : operation suspecte, rappelez votre conseiller au 01 40 14 45 46.", SENDER),
    ("36179", "33772980910", "Credit Agricole : votre compte est bloque, contactez votre agence.", SENDER),
    # high-cost and not allowed destinations
    ("ACME", "88234567890", "Votre code : 7712", DEST),
    ("ACME", "33899123456", "Code: 4412", DEST),
    ("ACME", "2250707123456", "ACME code 551203", DEST),
    ("ACME", "12025550123", "Your ACME code is 882910", DEST),
    # marketing without its opt-out mention
    ("36123", "33773091021", "🔥 PROMO FLASH 🔥 -60% sur tout le site ACME pendant 24h seulement ! acme.fr/flash 🛒", MENTION),
    ("36123", "33774102132", "ACME : nos nouveautes vous attendent en magasin. A tres vite !", MENTION),
    ("36123", "33775213243", "STOP aux prix fous ! Tout a 5€ chez ACME ce samedi.", MENTION),
    ("36123", "33776324354", "Profitez de -25% avec le code STOP25 sur acme.fr", MENTION),
    # more hosts and pretexts
    ("ACME", "33778546576", "https://acme.fr@secure-pay.top/login : confirmez votre paiement", LINK),
    ("ACME", "33779657687", "Votre colis vous attend, suivez-le ici : colis-acme .fr/suivi", LINK),
    ("ACME", "33761768798", "ACME: confirmez votre identite sur https://ACME.FR.CONFIRM-ID.TOP/login", LINK),
    ("38123", "33762879809", "Votre Crit'Air expire, commandez la nouvelle vignette sous 48h : vignette-critair.top", LINK),
    ("ACME", "33763980910", "Coucou c'est moi, j'ai change de numero, enregistre celui-ci et ecris-moi sur WhatsApp stp", PHISH),
    ("ACME", "33765102132", "Nous recrutons ! Travail simple depuis votre smartphone, 50 a 300 EUR par jour, sans experience. Contact Telegram @jobs_fr", PHISH),
    ("ACME", "33766213243", "Confirmez: http://acme.fr:80@evil-pay.top/", LINK),
    ("ACME", "33767324354", "Reglez vos frais: https://acme。fr。evil.top/p", LINK),
    ("ACME", "33768435465", "ACME: carte bloquee, debloquez-la ici https://acme-fr.web.app/unlock", LINK),
    ("ACME", "33769546576", "Maman mon telephone est casse, ecris moi sur ce numero WhatsApp stp c urgent", PHISH),
    ("ACME", "33771657687", "Hey it's me, I lost my phone. This is my new number, save it and text me on WhatsApp", PHISH),
    ("ACME", "33772768798", "Bonjour, vous avez ete selectionne pour un emploi a domicile, 80 a 300€/jour. Contact WhatsApp +33 7 58 12 34 56", PHISH),
    ("ACME", "33773879809", "Votre colis a ete retourne. Pour une nouvelle livraison appelez le 08 99 12 34 56", PHISH),
    ("ACME", "33764091021", "Cheque energie : votre aide de 150€ vous attend, il vous suffit de confirmer vos coordonnees bancaires par retour de SMS.", PHISH),
]
# fmt: on

# Known misses, kept so that a later change that catches them is seen (strict xfail).
FRAUD_KNOWN_MISSES = [
    pytest.param(
        "ACME",
        "33774980910",
        "Votre conseiller : suite a une fraude sur votre compte, ne raccrochez pas et validez l'operation dans votre appli",
        PHISH,
        marks=pytest.mark.xfail(
            strict=True,
            reason="the fake adviser on the phone asks to validate an operation in the app, which is word for word "
            "what a real strong-authentication notice asks; only the adviser and 'ne raccrochez pas' tell them apart",
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


def test_the_third_corpus_is_big_enough() -> None:
    assert len(ORDINARY) >= 100
    assert len(FRAUD) >= 70
