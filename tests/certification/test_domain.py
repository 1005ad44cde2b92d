"""Pure rules: which certificate an outcome earns, numbers and verification codes."""

from __future__ import annotations

import pytest
from cohort_certification.domain import (
    CODE_ALPHABET,
    certificate_id,
    certificate_number,
    kind_for,
    normalise_code,
    verification_code,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "outcome, course_kind, expected",
    [
        ("completed", "completion", "completion"),
        ("completed", "trainer", "trainer"),
        ("completed", "attendance", "attendance"),
        ("attended", "attendance", "attendance"),
        ("attended", "completion", None),
        ("not_completed", "attendance", None),
    ],
)
def test_an_outcome_earns_the_courses_kind_or_nothing(outcome, course_kind, expected):
    assert kind_for(outcome, course_kind) == expected


def test_numbers_read_like_agency_year_sequence():
    assert certificate_number("iom", 2023, 123) == "IOM-2023-000123"
    assert certificate_id("iom", 2023, 123) == "iom:cert-2023-000123"


def test_codes_use_only_unambiguous_characters_and_are_reproducible():
    codes = {verification_code("k", f"iom:cert-2023-{i:06d}") for i in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        head, tail = code.split("-")
        assert len(head) == len(tail) == 4
        assert set(head + tail) <= set(CODE_ALPHABET)
        assert not set(head + tail) & set("01OILU")
    assert verification_code("k", "x") == verification_code("k", "x")
    assert normalise_code(" k7q4 9mzd ") == "K7Q4-9MZD"
