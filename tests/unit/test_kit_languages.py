"""The one language choice every rendered page uses (cohort_kit.languages)."""

from __future__ import annotations

import pytest
from cohort_kit.languages import MAX_ACCEPTED, accepted, pick_language

pytestmark = pytest.mark.unit


def test_the_most_wanted_language_comes_first_and_refused_ones_not_at_all() -> None:
    assert accepted("de;q=0.5, fr-CA, ar;q=0, en;q=0.9") == ["fr-CA", "en", "de"]


def test_a_header_of_many_parts_is_read_only_up_to_the_cap() -> None:
    header = ", ".join(["xx"] * MAX_ACCEPTED + ["fr"])
    assert "fr" not in accepted(header)
    assert pick_language({"en", "fr"}, *accepted(header)) == "en"


def test_the_first_supported_primary_language_wins_else_the_default() -> None:
    assert pick_language({"en", "fr", "ar"}, None, "de-DE", "AR_eg", "fr") == "ar"
    assert pick_language({"en", "fr"}, "de", default="fr") == "fr"
