"""Content rules on characters and links: content.encoding, content.shortener, content.url_domain.

The text is analysed once per message (analysis.py); links come from urls.py with their hosts
already split the way a browser splits them. Shortener links are content.shortener's business
only: content.url_domain skips them so that each reason is reported by the rule that names it.
"""

from __future__ import annotations

from typing import cast

from ..message import Message
from .base import ACCEPT, CheckContext, Verdict, reject
from .settings import Settings
from .urls import Url, domain_in

# Hosts remembered per account; beyond, the oldest is forgotten (and judged again when it returns).
LINK_MEMO_SIZE = 4096
_UNKNOWN = object()


# Per-shape memo entries beyond which a Shape's memo starts again (accounts x encodings in use).
SHAPE_MEMO_SIZE = 64


def text_outcome_memo(
    message: Message, ctx: CheckContext, owner: object
) -> tuple[dict[object, object], object]:
    """Where the pipeline memoises the content rules' joint outcome, and under which key.

    The four rules read the text's encoding verdict, its Shape (the phishing phrases), of each link
    only its host and userinfo (what a link's verdict depends on), the account and its settings.
    So the outcome is memoised per Shape (every OTP or notice of one template, links included) with
    the encoding verdict (a Shape hides look-alike letters) and the links' hosts in the key; per
    text when a phishing signal reads the text's digits ("0899...").
    """
    analysis = ctx.analysis
    if ctx.settings.phishing.reads_digits(analysis):
        return analysis.memo, (owner, message.account)
    memo = analysis.shape.memo
    if len(memo) >= SHAPE_MEMO_SIZE:
        memo.clear()
    return memo, (owner, message.account, analysis.encoding_issue, analysis.link_hosts)


def content_encoding(message: Message, ctx: CheckContext) -> Verdict:
    issue = ctx.analysis.encoding_issue
    return ACCEPT if issue is None else reject("content.encoding", issue)


def _is_shortener(url: Url, cfg: Settings) -> bool:
    return bool(url.registrable) and url.registrable in cfg.links.shorteners


def content_shortener(message: Message, ctx: CheckContext) -> Verdict:
    urls = ctx.analysis.urls
    if not urls:
        return ACCEPT
    cfg = ctx.settings
    for url in urls:
        if _is_shortener(url, cfg) and url.registrable not in cfg.allowed_shorteners:
            return reject("content.shortener", f"link through the URL shortener {url.registrable}")
    return ACCEPT


def _looks_like_domain(userinfo: str) -> bool:
    head, dot, tail = userinfo.rpartition(".")
    return bool(dot and head and tail.isalpha())


def _url_problem(url: Url, cfg: Settings, account: str) -> str | None:
    links = cfg.links
    host = url.host
    if domain_in(host, cfg.denied_domains):
        return f"link to the denied domain {url.registrable or host}"
    if links.registered_link(url) or domain_in(host, links.allowed):
        return None
    if _looks_like_domain(url.userinfo):
        return f"deceptive link {url.userinfo}@{host}: it goes to {host}"
    if url.is_ip:
        return f"link to the IP address {host}"
    brand = cfg.brand_by_domain.get(url.registrable)
    if brand is None:
        brand = cfg.brands.domain_lookalike(url.labels)
        if brand is not None and not brand.owned_by(account):
            return f"link domain {url.registrable or host} imitates the protected brand {brand.name}"
    if url.is_idn:
        return f"link to the internationalised (punycode) domain {host}"
    if links.registered:
        return f"link domain {url.registrable or host} is not registered for account {account!r}"
    return None


def content_url_domain(message: Message, ctx: CheckContext) -> Verdict:
    urls = ctx.analysis.urls
    if not urls:
        return ACCEPT
    cfg = ctx.settings
    memo = cfg.link_memo
    for url in urls:
        if _is_shortener(url, cfg):
            continue
        # A link's verdict depends on its host and userinfo only, and an account links to few hosts.
        key = (url.host, url.userinfo, message.account)
        problem = memo.get(key, _UNKNOWN)
        if problem is _UNKNOWN:
            problem = memo[key] = _url_problem(url, cfg, message.account)
            if len(memo) > LINK_MEMO_SIZE:
                del memo[next(iter(memo))]
        if problem is not None:
            return reject("content.url_domain", cast(str, problem))
    return ACCEPT
