"""The defaults that protect a French A2P aggregator out of the box (domain.md is the source).

Every value here is only a default: ChecksConfig copies it into a config field that operators
replace or extend in gateway.yaml. Keep this module data only, so that docs/checks.md can be
checked against it and so that a reviewer can read the whole policy in one place.
"""

from __future__ import annotations

from typing import Final

# --- sender IDs -------------------------------------------------------------------------------

# (brand sender ID, its real link domains, the words that name it in a text).
# Mentions are folded (lower case, no accents). Brand names that are also ordinary words (ORANGE
# the colour, FREE, APPLE the fruit) get only unambiguous mentions, or none: a mention is one weak
# phishing signal, and a false one would cost ordinary marketing.
PROTECTED_BRANDS: Final[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = (
    ("AMELI", ("ameli.fr",), ("ameli", "assurance maladie", "cpam")),
    ("IMPOTS", ("impots.gouv.fr",), ("impots", "dgfip", "tresor public")),
    ("ANTAI", ("antai.gouv.fr",), ("antai",)),
    ("CAF", ("caf.fr",), ("caf",)),
    ("LAPOSTE", ("laposte.fr", "laposte.net"), ("la poste", "laposte")),
    ("COLISSIMO", ("colissimo.fr",), ("colissimo",)),
    ("CHRONOPOST", ("chronopost.fr",), ("chronopost",)),
    ("DHL", ("dhl.com", "dhl.fr"), ("dhl",)),
    ("UPS", ("ups.com",), ("ups",)),
    ("BNP", ("bnpparibas", "bnpparibas.com", "bnpparibas.fr"), ("bnp", "bnp paribas")),
    ("SOCGEN", ("societegenerale.fr", "societegenerale.com"), ("societe generale",)),
    ("CREDITAGRI", ("credit-agricole.fr", "credit-agricole.com"), ("credit agricole",)),
    ("LCL", ("lcl.fr",), ("lcl",)),
    ("BOURSORAMA", ("boursorama.com", "boursorama-banque.com"), ("boursorama", "boursobank")),
    ("PAYPAL", ("paypal.com", "paypal.fr"), ("paypal",)),
    ("AMAZON", ("amazon.fr", "amazon.com"), ("amazon",)),
    ("NETFLIX", ("netflix.com",), ("netflix",)),
    ("APPLE", ("apple.com", "icloud.com"), ("apple id", "icloud", "apple pay")),
    ("ORANGE", ("orange.fr", "orange.com"), ("espace client orange",)),
    ("SFR", ("sfr.fr",), ("sfr",)),
    ("FREE", ("free.fr",), ("free mobile", "freebox")),
    ("BOUYGTEL", ("bouyguestelecom.fr",), ("bouygues",)),
)

# Affixes a spoofer adds to (or removes from) a brand: "PAYPAL-FR", "AMELI INFO", "SECURE-LCL".
LOOKALIKE_AFFIXES: Final[tuple[str, ...]] = (
    "FR",
    "INFO",
    "INFOS",
    "SERVICE",
    "SERVICES",
    "SECURE",
    "SECURITE",
    "SUPPORT",
    "CLIENT",
    "CLIENTS",
    "ALERT",
    "ALERTE",
    "24",
    "OFFICIEL",
    "SMS",
)

# Edit distance 1 only for brands this long: below it, one edit reaches ordinary words (UPS/UPI).
LOOKALIKE_EDIT_MIN_LENGTH: Final = 5

# --- destinations -----------------------------------------------------------------------------

# E.164 prefixes (digits, no "+") denied by default: satellite and international shared-cost
# networks and the international premium-rate code, the classic IRSF destinations (domain.md).
HIGH_COST_PREFIXES: Final[tuple[str, ...]] = ("881", "882", "883", "870", "979")

# phonenumbers number types treated as high cost wherever they are (premium-rate services).
HIGH_COST_NUMBER_TYPES: Final[tuple[str, ...]] = ("premium_rate",)

# Country prefixes that are expensive to terminate and frequent in IRSF/AIT reports (CFCA fraud
# surveys, GSMA FF.21). Not denied: their share of an account's traffic is watched by
# velocity.high_cost_share. Operators tune this list to their price list.
COSTLY_PREFIXES: Final[tuple[str, ...]] = (
    "53",  # Cuba
    "216",  # Tunisia
    "222",  # Mauritania
    "224",  # Guinea
    "231",  # Liberia
    "232",  # Sierra Leone
    "235",  # Chad
    "239",  # Sao Tome
    "242",  # Congo
    "245",  # Guinea-Bissau
    "246",  # Diego Garcia
    "252",  # Somalia
    "263",  # Zimbabwe
    "269",  # Comoros
    "371",  # Latvia (premium ranges frequently abused)
    "375",  # Belarus
    "387",  # Bosnia
    "674",  # Nauru
    "675",  # Papua New Guinea
    "677",  # Solomon Islands
    "678",  # Vanuatu
    "682",  # Cook Islands
    "683",  # Niue
    "688",  # Tuvalu
    "690",  # Tokelau
    "960",  # Maldives
    "992",  # Tajikistan
    "994",  # Azerbaijan
    "996",  # Kyrgyzstan
    "998",  # Uzbekistan
    *HIGH_COST_PREFIXES,
)

# Country groups usable in allowed_countries / denied_countries. phonenumbers gives the French
# overseas departments their own region codes; those that are EU outermost regions belong to "EU".
# fmt: off
EU_COUNTRIES: Final[frozenset[str]] = frozenset((
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    # outermost regions with their own phonenumbers region code, and Åland
    "GP", "GF", "MQ", "RE", "YT", "MF", "AX",
))
# fmt: on
COUNTRY_GROUPS: Final[dict[str, frozenset[str]]] = {
    "EU": EU_COUNTRIES,
    "EEA": EU_COUNTRIES | {"IS", "LI", "NO"},
    "FR+DOM": frozenset({"FR", "GP", "GF", "MQ", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC"}),
}

# --- content ----------------------------------------------------------------------------------

SHORTENERS: Final[tuple[str, ...]] = (
    "bit.ly",
    "bitly.com",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "v.gd",
    "cutt.ly",
    "rebrand.ly",
    "shorturl.at",
    "tiny.cc",
    "buff.ly",
    "rb.gy",
    "t.ly",
    "s.id",
    "bl.ink",
    "lnkd.in",
    "shorte.st",
    "adf.ly",
    "qrco.de",
    "urlz.fr",
    "lc.cx",
    "x.co",
    "tny.im",
    "shorturl.com",
    "short.gy",
)

# Phishing signals: (id, category, pattern, weight). Patterns are phrases over the message's words
# (folded: lower case, no accents, confusables mapped to Latin, punctuation as spaces; see
# phishing.py): words separated by spaces; "a|b" alternatives; "bloqu*" any ending (bloque, bloquee,
# bloquer); "#" a number inside a word ("#h" matches "24h"); "~3" up to three words of any kind.
# The score is the sum, per category, of the weights matched in that category, each category capped
# (PHISHING_CATEGORY_CAPS): ten urgency words weigh no more than two. One category alone never
# reaches the threshold; a lure with a payment request and a foreign link, or an urgency with a
# credential request, does.
PHISHING_SIGNALS: Final[tuple[tuple[str, str, str, float], ...]] = (
    # urgency
    ("urgent", "urgency", "urgent*|urgence*", 1.5),
    ("immediately", "urgency", "immediat*", 1.5),
    ("last_reminder", "urgency", "dernier|derniere rappel|relance|avertissement|avis", 2.0),
    ("last_notice", "urgency", "final|last notice|reminder|warning", 2.0),
    ("within_hours", "urgency", "sous|avant|within|ici|dans ~1 #h|#heure*|#hours|#hrs", 1.0),
    ("within_hours_spaced", "urgency", "sous|avant|within|ici|dans ~1 # h|heure*|hours|hrs", 1.0),
    ("expires", "urgency", "expir*", 1.0),
    ("suspended", "urgency", "suspen*", 1.5),
    ("blocked", "urgency", "bloqu*|blocage", 1.5),
    ("mandatory", "urgency", "obligatoire*|mandatory", 1.0),
    ("unusual_activity", "urgency", "activite|operation|connexion|transaction inhabituelle*|suspecte*", 1.5),
    ("unusual_activity_en", "urgency", "unusual|suspicious activity|sign|login", 1.5),
    ("on_hold", "urgency", "on hold", 1.5),
    ("deactivated", "urgency", "desactiv*|deactivat*|locked|restricted|restreint*|verrouill*", 1.5),
    ("without_delay", "urgency", "sans delai", 1.0),
    ("asap", "urgency", "au plus vite", 1.0),
    ("last_chance", "urgency", "derniere|last chance", 1.0),
    ("quickly", "urgency", "vite|rapidement|quickly|asap", 1.0),
    ("right_away", "urgency", "right away|now", 1.0),
    ("legal_threat", "urgency", "poursuite*|majoration*|penalite*|huissier*|recouvrement", 1.5),
    # payment asks
    ("fees", "payment", "frais", 1.5),
    ("fees_en", "payment", "fee|fees", 1.5),
    ("pay", "payment", "payer|payez|reglez|regler|reglement|acquitter|acquittez|regularis*", 2.0),
    ("pay_en", "payment", "pay now|the|a|your|outstanding", 2.0),
    ("payment_due", "payment", "payment required|due|failed|declined", 2.0),
    ("card", "payment", "carte bancaire", 1.5),
    ("card_short", "payment", "cb|cvv|cvc|cryptogramme", 1.5),
    ("card_number", "payment", "numero de carte", 2.0),
    ("card_en", "payment", "card details|number|information", 2.0),
    ("update_payment", "payment", "update ~1 payment|billing|card", 3.0),
    # credential asks
    ("credentials", "credentials", "identifiant*", 1.5),
    ("password", "credentials", "mot de passe", 2.0),
    ("password_en", "credentials", "password|passcode|mdp", 2.0),
    ("secret_code", "credentials", "code confidentiel|secret|pin", 3.0),
    (
        "give_credentials",
        "credentials",
        "saisi*|entrez|confirm*|verifi*|communiqu*|indiqu*|renseign*|transmet*|envoy* ~3 "
        "vos|votre|tes|ton identifiant*|mot|coordonnees|informations|donnees|rib|iban|numero|piece|pieces",
        3.0,
    ),
    ("verify_account", "credentials", "verify|confirm|validate ~1 account|identity|details", 3.0),
    (
        "update_details",
        "credentials",
        "mett*|mise a jour ~2 vos|votre|de|des informations|coordonnees|donnees|dossier",
        2.0,
    ),
    ("bank_details", "credentials", "informations|coordonnees|donnees bancaires", 3.0),
    ("update_details_en", "credentials", "update ~1 account|details|information", 2.5),
    # Asking for a code the victim receives elsewhere (the fake adviser's "give me the code you
    # just got"): an OTP tells its own code and says never to give it (never_give below).
    (
        "relay_code",
        "credentials",
        "communiqu*|transmet*|transmett*|donnez|donner|dict*|give|share|tell|send ~4 code|codes|pin|passcode",
        3.0,
    ),
    (
        "reply_with_code",
        "credentials",
        "repon*|reply ~4 avec|with ~3 code|codes|pin|iban|rib|numero|card",
        3.0,
    ),
    ("received_code", "credentials", "code|codes ~4 recu*|recevr*|recevoir|recevez|received|receive", 2.0),
    # Security advice: "ne communiquez jamais ce code", "never share it". It weighs nothing and
    # only cancels the code asks its words contain (PHISHING_IMPLIED): appended to a scam, it
    # must not lower the score of anything else.
    (
        "never_give",
        "advice",
        "ne|n|never|not|don ~2 communiqu*|transmet*|transmett*|donn*|partag*|divulgu*|dict*|share|give|"
        "disclose|tell|send",
        0.0,
    ),
    # Sending details back by SMS: no A2P sender collects codes or bank details that way.
    ("reply_channel", "reply", "en|par reponse|retour ~2 sms|message|texto", 2.0),
    ("reply_with", "reply", "repon*|reply ~4 avec|with", 2.0),
    # lures
    # A parcel waiting at a pickup point is everyday news: the lure is what comes with it (fees, a link).
    ("parcel_held", "lure", "colis ~4 attente|bloque*|retenu*|instance|suspendu*", 2.0),
    ("delivery_fees", "lure", "frais de|d livraison|douane*|reexpedition|port|envoi|expedition", 3.0),
    ("customs", "lure", "douane*|customs", 1.5),
    ("carte_vitale", "lure", "carte vitale", 3.0),
    ("refund", "lure", "rembours*|refund*", 1.5),
    ("fine", "lure", "amende*|contravention*|pv", 2.0),
    ("cpf", "lure", "cpf", 3.0),
    (
        "account_blocked",
        "lure",
        "compte ~2 bloque*|suspendu*|desactive*|restreint*|verrouille*|limite*|anomalie*|irregularit*",
        2.5,
    ),
    ("account_blocked_en", "lure", "account ~2 suspended|locked|blocked|limited|disabled", 2.5),
    ("parcel_en", "lure", "parcel|package|shipment", 1.5),
    ("tax", "lure", "tax|taxes|impot|impots", 1.5),
    ("prize", "lure", "gagne|gagnant|winner|won", 1.5),
    # A creditor's own reminder names the unpaid bill and asks to pay it: that alone must not reach
    # the threshold; a scam adds a link, a call-back number, a brand or an urgency.
    ("unpaid", "lure", "impaye*|unpaid|overdue", 1.5),
    ("unclaimed", "lure", "non reclame*|unclaimed", 2.0),
    # A sum of money to win or earn ("gagnez 5 000 EUR"): campaigns promise discounts, not winnings.
    ("money_promise", "lure", "gagnez|gagner|touchez|toucher|earn|win ~2 #", 2.0),
    # Claiming a prize or gains, an investment that pays: lotteries and crypto advance-fee scams.
    ("claim_prize", "lure", "reclam*|claim ~2 gain|gains|lot|lots|prize|reward|recompense*", 2.0),
    ("crypto", "lure", "crypto|cryptos|cryptomonnaie|cryptomonnaies|bitcoin|bitcoins|btc|ethereum", 2.0),
    # Job offers for work at home with no experience ("250 EUR par jour en teletravail").
    ("recruiting", "lure", "recrut*|hiring", 1.5),
    ("remote_job", "lure", "teletravail*|telework*", 2.0),
    ("remote_job_en", "lure", "from home", 2.0),
    ("home_job", "lure", "emploi|travail|job a domicile", 2.0),
    ("selected", "lure", "selectionne|selectionnee|selected", 1.5),
    ("no_experience", "lure", "aucune|sans|no experience|diplome|cv", 2.0),
    # A stranger's opener ("j'ai trouve ton numero sur un site de rencontre").
    ("found_number", "lure", "j ai trouve ton|votre numero", 3.0),
    ("found_number_en", "lure", "i found your number", 3.0),
    ("dating", "lure", "site|appli|application de rencontre|rencontres", 2.0),
    # A delivery that failed, a fake adviser about to call: the pretexts of call-back and code scams.
    ("failed_delivery", "lure", "pas pu ~3 livrer|livre|remettre|remis|delivrer|distribuer", 2.0),
    ("failed_delivery_tried", "lure", "tente de vous livrer", 2.0),
    ("redelivery", "lure", "nouvelle livraison", 2.0),
    ("redelivery_en", "lure", "redelivery", 2.0),
    ("failed_delivery_en", "lure", "unable|failed|couldn|could ~2 deliver|delivered", 2.0),
    (
        "adviser_call",
        "lure",
        "conseiller|conseillere|advisor|adviser ~3 appeler|appellera|contacter|contactera|call",
        2.0,
    ),
    # "Hi mum" scams: a relative's "new number", moving the chat to a messaging app
    ("new_number", "lure", "change*|nouveau ~1 numero|tel", 3.0),
    ("new_number_en", "lure", "new number|phone", 3.0),
    # ... and the phone the relative says was lost or broken ("j'ai casse mon tel", "my phone broke")
    (
        "broken_phone",
        "lure",
        "mon|my telephone|tel|portable|phone ~2 casse|tombe|perdu|vole|broke|broken|lost",
        3.0,
    ),
    ("broken_phone_done", "lure", "casse|perdu|lost|broke ~1 mon|my telephone|tel|portable|phone", 3.0),
    ("messaging_app", "channel", "whatsapp|telegram", 2.0),
    ("invoice_late", "lure", "facture ~2 retard|impayee*", 2.0),
    # call-back numbers that cost the victim (French 089x premium rate, 118 directory lines)
    ("premium_callback", "callback", "089*|118*", 3.0),
    ("premium_callback_spaced", "callback", "08 9*", 3.0),
    ("premium_callback_intl", "callback", "33 8 9*", 3.0),
)

PHISHING_CATEGORY_CAPS: Final[dict[str, float]] = {
    "urgency": 2.0,
    "payment": 3.0,
    "credentials": 4.0,
    "lure": 3.0,
    "callback": 3.0,
    "channel": 2.0,
    "link": 3.0,
    "brand": 2.0,
    "reply": 2.0,
    "advice": 0.0,
}
# A phrase that contains another signal's word counts that word once: "compte bloque" is a lure,
# and its "bloque" is not also an urgency; "frais de livraison" is a lure, its "frais" not also a
# payment ask. (signal id -> the ids it implies, dropped when it matches.)
PHISHING_IMPLIED: Final[dict[str, tuple[str, ...]]] = {
    "account_blocked": ("blocked", "suspended", "deactivated"),
    "account_blocked_en": ("suspended", "deactivated"),
    "parcel_held": ("blocked", "suspended"),
    "delivery_fees": ("fees",),
    "invoice_late": ("unpaid",),
    "never_give": ("relay_code", "reply_with_code", "received_code"),
}
# Asks about "the code" that do not count when the text states a code itself ("communiquez le code
# 5521 au livreur", "répondez avec le code 4412"): the code is the message's own, not one received
# elsewhere that a fraudster wants relayed.
PHISHING_NOT_WITH_OWN_CODE: Final[tuple[str, ...]] = ("relay_code", "reply_with_code", "received_code")
PHISHING_THRESHOLD: Final = 5.0
# Context signals the check computes itself (not patterns):
PHISHING_FOREIGN_LINK_WEIGHT: Final = 2.0  # a link outside the account's registered domains
PHISHING_RISKY_LINK_WEIGHT: Final = 3.0  # a shortener, IP literal or punycode link
PHISHING_BRAND_MENTION_WEIGHT: Final = 2.0  # names a protected brand the account does not own
# Every link on the account's own registered domain: the real brand talking about its own
# business ("your parcel is waiting, pay the fees on acme.fr") must pass (domain.md, Content).
PHISHING_REGISTERED_LINK_WEIGHT: Final = -3.0

# --- velocity and duplicates ------------------------------------------------------------------

# Defaults per rule: (threshold, window_seconds, min_count). Thresholds are per account.
VELOCITY_DEFAULTS: Final[dict[str, tuple[float, float, int]]] = {
    # more than 30 recipients a minute in one 10 000-number block (+CC NDC xxxx): a sorted campaign
    # of 100 000 French mobiles puts about 5 recipients in each block, an AIT pump thousands.
    "velocity.burst": (30, 60, 0),
    # 10 distinct numbers of one 100-number block within 10 minutes: sequential or shuffled runs.
    # A random list of 100 000 French mobiles has 0.05 recipients per 100-block; ten is a pump (or a
    # test harness counting up: those belong in monitor mode).
    "velocity.sequential": (10, 600, 0),
    # over 30% of the last hour's messages to costly destinations, judged after 20 messages.
    "velocity.high_cost_share": (0.3, 3600, 20),
    # more than 300 OTPs a minute (5 a second) to recipients not seen in that minute: above what
    # a mid-size account's logins produce, far below a pump; large accounts raise it.
    "velocity.otp_fanout": (300, 60, 0),
    # the same text to the same recipient more than 3 times in 10 minutes.
    "duplicate": (3, 600, 0),
}
# Number of trailing digits dropped to form a "number block" for velocity.burst.
BURST_BLOCK_SUFFIX_DIGITS: Final = 4
