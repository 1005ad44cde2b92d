"""Templates and pure rules of the notification service (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from cohort_notification import domain
from cohort_notification.render import TEMPLATES_DIR, MissingTemplate, render

pytestmark = pytest.mark.unit

SESSION = {
    "session_id": "iom:s-1",
    "title": "Essentials of Migration Management 2.0",
    "city": "Moroni",
    "venue": "Hotel Le Moroni",
    "start_date": date(2023, 6, 5),
    "end_date": date(2023, 6, 9),
    "timezone": "Indian/Comoro",
    "office": "IOM Comoros",
    "mode": "in_person",
    "organiser_email": "emm@example.org",
}
CONTEXT = {
    "name": "Fatima Said Ali",
    "s": SESSION,
    "seat": 3,
    "position": 2,
    "reason": "session_full",
    "label": "d7",
    "starts_at": datetime(2023, 6, 5, 6, 0, tzinfo=UTC),
    "cert": {
        "verification_code": "K7Q4-9MZD",
        "credential_url": "https://c.example.org/credentials/x",
        "pdf_url": "https://c.example.org/credentials/x.pdf",
        "kind": "completion",
    },
    "day": date(2023, 6, 5),
    "groups": [{"title": "EMM", "city": "Moroni", "items": [{"kind": "confirmed", "who": "A B"}]}],
    "page_link": "https://cohort.example.org/me?token=v1.aW9tOnAtMQ.1688889600.mac",
    "expires_at": datetime(2023, 7, 9, 8, 0, tzinfo=UTC),
}


@pytest.mark.parametrize("lang", domain.LANGUAGES)
@pytest.mark.parametrize("name", domain.TEMPLATES)
def test_every_message_has_a_template_in_every_language(name: str, lang: str) -> None:
    assert (TEMPLATES_DIR / lang / f"{name}.j2").is_file(), f"missing {lang}/{name}.j2"
    out = render(name, lang, CONTEXT)
    assert out.subject and "\n" not in out.subject
    assert out.text.strip() and "{{" not in out.text
    assert out.html.startswith("<!DOCTYPE html>")
    assert f'lang="{lang}"' in out.html
    assert ('dir="rtl"' in out.html) == (lang == "ar")


@pytest.mark.parametrize("name", domain.TEMPLATES)
def test_subjects_are_localised(name: str) -> None:
    subjects = {lang: render(name, lang, CONTEXT).subject for lang in domain.LANGUAGES}
    assert len(set(subjects.values())) == 3, subjects


def test_dates_are_formatted_in_the_recipients_locale_and_the_sessions_zone() -> None:
    fr = render("reminder", "fr", CONTEXT)
    en = render("reminder", "en", CONTEXT)
    assert "lundi 5 juin 2023" in fr.text
    assert "Monday, June 5, 2023" in en.text
    # 06:00 UTC is 09:00 in Moroni (UTC+3).
    assert "09:00" in fr.text and "9:00" in en.text


def test_a_rejection_reason_is_readable() -> None:
    out = render("enrolment_rejected", "en", CONTEXT)
    assert "session_full" not in out.text and "seats" in out.text


def test_an_unknown_language_has_no_template() -> None:
    with pytest.raises(MissingTemplate):
        render("reminder", "pt", CONTEXT)


def test_language_falls_back_from_recipient_to_session_to_english() -> None:
    assert domain.choose_language("ar", ["fr"]) == "ar"
    assert domain.choose_language("fr-KM", ["en"]) == "fr"
    assert domain.choose_language("pt", ["fr", "ar"]) == "fr"
    assert domain.choose_language("pt", ["sw", "fr"]) == "en"
    assert domain.choose_language(None, None) == "en"


def test_only_the_certificate_notice_and_a_requested_link_ignore_a_refused_contact() -> None:
    assert domain.may_contact("certificate_issued", False)
    assert domain.may_contact("page_link", False)  # the person asked for it
    assert not any(
        domain.may_contact(t, False)
        for t in domain.TEMPLATES
        if t not in ("certificate_issued", "page_link")
    )


LABELS = {
    "enrolment_confirmed": {
        "en": "Your trainings, materials and certificates: ",
        "fr": "Vos formations, supports et certificats : ",
        "ar": "دوراتك التدريبية وموادها وشهاداتك: ",
    },
    "certificate_issued": {"en": "Your page: ", "fr": "Votre page : ", "ar": "صفحتك: "},
}
LABELS["enrolment_promoted"] = LABELS["enrolment_confirmed"]


@pytest.mark.parametrize("lang", domain.LANGUAGES)
@pytest.mark.parametrize("name", sorted(LABELS))
def test_the_page_link_is_in_a_message_only_when_there_is_one(name: str, lang: str) -> None:
    link = CONTEXT["page_link"]
    out = render(name, lang, CONTEXT)
    line = LABELS[name][lang] + link
    assert line in out.text.splitlines()
    # After the session block, as a link of its own in the HTML part.
    assert out.text.index(line) > out.text.index(SESSION["city"])
    assert f'<p><a href="{link}">' in out.html
    without = render(name, lang, {**CONTEXT, "page_link": None})
    assert link not in without.text and link not in without.html
    assert LABELS[name][lang].strip() not in without.text


def test_a_requested_link_says_until_when_it_works_in_the_recipients_language() -> None:
    link = CONTEXT["page_link"]
    en = render("page_link", "en", CONTEXT)
    fr = render("page_link", "fr", CONTEXT)
    ar = render("page_link", "ar", CONTEXT)
    assert f"Your personal page: {link} (valid until July 9, 2023" in en.text
    assert f"Votre page personnelle : {link} (valable jusqu'au 9 juillet 2023" in fr.text
    assert link in ar.text and "يوليو 2023" in ar.text
    assert 'dir="rtl"' in ar.html and f'href="{link}"' in ar.html


def test_reminders_whose_moment_has_passed_are_not_scheduled() -> None:
    start = datetime(2030, 1, 10, 9, tzinfo=UTC)
    offsets = {"d7": 7 * 86400.0, "d1": 86400.0}
    assert [r.label for r in domain.reminders_for(start, offsets, start - timedelta(days=8))] == [
        "d7",
        "d1",
    ]
    assert [r.label for r in domain.reminders_for(start, offsets, start - timedelta(days=3))] == [
        "d1"
    ]
    assert domain.reminders_for(start, offsets, start) == []


def test_backoff_doubles_and_is_capped() -> None:
    assert [domain.backoff(a, 5, 60) for a in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 60]


def test_errors_are_classified_transient_or_permanent() -> None:
    assert domain.smtp_code_is_permanent(550) and not domain.smtp_code_is_permanent(451)
    assert domain.http_status_is_permanent(400) and domain.http_status_is_permanent(404)
    assert not domain.http_status_is_permanent(503) and not domain.http_status_is_permanent(429)


def test_ids_are_deterministic_and_schedule_subjects_are_valid_subjects() -> None:
    assert domain.delivery_id("c", "p", "email") == domain.delivery_id("c", "p", "email")
    assert domain.delivery_id("c", "p", "email") != domain.delivery_id("c", "p", "sms")
    subject = domain.schedule_subject("iom:s.1 x", "iom:p-1", "d7")
    assert subject.startswith("notification.schedule.reminder.") and " " not in subject
    assert len(subject.split(".")) == 5


BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069")


@pytest.mark.parametrize("lang", domain.LANGUAGES)
@pytest.mark.parametrize("name", domain.TEMPLATES)
def test_bidi_controls_in_names_titles_and_venues_never_reach_a_message(name, lang) -> None:
    """A U+202E in a name once reversed the text after it in the e-mail."""
    hostile = {
        **CONTEXT,
        "name": "Mal\u202elory \u2066O'Brien\u2069 <b>",
        "s": {**SESSION, "title": "EMM \u202bdelbmarcs\u202c", "venue": "Hall \u202dA"},
    }
    out = render(name, lang, hostile)
    for part in (out.subject, out.text, out.html):
        assert not any(c in part for c in BIDI), (name, lang)
    if "{{ name }}" in (TEMPLATES_DIR / lang / f"{name}.j2").read_text():
        assert "Mallory O'Brien <b>" in out.text
        assert "Mallory O&#39;Brien &lt;b&gt;" in out.html
