"""content.phishing: weighted signals over the folded words, plus what the links and brands say.

Theory of operation. No single word is phishing: "expire", "frais", "colis", "code" all occur in
ordinary traffic. A phishing text combines kinds of signals: an urgency, a payment or credential
request, a lure (parcel held, fine, refund), a link the account does not own, a brand the account
is not. The score sums, per category, the weights of the signals present, each category capped so
that repeating one kind of word cannot reach the threshold alone, and a word is counted once: a
phrase that matches drops the signals of the words it contains (defaults.PHISHING_IMPLIED: "compte
bloque" is a lure, its "bloque" not also an urgency). Asks about "the code" do not count when the
text states its own code (defaults.PHISHING_NOT_WITH_OWN_CODE). Two contextual weights tie the
text to the account: a link to a domain outside the account's registered ones adds weight; a text
whose every link is on a registered domain subtracts weight (the real brand describing its own
business: "your parcel is waiting, pay on acme.fr" from ACME passes, the same text from another
account does not). Pattern matches depend on the text only and are memoised on the Analysis, so a
campaign's repeated text is matched once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from ..message import Message
from .analysis import Analysis
from .base import ACCEPT, CheckContext, Verdict, reject
from .config import PhishingConfig
from .defaults import PHISHING_IMPLIED, PHISHING_NOT_WITH_OWN_CODE
from .lookalike import Brand
from .normalize import fold_text
from .phrases import PhraseIndex, names_digits
from .urls import Url, domain_in

if TYPE_CHECKING:
    from .settings import Settings


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    registered: frozenset[str]  # the account's domains (and subdomains)
    allowed: frozenset[str]  # global allow list: neither foreign nor "registered"
    shorteners: frozenset[str]

    def risky(self, url: Url) -> bool:
        return url.is_ip or url.is_idn or url.registrable in self.shorteners

    def registered_link(self, url: Url) -> bool:
        return bool(self.registered) and domain_in(url.host, self.registered)

    def foreign(self, url: Url) -> bool:
        return not self.registered_link(url) and not domain_in(url.host, self.allowed)


class PhishingModel:
    """The compiled signals of one ChecksConfig (shared by every account's pipeline).

    Signals and brand mentions are phrases in two indexes: the digit-free ones run on the text's
    Shape (memoised across texts that differ only in their digits, see analysis.py); the few that
    name digits ("089*") run on the real words, and only when one of their first words occurs in
    the folded text (a substring test).
    """

    __slots__ = (
        "_brand_of",
        "_categories",
        "_count",
        "_digit_ids",
        "_digits",
        "_ids",
        "_implied",
        "_needle_literals",
        "_needles",
        "_not_with_code",
        "_plain",
        "_plain_ids",
        "_weights",
        "config",
    )

    def __init__(self, config: PhishingConfig, brands: tuple[Brand, ...]) -> None:
        self.config = config
        signals = [*config.signals, *config.extra_signals]
        pairs = [(mention, brand) for brand in brands for mention in brand.mentions]
        specs = [*(s.pattern for s in signals), *(mention for mention, _ in pairs)]
        digit_ids = [i for i, spec in enumerate(specs) if names_digits(spec)]
        plain_ids = [i for i in range(len(specs)) if i not in set(digit_ids)]
        self._plain, self._plain_ids = PhraseIndex(specs[i] for i in plain_ids), tuple(plain_ids)
        self._digits, self._digit_ids = PhraseIndex(specs[i] for i in digit_ids), tuple(digit_ids)
        first_words = [fold_text(specs[i]).split()[0] for i in digit_ids]
        self._needles = _first_word_search(first_words)
        # What each of those first words must contain: a substring test per literal is a C scan,
        # the search's look-behind is tried at every position of the text (~1 us a text).
        literals = {w.rstrip("*") for word in first_words for w in word.split("|") if w.rstrip("*")}
        # "089" is found wherever "08" is not missing: only the shortest literals are tested.
        self._needle_literals = tuple(
            sorted(w for w in literals if not any(other != w and other in w for other in literals))
        )
        self._count = len(signals)
        self._ids = tuple(s.id for s in signals)
        self._categories = tuple(s.category for s in signals)
        self._weights = tuple(s.weight for s in signals)
        # Signals whose words a matched phrase already counted (defaults.PHISHING_IMPLIED).
        position = {s.id: i for i, s in enumerate(signals)}
        self._implied = {
            position[outer]: frozenset(position[i] for i in inner if i in position)
            for outer, inner in PHISHING_IMPLIED.items()
            if outer in position
        }
        self._not_with_code = frozenset(position[i] for i in PHISHING_NOT_WITH_OWN_CODE if i in position)
        self._brand_of = tuple(brand for _, brand in pairs)

    def reads_digits(self, analysis: Analysis) -> bool:
        """Whether a digit-naming phrase may occur in the text (its first word may: the search
        finds every occurrence, and a few more)."""
        needles = self._needles
        if needles is None:
            return False
        folded = analysis.folded
        for literal in self._needle_literals:
            if literal in folded:
                return needles.search(folded) is not None
        return False

    def text_signals(self, analysis: Analysis) -> tuple[list[int], list[Brand]]:
        """Signal indexes and mentioned brands found in the text (pure function of the text)."""
        shape = analysis.shape
        found = shape.memo.get(self)
        if found is None:
            found = [self._plain_ids[i] for i in self._plain.matches(shape.words)]
            if shape.looks_like_otp and self._not_with_code:
                found = [i for i in found if i not in self._not_with_code]
            shape.memo[self] = found
        found = cast(list[int], found)
        if self.reads_digits(analysis):
            found = found + [self._digit_ids[i] for i in self._digits.matches(analysis.words)]
        count = self._count
        return [i for i in found if i < count], [self._brand_of[i - count] for i in found if i >= count]

    def score(
        self, signals: list[int], brands: list[Brand], urls: tuple[Url, ...], account: str, links: LinkPolicy
    ) -> tuple[float, list[str]]:
        cfg = self.config
        per_category: dict[str, float] = {}
        reasons: list[str] = []
        implied = self._implied
        dropped = {i for index in signals if index in implied for i in implied[index]}
        for index in signals:
            if index in dropped:
                continue
            category = self._categories[index]
            per_category[category] = per_category.get(category, 0.0) + self._weights[index]
            reasons.append(self._ids[index])
        foreign_brands = sorted({b.name for b in brands if not b.owned_by(account)})
        if foreign_brands:
            per_category["brand"] = cfg.brand_mention_weight
            reasons.append("mentions " + "/".join(foreign_brands))
        if urls:
            link_weight, link_reason = _link_signal(cfg, urls, links)
            if link_weight:
                per_category["link"] = link_weight
                reasons.append(link_reason)
        caps = cfg.category_caps
        total = sum(min(value, caps.get(category, value)) for category, value in per_category.items())
        return total, reasons


def _first_word_search(first_words: list[str]) -> re.Pattern[str] | None:
    """One search for the first words of phrases ("08", "089*|118*") at a word start of a folded
    text: exact ones followed by no letter or digit, prefixes followed by anything. Words are cut
    at punctuation and spaces (phrases.words_of), so a letter or digit is never a word's edge and
    this finds every word the phrases' first tests accept (a generator of substring tests costed
    ten times more and fired on any "08" inside a number)."""
    exact = {w for word in first_words for w in word.split("|") if w and not w.endswith("*")}
    prefixes = {w[:-1] for word in first_words for w in word.split("|") if w.endswith("*")}
    if not exact and not prefixes:
        return None
    alternatives = [f"{re.escape(w)}(?![0-9A-Za-z])" for w in sorted(exact)] + sorted(
        map(re.escape, prefixes)
    )
    return re.compile(f"(?<![0-9A-Za-z])(?:{'|'.join(alternatives)})")


def _link_signal(cfg: PhishingConfig, urls: tuple[Url, ...], links: LinkPolicy) -> tuple[float, str]:
    risky = [u.host for u in urls if links.risky(u) and not links.registered_link(u)]
    if risky:
        return cfg.risky_link_weight, f"risky link {risky[0]}"
    foreign = [u.host for u in urls if links.foreign(u)]
    if foreign:
        return cfg.foreign_link_weight, f"link to {foreign[0]}"
    if all(links.registered_link(u) for u in urls):
        return cfg.registered_link_weight, "links on registered domains"
    return 0.0, ""


def content_phishing(message: Message, ctx: CheckContext) -> Verdict:
    # The verdict is a function of the text and the account: memoised per text (a campaign's one
    # text), and per Shape when the text has no link and names no digits a signal reads (every
    # OTP or notice of one template).
    settings, analysis = ctx.settings, ctx.analysis
    key = (settings, message.account)
    verdict = analysis.memo.get(key)
    if verdict is None:
        model = settings.phishing
        shape_memo = None if analysis.urls or model.reads_digits(analysis) else analysis.shape.memo
        verdict = shape_memo.get(key) if shape_memo is not None else None
        if verdict is None:
            verdict = _verdict(message.account, analysis, settings)
            if shape_memo is not None:
                shape_memo[key] = verdict
        analysis.memo[key] = verdict
    return cast(Verdict, verdict)


def _verdict(account: str, analysis: Analysis, settings: Settings) -> Verdict:
    model = settings.phishing
    signals, brands = model.text_signals(analysis)
    if not signals and not brands:
        return ACCEPT  # links alone are content.url_domain's business
    score, reasons = model.score(signals, brands, analysis.urls, account, settings.links)
    threshold = settings.rules["content.phishing"].threshold
    if score >= threshold:
        return reject("content.phishing", f"phishing score {score:g} >= {threshold:g}: {', '.join(reasons)}")
    return ACCEPT
