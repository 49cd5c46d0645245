"""fast_init builds exactly what the dataclass's own __init__ builds, and refuses what it cannot."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import InitVar, dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.smpp.frozen import fast_init
from smpp_gateway.smpp.pdu import PDU_CLASSES, Pdu
from smpp_gateway.store import MessageRecord

from .strategies import pdus


def _sample(decorate: bool) -> type:
    """The same frozen dataclass, built with or without fast_init: positional and keyword-only
    fields, plain defaults and a default factory."""

    @dataclass(frozen=True, slots=True)
    class Sample:
        name: str
        count: int = 3
        tags: list[str] = field(default_factory=list)
        _: dataclasses.KW_ONLY
        label: str
        ratio: float = 0.5

    return fast_init(Sample) if decorate else Sample


FAST, REFERENCE = _sample(True), _sample(False)

calls = st.fixed_dictionaries(
    {"name": st.text(max_size=5), "label": st.text(max_size=5)},
    optional={"count": st.integers(), "tags": st.lists(st.text(max_size=3)), "ratio": st.floats()},
)


def _fields(value: object) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(calls, st.booleans())
def test_fast_init_builds_what_the_dataclass_init_builds(call: dict[str, Any], positional: bool) -> None:
    args: tuple[Any, ...] = ()
    if positional:  # the name (and the count, when given) by position
        args = (call.pop("name"),) + ((call.pop("count"),) if "count" in call else ())
    fast, reference = FAST(*args, **call), REFERENCE(*args, **call)
    assert type(fast) is FAST
    assert _fields(fast) == _fields(reference)
    assert repr(fast).replace("Sample", "") == repr(reference).replace("Sample", "")
    assert fast == FAST(*args, **call)


def test_a_default_factory_gives_each_object_its_own_value() -> None:
    first, second = FAST("a", label="x"), FAST("b", label="y")
    assert first.tags == []
    assert first.tags is not second.tags


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {"label": "x"}),  # a required positional field missing
        (("a",), {}),  # a required keyword-only field missing
        (("a", 1, [], "x"), {}),  # a keyword-only field given by position
        (("a",), {"label": "x", "colour": "red"}),  # no such field
        (("a",), {"label": "x", "name": "b"}),  # a field given twice
    ],
)
def test_bad_calls_fail_as_the_dataclass_init_fails(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        REFERENCE(*args, **kwargs)
    with pytest.raises(TypeError):
        FAST(*args, **kwargs)


def test_the_object_stays_frozen_hashable_and_picklable() -> None:
    value = FAST("a", 2, label="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.name = "b"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del value.name
    assert dataclasses.replace(value, count=9).count == 9
    record = MessageRecord(gateway_id="g1", account="demo", received_at=1.0, source="AC", destination="3361")
    assert pickle.loads(pickle.dumps(record)) == record
    assert hash(record) == hash(dataclasses.replace(record))


@settings(max_examples=300, deadline=None)
@given(pdus())
def test_every_pdu_class_is_built_field_for_field(pdu: Pdu) -> None:
    cls = type(pdu)
    assert cls in PDU_CLASSES.values()
    rebuilt = cls(**_fields(pdu))
    assert type(rebuilt) is cls
    assert rebuilt == pdu
    defaults = cls()
    for f in dataclasses.fields(cls):  # fields left out take their defaults
        assert getattr(defaults, f.name) == (
            f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        )


def test_what_fast_init_cannot_reproduce_is_refused() -> None:
    @dataclass(slots=True)
    class Mutable:
        x: int

    @dataclass(frozen=True)
    class NoSlots:
        x: int

    @dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            raise AssertionError("never skipped")

    @dataclass(frozen=True, slots=True)
    class Derived:
        x: int
        y: int = field(init=False, default=0)

    @dataclass(frozen=True, slots=True)
    class WithInitVar:
        x: int
        scale: InitVar[int] = 1

    for cls, reason in [
        (Mutable, "frozen, slotted"),
        (NoSlots, "frozen, slotted"),
        (Checked, "__post_init__"),
        (Derived, "exactly the fields"),
        (WithInitVar, "exactly the fields"),
    ]:
        with pytest.raises(TypeError, match=reason):
            fast_init(cls)


def test_a_fast_init_class_cannot_be_subclassed() -> None:
    with pytest.raises(TypeError, match="cannot be subclassed"):
        type("Sub", (FAST,), {"__slots__": ()})
