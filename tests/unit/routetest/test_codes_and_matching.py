"""Probe codes and the matching of handset reports to probes."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from simulators.behaviours import downgrade_to_gsm
from smpp_gateway.routetest.codes import ALPHABET, CODE_LENGTH, find_codes, new_code, tag
from smpp_gateway.routetest.matching import Candidate, match_report, normalize_msisdn, similarity


def test_codes_have_a_letter_and_a_digit_from_the_alphabet() -> None:
    rng = random.Random(7)
    for _ in range(500):
        code = new_code(rng)
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
        assert any(c.isdigit() for c in code)
        assert any(c.isalpha() for c in code)


@given(st.integers(min_value=0), st.text(max_size=200))
def test_a_tagged_text_gives_its_code_back_first(seed: int, text: str) -> None:
    code = new_code(random.Random(seed))
    assert next(find_codes(tag(code, text))) == code


def test_code_survives_gsm_downgrade_lower_case_and_lost_brackets() -> None:
    text = tag("K7Q2M", "Réglé à l'hôtel")
    assert next(find_codes(downgrade_to_gsm(text))) == "K7Q2M"
    assert next(find_codes("k7q2m Regle a l'hotel")) == "K7Q2M"
    assert next(find_codes("K7Q2M) Regle")) == "K7Q2M"


def test_bracketed_codes_come_before_bare_tokens() -> None:
    assert list(find_codes("X2Y3W then [K7Q2M]")) == ["K7Q2M", "X2Y3W"]


def test_words_and_numbers_are_not_codes() -> None:
    assert list(find_codes("HELLO 12345 ACME2024 AB12")) == []


def _candidate(probe_id: str, code: str, text: str, at: float = 100.0, reports: int = 0) -> Candidate:
    return Candidate(
        probe_id=probe_id, code=code, msisdn="33612000001", text=text, submitted_at=at, reports=reports
    )


def test_match_by_code_wins_over_number_and_time() -> None:
    probe = _candidate("p1", "K7Q2M", "[K7Q2M] Bonjour")
    found = match_report(
        "33699999999", "[K7Q2M] Bonjour", 5000.0, {"K7Q2M": probe}, [], window=60, min_similarity=0.6
    )
    assert found is not None
    assert (found.probe_id, found.method, found.score) == ("p1", "code", 1.0)


def test_mangled_code_is_matched_by_number_time_and_similarity() -> None:
    a = _candidate("a", "K7Q2M", "[K7Q2M] Votre colis arrive demain")
    b = _candidate("b", "X3Y4Z", "[X3Y4Z] Code de connexion 123456")
    found = match_report(
        "+33 6 12 00 00 01",
        "[K7Q?M] Votre colis arrive demain",
        105.0,
        {},
        [a, b],
        window=60,
        min_similarity=0.6,
    )
    assert found is not None
    assert found.probe_id == "a"
    assert found.method == "similarity"
    assert 0.9 < found.score < 1.0


def test_similarity_needs_the_same_number_the_window_and_the_threshold() -> None:
    a = _candidate("a", "K7Q2M", "[K7Q2M] Votre colis arrive demain")
    text = "[K7Q?M] Votre colis arrive demain"
    assert match_report("33612000002", text, 105.0, {}, [a], window=60, min_similarity=0.6) is None
    assert match_report("33612000001", text, 161.5, {}, [a], window=60, min_similarity=0.6) is None
    assert match_report("33612000001", text, 98.0, {}, [a], window=60, min_similarity=0.6) is None
    assert (
        match_report("33612000001", "tout autre chose", 105.0, {}, [a], window=60, min_similarity=0.6) is None
    )
    assert match_report("33612000001", text, 99.5, {}, [a], window=60, min_similarity=0.6) is not None


def test_on_a_tie_a_probe_without_report_is_preferred() -> None:
    first = _candidate("first", "K7Q2M", "[K7Q2M] Bonjour", reports=1)
    second = _candidate("second", "X3Y4Z", "[K7Q2M] Bonjour")
    found = match_report("33612000001", "Bonjour", 101.0, {}, [first, second], window=60, min_similarity=0.3)
    assert found is not None
    assert found.probe_id == "second"


def test_normalize_msisdn() -> None:
    assert normalize_msisdn("+33 6 12-00") == "3361200"
    assert normalize_msisdn("0033612") == "33612"
    assert normalize_msisdn("33612") == "33612"


def test_similarity_bounds() -> None:
    assert similarity("abc", "abc") == 1.0
    assert similarity("abc", "xyz") == 0.0
