"""Route table: matching (Rule 1), order (Rule 2), carriers (Rule 3) of smpp_gateway/routing/table.py."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.config import CarrierConfig, RouteConfig
from smpp_gateway.message import Address, Message, MessageClass, SenderType
from smpp_gateway.routing import Candidate, RouteTable, RouteTableError
from smpp_gateway.routing import table as table_module

NOW = 1000.0


def carrier(name: str) -> CarrierConfig:
    return CarrierConfig(name=name, host="127.0.0.1", port=2775, system_id=name, password="pw")


CARRIERS = [carrier(name) for name in ("a", "b", "c", "d", "e")]


def route(name: str, carriers: tuple[str, ...] = ("a",), **fields: Any) -> RouteConfig:
    return RouteConfig.model_validate({"name": name, "carriers": carriers, **fields})


def message(
    to: str = "33612345678",
    sender: str = "ACME",
    account: str = "demo",
    message_class: MessageClass | None = MessageClass.TRANSACTIONAL,
) -> Message:
    return Message(
        account=account,
        source=Address(sender),
        destination=Address(to),
        text="hello",
        message_class=message_class,
    )


def table(*routes: RouteConfig, **options: Any) -> RouteTable:
    return RouteTable.from_config(routes, CARRIERS, **options)


def names(candidates: list[Candidate]) -> list[str]:
    """Route names in order, one per route (a route's carriers are consecutive)."""
    seen: list[str] = []
    for candidate in candidates:
        if not seen or seen[-1] != candidate.route.name:
            seen.append(candidate.route.name)
    return seen


def test_a_route_without_criteria_is_a_catch_all() -> None:
    routes = table(route("any"))
    for to, sender in [("33612345678", "ACME"), ("4420", "36123"), ("1", "33700000001")]:
        assert names(routes.candidates(message(to, sender, message_class=None), now=NOW)) == ["any"]


def test_no_matching_route_means_an_empty_list() -> None:
    routes = table(route("uk", match={"prefixes": ["44"]}))
    assert routes.candidates(message("33612345678"), now=NOW) == []


def test_longest_prefix_first_then_shorter_then_catch_all() -> None:
    routes = table(
        route("any"),
        route("fr", match={"prefixes": ["33"]}),
        route("fr-mobile", match={"prefixes": ["336", "337"]}),
        route("world3", match={"prefixes": ["3"]}),
    )
    assert names(routes.candidates(message("33612345678"), now=NOW)) == ["fr-mobile", "fr", "world3", "any"]
    assert names(routes.candidates(message("33112345678"), now=NOW)) == ["fr", "world3", "any"]
    assert names(routes.candidates(message("4412345"), now=NOW)) == ["any"]


def test_a_route_ranks_by_its_longest_matching_prefix() -> None:
    routes = table(route("wide", match={"prefixes": ["3", "3361"]}), route("fr", match={"prefixes": ["336"]}))
    assert names(routes.candidates(message("33612345678"), now=NOW)) == ["wide", "fr"]
    assert names(routes.candidates(message("33699"), now=NOW)) == ["fr", "wide"]


def test_destination_is_normalised_from_plus_and_00() -> None:
    routes = table(route("fr", match={"prefixes": ["+33"]}))
    assert names(routes.candidates(message("+33612345678"), now=NOW)) == ["fr"]
    assert names(routes.candidates(message("0033612345678"), now=NOW)) == ["fr"]


def test_country_ranks_below_any_prefix_and_above_no_destination() -> None:
    countries = {"336": "FR", "44": "GB"}
    routes = table(
        route("any", priority=1),
        route("france", match={"countries": ["fr"]}, priority=1),
        route("fr-long", match={"prefixes": ["3"]}, priority=500),
        country_of=lambda number: countries.get(number[:3]) or countries.get(number[:2]),
    )
    assert names(routes.candidates(message("33612345678"), now=NOW)) == ["fr-long", "france", "any"]
    assert names(routes.candidates(message("4412345"), now=NOW)) == ["any"]


def test_prefixes_or_countries_either_satisfies_the_destination() -> None:
    routes = table(
        route("fr-and-dom", match={"prefixes": ["590"], "countries": ["FR"]}),
        country_of=lambda number: "FR" if number.startswith("33") else None,
    )
    assert names(routes.candidates(message("590690000000"), now=NOW)) == ["fr-and-dom"]
    assert names(routes.candidates(message("33612345678"), now=NOW)) == ["fr-and-dom"]
    assert routes.candidates(message("4412345"), now=NOW) == []


def test_country_of_is_not_called_when_no_route_names_a_country() -> None:
    def fail(number: str) -> str | None:
        raise AssertionError("country_of called")

    routes = table(route("fr", match={"prefixes": ["33"]}), country_of=fail)
    assert names(routes.candidates(message(), now=NOW)) == ["fr"]


def test_priority_then_config_order_among_equally_specific_routes() -> None:
    routes = table(
        route("second", match={"prefixes": ["33"]}),
        route("first", match={"prefixes": ["33"]}, priority=10),
        route("third", match={"prefixes": ["33"]}),
    )
    assert names(routes.candidates(message(), now=NOW)) == ["first", "second", "third"]


def test_account_or_group() -> None:
    routes = table(
        route("bank", match={"accounts": ["bank1"], "groups": ["banks"]}),
        route("any"),
    )
    assert names(routes.candidates(message(account="bank1"), now=NOW)) == ["bank", "any"]
    assert names(routes.candidates(message(account="bank2"), "banks", now=NOW)) == ["bank", "any"]
    assert names(routes.candidates(message(account="shop"), "shops", now=NOW)) == ["any"]
    assert names(routes.candidates(message(account="shop"), now=NOW)) == ["any"]


def test_message_class() -> None:
    routes = table(route("otp", match={"classes": ["otp", "transactional"]}), route("any"))
    assert names(routes.candidates(message(message_class=MessageClass.OTP), now=NOW)) == ["otp", "any"]
    assert names(routes.candidates(message(message_class=MessageClass.MARKETING), now=NOW)) == ["any"]
    # The gateway classifies before routing; an unclassified message cannot satisfy a class criterion.
    assert names(routes.candidates(message(message_class=None), now=NOW)) == ["any"]


@pytest.mark.parametrize(
    ("sender", "kind"),
    [
        ("ACME", SenderType.ALPHANUMERIC),
        ("36123", SenderType.SHORT_CODE),
        ("33700000001", SenderType.LONG_NUMBER),
    ],
)
def test_sender_type(sender: str, kind: SenderType) -> None:
    routes = table(*(route(str(each), match={"sender_types": [each]}) for each in SenderType))
    assert names(routes.candidates(message(sender=sender), now=NOW)) == [str(kind)]


def test_all_criteria_must_hold() -> None:
    routes = table(
        route(
            "narrow",
            match={
                "prefixes": ["33"],
                "accounts": ["demo"],
                "classes": ["marketing"],
                "sender_types": ["short_code"],
            },
        )
    )
    good = message(sender="36123", message_class=MessageClass.MARKETING)
    assert names(routes.candidates(good, now=NOW)) == ["narrow"]
    for bad in [
        message("44123", "36123", message_class=MessageClass.MARKETING),
        message(sender="36123", account="other", message_class=MessageClass.MARKETING),
        message(sender="36123", message_class=MessageClass.OTP),
        message(sender="ACME", message_class=MessageClass.MARKETING),
    ]:
        assert routes.candidates(bad, now=NOW) == []


def test_test_only_routes_never_serve_clients_but_probes_reach_them() -> None:
    routes = table(route("grey", ("c",), test_only=True), route("fr", ("a", "b"), match={"prefixes": ["33"]}))
    assert names(routes.candidates(message(), now=NOW)) == ["fr"]
    grey = routes.route("grey")
    assert grey is not None
    assert grey.test_only
    assert [(c.route.name, c.carrier) for c in routes.route_candidates("grey")] == [("grey", "c")]
    assert routes.route("nope") is None
    assert routes.route_candidates("nope") == []


def test_failover_keeps_carrier_order_within_and_across_routes() -> None:
    routes = table(
        route("fr", ("a", "b"), match={"prefixes": ["33"]}),
        route("fallback", ("c", "a")),
    )
    pairs = [(c.route.name, c.carrier) for c in routes.candidates(message(), now=NOW)]
    assert pairs == [("fr", "a"), ("fr", "b"), ("fallback", "c"), ("fallback", "a")]


def test_weighted_split_is_within_statistical_tolerance() -> None:
    routes = table(
        route("w", ("a", "b", "c"), strategy="weighted", weights=(6, 3, 1)),
        rng=random.Random(20240611),
    )
    draws = 10_000
    first = Counter(routes.candidates(message(), now=NOW)[0].carrier for _ in range(draws))
    # Binomial standard deviation is at most 0.5% of 10,000 draws; 2% is four of them.
    for name, share in {"a": 0.6, "b": 0.3, "c": 0.1}.items():
        assert abs(first[name] / draws - share) < 0.02, first


def test_weighted_failover_follows_descending_weight() -> None:
    routes = table(route("w", ("a", "b", "c"), strategy="weighted", weights=(1, 5, 3)), rng=random.Random(1))
    orders = {tuple(c.carrier for c in routes.candidates(message(), now=NOW)) for _ in range(200)}
    assert orders == {("a", "b", "c"), ("b", "c", "a"), ("c", "b", "a")}


def test_zero_weight_is_a_standby_never_drawn_first() -> None:
    routes = table(route("w", ("a", "b"), strategy="weighted", weights=(0, 1)), rng=random.Random(3))
    orders = {tuple(c.carrier for c in routes.candidates(message(), now=NOW)) for _ in range(200)}
    assert orders == {("b", "a")}


def test_weighted_draw_survives_random_returning_almost_one() -> None:
    class AlmostOne(random.Random):
        def random(self) -> float:
            return 1.0 - 2**-53

    routes = table(route("w", ("a", "b", "c"), strategy="weighted", weights=(1, 1, 0)), rng=AlmostOne())
    assert [c.carrier for c in routes.candidates(message(), now=NOW)] == ["b", "a", "c"]


def test_cached_answers_still_depend_on_every_key_part() -> None:
    routes = table(
        route("demo-mkt", match={"accounts": ["demo"], "classes": ["marketing"]}),
        route("any"),
    )
    marketing = message(message_class=MessageClass.MARKETING)
    for _ in range(2):
        assert names(routes.candidates(marketing, now=NOW)) == ["demo-mkt", "any"]
        assert names(routes.candidates(message(), now=NOW)) == ["any"]
        assert names(
            routes.candidates(message(account="x", message_class=MessageClass.MARKETING), now=NOW)
        ) == ["any"]


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_module, "MAX_CACHED_KEYS", 8)
    routes = table(route("any"))
    for index in range(50):
        routes.candidates(message(account=f"acct{index}"), now=NOW)
        assert len(routes._cache) <= 8


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"carriers": ("zz",)}, "unknown carrier(s) zz"),
        ({"carriers": ("a", "a")}, "listed twice"),
        ({"carriers": ("a", "b"), "strategy": "weighted", "weights": (0, 0)}, "weights must be"),
        ({"carriers": ("a", "b"), "strategy": "weighted", "weights": (-1, 2)}, "weights must be"),
        ({"match": {"prefixes": ["33x"]}}, "prefixes must be E.164 digits"),
        ({"sender": {"mode": "numeric"}}, "sender mode numeric needs a number"),
        ({"sender": {"mode": "numeric", "number": "ACME"}}, "sender mode numeric needs a number"),
        ({"sender": {"mode": "map", "map": {"ACME": "TOOLONGSENDER"}}}, "1 to 11 characters"),
        ({"match": {"countries": ["FR"]}}, "no country_of function"),
    ],
)
def test_unusable_routes_are_refused_with_their_name(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(RouteTableError, match=r"route bad|country_of") as error:
        table(RouteConfig.model_validate({"name": "bad", "carriers": ("a",), **fields}))
    assert problem in str(error.value)


def test_duplicate_route_names_are_refused() -> None:
    with pytest.raises(RouteTableError, match="route x: duplicate name"):
        table(route("x"), route("x"))


# E.164 numbers and prefixes never start with 0 (a leading 0 is national or the 00 international prefix).
e164 = st.from_regex(r"[1-9][0-9]{0,11}", fullmatch=True)
prefix_sets = st.lists(
    st.from_regex(r"[1-9][0-9]{0,4}", fullmatch=True), min_size=1, max_size=12, unique=True
)


@settings(max_examples=150, deadline=None)
@given(prefixes=prefix_sets, number=e164, data=st.data())
def test_routes_come_longest_matching_prefix_first(
    prefixes: list[str], number: str, data: st.DataObject
) -> None:
    # Routes with random prefixes (extended so some of them match); brute force is the oracle.
    extra = data.draw(st.integers(0, len(number)))
    if extra:
        prefixes = [*prefixes, number[:extra]] if number[:extra] not in prefixes else prefixes
    routes = table(*(route(f"r{i}", match={"prefixes": [p]}) for i, p in enumerate(prefixes)))
    expected = sorted(
        (i for i, p in enumerate(prefixes) if number.startswith(p)), key=lambda i: (-len(prefixes[i]), i)
    )
    assert names(routes.candidates(message(number), now=NOW)) == [f"r{i}" for i in expected]
