from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings

from smpp_gateway.smpp.pdu import Pdu, SubmitSm

from .strategies import pdus


@settings(max_examples=200, deadline=None)
@given(pdus())
def test_evolve_equals_dataclasses_replace(pdu: Pdu) -> None:
    assert pdu.evolve(sequence_number=77) == dataclasses.replace(pdu, sequence_number=77)
    assert pdu.with_sequence(5).sequence_number == 5
    assert pdu.evolve() == pdu


def test_evolve_changes_only_what_it_is_told_and_refuses_unknown_fields() -> None:
    original = SubmitSm(source_addr="ACME", destination_addr="33612345678", short_message=b"hi")
    changed = original.evolve(source_addr="33700000001", source_addr_ton=1)
    assert (changed.source_addr, changed.source_addr_ton) == ("33700000001", 1)
    assert changed.short_message == b"hi"
    assert original.source_addr == "ACME"  # the original is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.source_addr = "X"  # type: ignore[misc]
    with pytest.raises(TypeError, match="no field"):
        original.evolve(sourceaddr="typo")
