"""Link extraction: with and without scheme, ports, userinfo, IP literals, punycode, false friends."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from smpp_gateway.checks.urls import domain_in, extract_urls, parse_url


def hosts(text: str) -> list[str]:
    return [u.host for u in extract_urls(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Suivi : https://suivi.acme.fr/c/123", ["suivi.acme.fr"]),
        ("HTTP://ACME.FR/X", ["acme.fr"]),
        ("www.acme.fr", ["www.acme.fr"]),
        ("-20% sur acme.fr !", ["acme.fr"]),
        ("acme.fr.", ["acme.fr"]),
        ("(voir x.fr/abc)", ["x.fr"]),
        ("bit.ly/x", ["bit.ly"]),
        ("t.co/abc", ["t.co"]),
        ("Cliquez:https://evil.io/x", ["evil.io"]),
        ("http://evil.io:8080/pay", ["evil.io"]),
        ("acme.fr:8443/a", ["acme.fr"]),
        ("https://paypal.com@evil.io/login", ["evil.io"]),
        ("http://user:pass@evil.io", ["evil.io"]),
        ("https://evil.io#@paypal.com", ["evil.io"]),
        ("https://acme.fr\\@evil.io", ["acme.fr"]),  # a browser reads "\" as "/": host acme.fr
        ("paypal.com@evil.io", ["evil.io"]),  # userinfo trick without a scheme
        ("http://192.168.1.10/x", ["192.168.1.10"]),
        ("10.0.0.1/a", ["10.0.0.1"]),
        ("http://[2001:db8::1]:80/x", ["2001:db8::1"]),
        ("http://3232235777/", ["3232235777"]),
        ("http://xn--pypal-4ve.com/", ["xn--pypal-4ve.com"]),
        ("pаypal.com/verify", ["xn--pypal-4ve.com"]),  # Cyrillic а: converted to punycode
        ("two: a.fr/x and https://b.com", ["a.fr", "b.com"]),
        ("colis-suivi.info/abc)", ["colis-suivi.info"]),
    ],
)
def test_links_are_found(text: str, expected: list[str]) -> None:
    assert hosts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Votre code est 123456. Il expire dans 10 minutes.",
        "Bonjour M.Dupont, rdv le 12.05 a 10h.Merci",  # .dupont is a brand TLD, .merci no TLD
        "Il est parti.La suite demain",  # .la is a TLD, but "parti.La" is a missing space
        "prix 1.99EUR, v2.0, 10.30h",
        "contact : jean.dupont@gmail.com",  # an e-mail address is not a link
        "fin.Merci",
        "Ok.Je rappelle",
        "version 1.2.3",
        "",
    ],
)
def test_false_friends_are_not_links(text: str) -> None:
    assert hosts(text) == []


def test_parts_of_a_link_are_split_like_a_browser() -> None:
    url = parse_url("https://paypal.com@Secure.Evil.io:8443/a/b?c=1")
    assert url is not None
    assert (url.scheme, url.userinfo, url.host, url.port, url.path) == (
        "https",
        "paypal.com",
        "secure.evil.io",
        8443,
        "/a/b?c=1",
    )
    assert url.registrable == "evil.io"
    assert url.labels == ("secure", "evil")


def test_ip_and_punycode_flags() -> None:
    ip, idn, plain = (parse_url(u) for u in ("http://1.2.3.4/", "http://xn--pypal-4ve.com", "acme.fr"))
    assert ip is not None
    assert ip.is_ip
    assert not ip.is_idn
    assert ip.registrable == ""
    assert idn is not None
    assert idn.is_idn
    assert idn.labels == ("pаypal",)
    assert plain is not None
    assert not plain.is_ip
    assert not plain.is_idn


def test_link_split_across_concatenated_parts_is_found_in_the_reassembled_text() -> None:
    # The gateway reassembles parts before the checks run: the text is the concatenation.
    parts = ["Votre colis est en attente, reglez les frais sur https://colis-suivi.", "info/fr/pay merci"]
    assert hosts("".join(parts)) == ["colis-suivi.info"]


def test_domain_in_matches_subdomains_only() -> None:
    domains = frozenset({"acme.fr"})
    assert domain_in("acme.fr", domains)
    assert domain_in("suivi.acme.fr", domains)
    assert not domain_in("notacme.fr", domains)
    assert not domain_in("acme.fr.evil.io", domains)


# --- properties ------------------------------------------------------------------------------

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12).filter(
    lambda s: s[0].isalpha()
)
TLD = st.sampled_from(["fr", "com", "io", "info", "net", "de", "shop", "xyz"])
PATH = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/-_?=&", max_size=12)
FILLER = st.lists(
    st.sampled_from(["Votre", "colis", "ici", "STOP", "au", "36123", "merci", "!", "code:"]), max_size=5
)


@settings(max_examples=150, deadline=None)
@given(LABEL, TLD, PATH, st.sampled_from(["", "http://", "https://", "www."]), FILLER, FILLER)
def test_a_link_between_words_is_found_with_its_registrable_domain(
    label: str, tld: str, path: str, prefix: str, before: list[str], after: list[str]
) -> None:
    host = parse_url(f"{label}.{tld}")
    assume(host is not None and host.registrable)  # "co.io" is itself a public suffix
    link = f"{prefix}{label}.{tld}" + (f"/{path}" if path else "")
    text = " ".join([*before, link, *after])
    urls = extract_urls(text)
    if tld == "de" and not prefix and not path:
        assert urls == ()  # a bare "word.de" is as likely a missing space as a link
    else:
        assert [u.registrable for u in urls] == [f"{label}.{tld}"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_extraction_never_fails_and_hosts_are_lower_case(text: str) -> None:
    for url in extract_urls(text):
        assert url.host == url.host.lower()
        assert url.host


@settings(max_examples=100, deadline=None)
@given(LABEL, TLD, st.sampled_from(["paypal.com", "impots.gouv.fr", "ameli.fr"]))
def test_userinfo_never_names_the_host(label: str, tld: str, decoy: str) -> None:
    host = parse_url(f"{label}.{tld}")
    assume(host is not None and host.registrable)  # "tm.fr" is itself a public suffix
    for link in (f"https://{decoy}@{label}.{tld}/x", f"{decoy}@{label}.{tld}"):
        assert [u.registrable for u in extract_urls(link)] == [f"{label}.{tld}"]
