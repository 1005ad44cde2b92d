"""Report subscriptions without I/O: the registry's lists, the e-mail text, the links."""

from __future__ import annotations

from pathlib import Path

import pytest
from cohort_notification.render import render
from cohort_notification.reportmail import read_unsubscribe_token, summary, unsubscribe_token
from cohort_notification.subscriptions import Registry, Subscription
from pydantic import ValidationError

pytestmark = pytest.mark.unit

ACCESS = Path(__file__).resolve().parents[2] / "deploy" / "access.yaml"


def test_the_demo_registry_has_contacts_for_ministries_and_a_donor():
    registry = Registry.load(ACCESS)
    com = registry.for_scope({"country": "COM"})
    assert [(s.org, s.subscription.language) for s in com] == [("ministry:COM", "fr")]
    assert com[0].subscription.formats == ("pdf", "xlsx")
    assert registry.for_scope({"country": "IRQ"})[0].subscription.language == "ar"
    # A donor is found by its registry key, its name, or its subject token.
    assert registry.for_scope({"donor": "European Union"})[0].org == "donor:eu"
    assert registry.for_scope({"country": "MAR"}) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "a@example.org", "webhook": "https://x.example/h", "secret_env": "S"},
        {"webhook": "https://x.example/h"},  # no secret
        {"email": "a@example.org", "formats": ["xlsx"]},  # the PDF always goes
        {"email": "a@example.org", "language": "pt"},
    ],
)
def test_a_subscription_that_cannot_be_delivered_is_refused(bad):
    with pytest.raises(ValidationError):
        Subscription(**bad)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "30 people were trained, 17 of them women."),
        ("fr", "30 personnes ont été formées, dont 17 femmes."),
        ("ar", "تم تدريب 30 شخصًا، منهم 17 امرأة."),
    ],
)
def test_the_email_says_the_numbers_in_words_in_the_contacts_language(lang, words):
    report = {"figures": {"participants": {"trained": 30, "by_sex": {"female": 17}}}}
    context = {
        "kind": "quarterly",
        "scope": "Comoros",
        "start": "2023-04-01",
        "end": "2023-06-30",
        "n": summary(report, lang),
        "unsubscribe": "http://n.example/notifications/unsubscribe?token=t",
    }
    out = render("report_published", lang, context)
    assert words in out.text
    assert "http://n.example/notifications/unsubscribe?token=t" in out.text


def test_a_suppressed_total_is_said_as_fewer_than_five():
    report = {"figures": {"participants": {"trained": None, "by_sex": {"female": None}}}}
    context = {
        "kind": "session_summary",
        "scope": "Niger",
        "start": "2023-06-05",
        "end": "2023-06-09",
        "n": summary(report, "fr"),
        "unsubscribe": "u",
    }
    assert "Moins de 5 personnes" in render("report_published", "fr", context).text


def test_an_unsubscribe_link_is_signed():
    token = unsubscribe_token("k", "ministry:NER", "dg@example.ne")
    assert read_unsubscribe_token("k", token) == ("ministry:NER", "dg@example.ne")
    assert read_unsubscribe_token("other", token) is None
    assert read_unsubscribe_token("k", "\u00e9t\u00e9." + "\u00e9" * 32) is None  # typed, not a 500
