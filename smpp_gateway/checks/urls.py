"""Finding links in SMS text, the way a phone would linkify them, and naming their domains.

Theory of operation. Phones turn into links far more than ``http://...``: ``www.x.fr``,
``x.fr/abc``, ``bit.ly/x``, bare ``acme.fr``. A check that looked only for schemes would miss most
phishing, one that took every ``word.word`` for a link would reject "M.Dupont" (``dupont`` is a
brand TLD) or "prête.Le" (``le`` is not, but ``la``, ``il``, ``me``, ``se`` are). So:
- with a scheme or ``www.``: a link, whatever its host;
- bare: a link when its last label is a country code or a common generic TLD, except country
  codes that are ordinary French/English words (``la``, ``il``, ``me``...), which need a path;
  a Title-case last label after a lower-case one ("fin.Merci") is a missing space, not a link;
- ``user@host`` is an e-mail address, not a link, unless the user part is itself a domain
  (``paypal.com@evil.io``, the userinfo trick without a scheme);
- the authority is split like a browser does: the host is after the last ``@`` and before the
  first ``/?#`` (``https://paypal.com@evil.io`` goes to evil.io), ports dropped, IP literals in
  any form (dotted, integer, IPv6) flagged, IDN hosts kept in punycode and flagged.
Registrable domains come from tldextract's bundled public-suffix snapshot, never downloaded.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Final

import tldextract

# Common generic TLDs seen in SMS links (legitimate and phishing alike); brand TLDs (.dupont,
# .bnpparibas) only count with a scheme or www.
# fmt: off
_GENERIC_TLDS: Final = frozenset((
    "com", "net", "org", "info", "biz", "name", "pro", "mobi", "app", "dev", "io", "co", "xyz",
    "online", "site", "website", "shop", "store", "top", "club", "live", "link", "click", "space",
    "tech", "fun", "icu", "vip", "win", "bid", "loan", "work", "cam", "rest", "bar", "buzz",
    "cyou", "sbs", "lol", "monster", "quest", "support", "help", "services", "center", "cloud",
    "email", "page", "life", "world", "today", "news", "digital", "network", "agency", "one", "me",
    "tv", "cc", "ly", "gl", "gd", "ai", "eu", "asia", "paris", "bzh", "alsace", "corsica",
))
# Country codes that are everyday words: bare links with these need a path ("x.la/abc").
_WORDLIKE_TLDS: Final = frozenset((
    "la", "le", "il", "je", "me", "ma", "ne", "se", "de", "et", "au", "ca", "sa", "si", "va", "vu",
    "to", "no", "in", "it", "is", "my", "at", "by", "do", "be", "us", "as", "am", "pm", "im", "id",
    "so", "an", "or", "on", "tu", "na", "mu",
))
# fmt: on
_TRAILING = ".,;:!?)]}'\"»…>"
_LEADING = "([{<«\"'"
_SCHEME_IN_WORD = re.compile(r"(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]{0,15}://", re.IGNORECASE)
_WWW_IN_WORD = re.compile(r"(?<!\w)www\d{0,3}\.", re.IGNORECASE)
# Bare host[:port][/path]; labels are checked again when parsed, so the pattern stays linear.
_BARE = re.compile(r"(?:[^\W_][\w\-]*\.)+[^\W\d_]{2,63}(?::\d{1,5})?(?:[/?#\\].*)?", re.DOTALL)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?:[/?#\\].*)?", re.DOTALL)
_EMAIL = re.compile(r"[\w.+\-]+@(?:[^\W_][\w\-]*\.)+[^\W\d_][\w\-]+(?:[/?#].*)?", re.DOTALL)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*)://", re.IGNORECASE)
# A dot with a word character after it, or a scheme: the cheapest sign that a text may hold a link.
_INNER_DOT = re.compile(r"\.\w")
_AUTHORITY_END = re.compile(r"[/?#\\]")
# A host written with spaces around its dots ("www . colis-suivi . com"), to slip past filters that
# look for links: the reader types it back. Labels, at least one dot with a space before it, and a
# last label all in one case (a Title-case word after " . " starts a sentence).
_SPACED = re.compile(r"(?<![\w.])(?:[^\W_][\w\-]*[ \t]*\.[ \t]*)+(?:[a-z]{2,24}|[A-Z]{2,24})(?![\w.])")
_WHITESPACE = re.compile(r"\s+")
_HOSTLIKE = re.compile(r"[\-0-9]")


@dataclass(frozen=True, slots=True)
class Url:
    raw: str
    scheme: str  # "" when the text had none
    userinfo: str  # what precedes "@" in the authority: the trick, when it looks like a domain
    host: str  # lower case; IDN hosts in punycode; IPv6 without brackets
    port: int | None
    path: str
    registrable: str  # "acme.fr" for "www.shop.acme.fr"; "" for IP literals and unknown suffixes
    labels: tuple[str, ...]  # labels left of the public suffix, punycode decoded
    is_ip: bool
    is_idn: bool


@lru_cache(maxsize=1)
def _extractor() -> Any:
    # Offline: the bundled snapshot only. suffix_list_urls=() forbids any fetch, cache_dir=None
    # any disk cache; constructing it costs ~50 ms once.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=1)
def _country_tlds() -> frozenset[str]:
    return frozenset(t for t in _extractor().tlds if len(t) == 2 and t.isascii() and t.isalpha())


def _bare_tld_ok(tld: str, has_path: bool, title_case: bool) -> bool:
    if title_case:
        return False
    if tld in _WORDLIKE_TLDS:
        return has_path
    return tld in _GENERIC_TLDS or tld in _country_tlds() or tld.startswith("xn--")


def _to_ascii(host: str) -> tuple[str, bool]:
    if host.isascii():
        return host, any(label.startswith("xn--") for label in host.split("."))
    try:
        return host.encode("idna").decode("ascii"), True
    except UnicodeError:
        return host, True


def _decode_label(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return label
    return label


def _ip_literal(host: str) -> bool:
    if host[-1:].isalpha() and ":" not in host and host[-1:] not in "abcdefABCDEF":
        return False  # ends with a letter that is no hex digit: a name (fast path for real hosts)
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate)
        return True
    except ValueError:
        pass
    # Browsers also resolve integer, hex and octal hosts ("http://3232235777/", "0x7f.1").
    parts = candidate.split(".")
    return all(p.isdigit() or (p.lower().startswith("0x") and len(p) > 2) for p in parts if p) and any(parts)


@lru_cache(maxsize=20_000)
def describe_host(host: str) -> tuple[str, tuple[str, ...], str]:
    """(registrable domain, labels left of the suffix (decoded), public suffix) of a host."""
    result = _extractor()(host)
    suffix: str = result.suffix
    if not suffix or not result.domain:
        return "", tuple(_decode_label(x) for x in host.split(".") if x), ""
    labels = [*result.subdomain.split("."), result.domain] if result.subdomain else [result.domain]
    return f"{result.domain}.{suffix}", tuple(_decode_label(x) for x in labels), suffix


def _split_authority(rest: str) -> tuple[str, str, str, int | None, str]:
    end = _AUTHORITY_END.search(rest)
    authority, path = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    userinfo, _, hostport = authority.rpartition("@")
    port: int | None = None
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        if tail.startswith(":") and tail[1:].isdigit():
            port = int(tail[1:])
    else:
        host, sep, port_text = hostport.rpartition(":")
        if not sep:
            host = hostport
        elif port_text.isdigit():
            port = int(port_text)
    return userinfo, host.lower().rstrip("."), hostport, port, path


def parse_url(candidate: str, scheme_required: bool = False) -> Url | None:
    """Split one candidate link into its parts; None when it has no usable host."""
    raw = candidate.rstrip(_TRAILING)
    scheme = ""
    rest = raw
    match = _SCHEME.match(raw)
    if match:
        scheme, rest = match.group(1).lower(), raw[match.end() :]
    elif scheme_required:
        return None
    userinfo, host, _, port, path = _split_authority(rest)
    if not host:
        return None
    is_ip = _ip_literal(host)
    ascii_host, is_idn = (host, False) if is_ip else _to_ascii(host)
    registrable, labels, _ = ("", (), "") if is_ip else describe_host(ascii_host)
    return Url(raw, scheme, userinfo, ascii_host, port, path, registrable, labels, is_ip, is_idn)


def _from_email(text: str) -> Url | None:
    local, _, domain = text.rpartition("@")
    head, dot, last = local.rpartition(".")
    if not dot or not head or not _bare_tld_ok(last.lower(), False, False):
        return None  # an ordinary e-mail address: not a link
    url = parse_url(domain)
    return None if url is None else replace(url, raw=text, userinfo=local)


def _from_bare(raw: str) -> Url | None:
    end = _AUTHORITY_END.search(raw)
    hostport = raw[: end.start()] if end else raw
    host = hostport.rsplit(":", 1)[0] if ":" in hostport else hostport
    labels = host.split(".")
    last, before = labels[-1], labels[-2]
    title_case = last[:1].isupper() and last[1:].islower() and before[-1:].islower()
    if not _bare_tld_ok(last.lower(), end is not None, title_case):
        return None
    url = parse_url(raw)
    return url if url is not None and url.registrable else None


@lru_cache(maxsize=20_000)
def _from_word(word: str) -> Url | None:
    # Memoised: campaign texts repeat their link in thousands of messages.
    token = word.strip(_LEADING).rstrip(_TRAILING)
    if "://" in token:
        match = _SCHEME_IN_WORD.search(token)
        return parse_url(token[match.start() :], scheme_required=True) if match else None
    if "." not in token:
        return None  # "minutes." and other sentence ends: the dot went with the punctuation
    match = _WWW_IN_WORD.search(token)
    if match:
        return parse_url(token[match.start() :])
    if "@" in token:
        return _from_email(token) if _EMAIL.fullmatch(token) else None
    if _IPV4.fullmatch(token):
        return parse_url(token)
    if _BARE.fullmatch(token):
        return _from_bare(token)
    return None


def extract_urls(text: str) -> tuple[Url, ...]:
    """Every link in ``text``, in order of appearance.

    Links contain no whitespace, so the text is cut into words and only words with an inner dot
    are examined: an order of magnitude faster than one pattern over the whole text.
    """
    spaced = " ." in text
    if not spaced and _INNER_DOT.search(text) is None and "://" not in text:
        return ()  # most texts: every dot ends a sentence or a number ("10.30", "1.99EUR" aside)
    found = []
    for word in text.split():
        if "." in word or "://" in word:
            url = _from_word(word)
            if url is not None:
                found.append(url)
    if spaced:
        found.extend(_spaced_links(text, {url.host for url in found}))
    return tuple(found)


def _spaced_links(text: str, known: set[str]) -> list[Url]:
    """Hosts written with spaces around their dots ("acme-facture . com"): a link once retyped.

    Only bare-link TLDs count (``_bare_tld_ok`` without a path: ".la", ".le" and other everyday
    words do not), and only hosts with more to them than two words: "www", a hyphen or a digit,
    or three labels. "RDV pris . info au 01 23 ...", "rendez-vous . Le" and "10 . 30" stay text.
    """
    links = []
    for match in _SPACED.finditer(text):
        candidate = match.group()
        if " ." not in candidate and "\t." not in candidate:
            continue
        host = _WHITESPACE.sub("", candidate)
        labels = host.split(".")
        if not (labels[0].lower().startswith("www") or len(labels) > 2 or _HOSTLIKE.search(host)):
            continue  # "pris . info": two words and a full stop; a spaced host has more to it
        if not _bare_tld_ok(host.rsplit(".", 1)[1].lower(), False, False):
            continue
        url = parse_url(host)
        if url is not None and url.registrable and url.host not in known:
            links.append(url)
    return links


def domain_in(host: str, domains: frozenset[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    if host in domains:
        return True
    dot = host.find(".")
    while dot != -1:
        if host[dot + 1 :] in domains:
            return True
        dot = host.find(".", dot + 1)
    return False
