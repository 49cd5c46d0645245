"""content.phishing: weighted signals over the folded words, plus what the links and brands say.

Theory of operation. No single word is phishing: "expire", "frais", "colis", "code" all occur in
ordinary traffic. A phishing text combines kinds of signals: an urgency, a payment or credential
request, a lure (parcel held, fine, refund), a link the account does not own, a brand the account
is not. The score sums, per category, the weights of the signals present, each category capped so
that repeating one kind of word cannot reach the threshold alone. Two contextual weights tie the
text to the account: a link to a domain outside the account's registered ones adds weight; a text
whose every link is on a registered domain subtracts weight (the real brand describing its own
business: "your parcel is waiting, pay on acme.fr" from ACME passes, the same text from another
account does not). Pattern matches depend on the text only and are memoised on the Analysis, so a
campaign's repeated text is matched once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from ..message import Message
from .base import ACCEPT, CheckContext, Verdict, reject
from .config import PhishingConfig
from .lookalike import Brand
from .phrases import PhraseIndex
from .urls import Url, domain_in


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
    """The compiled signals of one ChecksConfig (shared by every account's pipeline)."""

    __slots__ = ("_brand_of", "_categories", "_count", "_ids", "_phrases", "_weights", "config")

    def __init__(self, config: PhishingConfig, brands: tuple[Brand, ...]) -> None:
        self.config = config
        signals = [*config.signals, *config.extra_signals]
        pairs = [(mention, brand) for brand in brands for mention in brand.mentions]
        # One index for signals and brand mentions: one pass over the words finds both.
        self._phrases = PhraseIndex([*(s.pattern for s in signals), *(mention for mention, _ in pairs)])
        self._count = len(signals)
        self._ids = tuple(s.id for s in signals)
        self._categories = tuple(s.category for s in signals)
        self._weights = tuple(s.weight for s in signals)
        self._brand_of = tuple(brand for _, brand in pairs)

    def text_signals(self, words: list[str]) -> tuple[list[int], list[Brand]]:
        """Signal indexes and mentioned brands found in the words (pure function of the text)."""
        count = self._count
        found = self._phrases.matches(words)
        return [i for i in found if i < count], [self._brand_of[i - count] for i in found if i >= count]

    def score(
        self, signals: list[int], brands: list[Brand], urls: tuple[Url, ...], account: str, links: LinkPolicy
    ) -> tuple[float, list[str]]:
        cfg = self.config
        per_category: dict[str, float] = {}
        reasons: list[str] = []
        for index in signals:
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
    cfg = ctx.settings
    model = cfg.phishing
    analysis = ctx.analysis
    found = analysis.memo.get(model)
    if found is None:
        found = analysis.memo[model] = model.text_signals(analysis.words)
    signals, brands = cast(tuple[list[int], list[Brand]], found)
    if not signals and not brands:
        return ACCEPT  # links alone are content.url_domain's business
    score, reasons = model.score(signals, brands, analysis.urls, message.account, cfg.links)
    threshold = cfg.rule("content.phishing").threshold
    if score >= threshold:
        return reject("content.phishing", f"phishing score {score:g} >= {threshold:g}: {', '.join(reasons)}")
    return ACCEPT
