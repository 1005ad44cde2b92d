"""Signed links and the page's words, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cohort_enrolment.participant.links import Opened, Refusal, Signer
from cohort_enrolment.participant.view import status_of, verify_url
from cohort_enrolment.texts import TEXTS, accepted, language

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_link_opens_the_page_of_the_participant_it_was_made_for_until_it_expires():
    signer = Signer("k")
    token = signer.token("iom:p-1", NOW + timedelta(hours=1))
    assert signer.open(token, NOW) == Opened("iom:p-1", NOW + timedelta(hours=1))
    assert signer.open(token, NOW + timedelta(hours=1)) is Refusal.EXPIRED
    assert Signer("other").open(token, NOW) is Refusal.INVALID


@pytest.mark.parametrize("part", [0, 1, 2, 3])
def test_changing_any_part_of_a_link_refuses_it(part: int):
    token = Signer("k").token("iom:p-1", NOW + timedelta(hours=1)).split(".")
    token[part] = token[part][:-1] + ("A" if token[part][-1] != "A" else "B")
    assert Signer("k").open(".".join(token), NOW) is Refusal.INVALID


@pytest.mark.parametrize("junk", ["", ".", "v1...", "v1.%%.1.x", "v1.aW9t.-5.xx", "x" * 700])
def test_malformed_links_are_refused_as_invalid(junk: str):
    assert Signer("k").open(junk, NOW) is Refusal.INVALID


def test_every_language_has_every_text():
    assert {lang: set(words) for lang, words in TEXTS.items()} == {
        lang: set(TEXTS["en"]) for lang in TEXTS
    }


def test_the_page_language_falls_back_to_english():
    assert language("fr-CA") == "fr" and language("ar") == "ar"
    assert language("pt-BR") == "en" and language(None, "") == "en"
    assert language(*accepted("de;q=0.9, ar;q=0.8, fr;q=0.1")) == "ar"


def test_the_verification_page_sits_beside_the_credential():
    assert verify_url("https://c.example/credentials/iom:cert-1", "AB-12") == (
        "https://c.example/verify/AB-12"
    )
    assert verify_url("https://elsewhere.example/x", "AB") == "https://elsewhere.example/x"


def test_a_confirmed_enrolment_shows_its_outcome_once_decided():
    assert status_of({"status": "confirmed", "outcome": None}) == "confirmed"
    assert status_of({"status": "confirmed", "outcome": "attended"}) == "attended"
    assert status_of({"status": "cancelled", "outcome": None}) == "cancelled"
