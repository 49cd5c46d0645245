"""Protected brands and their lookalikes, for senders and for link domains.

Theory of operation (domain.md, Sender IDs): a candidate and every brand are folded with
``fold_sender`` (case, accents, confusable scripts, 0/O, 1/l/I, rn/m, separators). The candidate
is a lookalike when its key
1. equals a brand's key ("PAYPAI", "AMAZ0N", Cyrillic "раураl"),
2. is a brand's key plus or minus an affix ("PAYPAL-FR", "SECURE AMELI", "AMELIINFO"), or
3. is one edit away from a brand of LOOKALIKE_EDIT_MIN_LENGTH letters or more ("NETFLIK"),
   also after stripping one affix ("AMAZOM-FR").
Exact equality of the plain key ("PayPal", "LA POSTE") is a use of the brand itself
(sender.protected), not a lookalike. The index precomputes every equality variant, so a lookup is
one fold, one dict probe and a few length-filtered edit-distance tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .normalize import fold_sender, plain_key

# Shorter remainders after stripping an affix match too many things ("INFO-FR" -> "INFO").
_MIN_STRIPPED = 3


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    owners: frozenset[str]
    domains: tuple[str, ...]
    mentions: tuple[str, ...]
    match_domains: bool
    key: str
    plain: str

    def owned_by(self, account: str) -> bool:
        return account in self.owners


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion or substitution."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


class BrandIndex:
    """Lookup of protected brands by exact use and by lookalike key."""

    __slots__ = ("_affixes", "_by_plain", "_edit_min", "_long", "_variants", "brands")

    def __init__(self, brands: Iterable[Brand], affixes: Iterable[str], edit_min_length: int) -> None:
        self.brands = tuple(brands)
        self._affixes = tuple(sorted({fold_sender(a) for a in affixes} - {""}, key=len, reverse=True))
        self._edit_min = edit_min_length
        self._by_plain = {b.plain: b for b in self.brands}
        self._long = tuple(b for b in self.brands if len(b.plain) >= edit_min_length)
        self._variants: dict[str, Brand] = {}
        for brand in self.brands:
            for variant in self._variants_of(brand.key):
                self._variants.setdefault(variant, brand)

    def _variants_of(self, key: str) -> Iterable[str]:
        yield key
        for affix in self._affixes:
            yield key + affix
            yield affix + key
            if key.endswith(affix) and len(key) - len(affix) >= _MIN_STRIPPED:
                yield key[: -len(affix)]
            if key.startswith(affix) and len(key) - len(affix) >= _MIN_STRIPPED:
                yield key[len(affix) :]

    def exact(self, value: str) -> Brand | None:
        """The brand this value names outright ("PayPal", "La Poste"), if any."""
        return self._by_plain.get(plain_key(value))

    def lookalike(self, value: str) -> Brand | None:
        """The brand this value imitates (exact uses included), if any."""
        key = fold_sender(value)
        if len(key) < 2:
            return None
        found = self._variants.get(key)
        if found is not None:
            return found
        for candidate in self._stripped(key):
            for brand in self._long:
                if within_one_edit(candidate, brand.key):
                    return brand
        return None

    def _stripped(self, key: str) -> Iterable[str]:
        yield key
        for affix in self._affixes:
            if key.endswith(affix) and len(key) - len(affix) >= _MIN_STRIPPED:
                yield key[: -len(affix)]
            if key.startswith(affix) and len(key) - len(affix) >= _MIN_STRIPPED:
                yield key[len(affix) :]

    def domain_lookalike(self, labels: Iterable[str]) -> Brand | None:
        """The brand imitated by a host's labels (public suffix excluded), if any.

        Each label and each of its hyphen-separated tokens is tried: "paypal.com.evil.io",
        "secure-paypa1-login.com" and "amazon-fr.shop" all name a brand. Brands shorter than the
        edit-distance minimum must appear verbatim ("ups-tracking"): folded, three letters collide
        with ordinary words ("LCL" and "ICI" share a key).
        """
        for label in labels:
            for token in {label, *label.split("-")}:
                brand = self._domain_token(token)
                if brand is not None:
                    return brand
        return None

    def _domain_token(self, token: str) -> Brand | None:
        if len(token) < 3:
            return None
        exact = self._by_plain.get(token)
        if exact is not None:
            return exact if exact.match_domains else None
        brand = self.lookalike(token)
        if brand is not None and brand.match_domains and len(brand.plain) >= self._edit_min:
            return brand
        return None
