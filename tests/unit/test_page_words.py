"""The pages' words and the dashboard's periods: pure functions, no services."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from cohort_certification import texts as certification_texts
from cohort_certification.localise import clean_name, country
from cohort_certification.pdf import lines
from cohort_reporting import texts as reporting_texts
from cohort_reporting.dashview import label
from cohort_reporting.domain import GAIN_BUCKETS, RATINGS
from cohort_reporting.trend import buckets, protect_across

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("module", [certification_texts, reporting_texts])
def test_every_language_has_every_word(module):
    keys = {lang: set(words) for lang, words in module.TEXTS.items()}
    assert set(keys) == {"en", "fr", "ar"}
    assert keys["fr"] == keys["en"] and keys["ar"] == keys["en"]
    for lang, words in module.TEXTS.items():
        assert all(value.strip() for value in words.values()), lang


def test_no_figure_key_reaches_the_dashboard_unworded():
    words = reporting_texts.TEXTS["fr"]
    for key in (*RATINGS, *(name for name, _, _ in GAIN_BUCKETS)):
        prefix = "rating_" if key in RATINGS else "gain_"
        assert label(key, prefix, "fr") == words[prefix + key] != key
    assert label("COM", "country", "ar") == "جزر القمر"
    assert label("XXX", "country", "fr") == "XXX"  # not a country: shown as it came


def test_country_names_and_names_without_bidi_controls():
    assert [country("COM", lang) for lang in ("en", "fr", "ar")] == [
        "Comoros",
        "Comores",
        "جزر القمر",
    ]
    assert country("NER", "fr") == "Niger" and country(None, "fr") is None
    assert clean_name("Ali\u202eevil\u202c \u2067x\u2069") == "Alievil x"
    assert clean_name("مصطفى\u200c") == "مصطفى\u200c"  # joiners stay: spellings need them


def test_trend_buckets_are_months_quarters_or_years_by_span():
    unit, spans = buckets(date(2023, 6, 5), date(2023, 9, 11))
    assert unit == "month" and spans[0] == (date(2023, 6, 1), date(2023, 6, 30))
    assert spans[-1] == (date(2023, 9, 1), date(2023, 9, 30)) and len(spans) == 4
    unit, spans = buckets(date(2022, 11, 5), date(2024, 2, 11))
    assert unit == "quarter" and spans[0] == (date(2022, 10, 1), date(2022, 12, 31))
    assert spans[-1] == (date(2024, 1, 1), date(2024, 3, 31))
    unit, spans = buckets(date(1990, 1, 1), date(2023, 2, 1))
    assert unit == "year" and len(spans) == 16 and spans[-1][0] == date(2023, 1, 1)


def test_a_lone_hidden_period_takes_the_smallest_shown_one_with_it():
    # 30 in all, 27 shown in June: September's 3 would be 30 - 27 - 0.
    assert protect_across([27, 0, None], [False, False, True]) == [True, False, True]
    assert protect_across([27, None, None], [False, True, True]) == [False, True, True]
    assert protect_across([27, 6], [False, False]) == [False, False]


def test_the_certificate_speaks_its_own_language():
    facts = {
        "course": {
            "title": {"en": "Migration management", "fr": "Gestion des migrations"},
            "hours": 35,
            "qualification": {"framework": "EQF", "level": 4, "credits": 2.5},
        },
        "session": {
            "languages": ["ar", "fr"],
            "country": "COM",
            "city": "Moroni",
            "start_date": "2023-06-05",
            "end_date": "2023-06-09",
        },
        "participant": {"given_name": "Amina", "family_name": "\u202eSoilihi"},
    }
    row = {
        "facts": facts,
        "kind": "completion",
        "number": "IOM-2023-000001",
        "verification_code": "ABCD-EFGH",
        "issued_at": datetime(2023, 6, 9, 15, tzinfo=UTC),
    }
    ar = lines(row, "IOM")
    assert ar["lang"] == "ar" and ar["heading"] == "شهادة إتمام"
    assert ar["when_where"] == "5–9 يونيو 2023 · Moroni، جزر القمر"
    assert ar["scope"] == "35 ساعة تدريب · المؤهل: EQF، المستوى 4 · 2.5 ساعات معتمدة (ECTS)"
    assert ar["name"] == "Amina Soilihi"  # no override left to reverse what follows
    fr = lines(row, "OIM", "fr")
    assert fr["course"] == "Gestion des migrations"
    assert fr["when_where"] == "5–9 juin 2023 · Moroni, Comores"
    assert fr["issued"] == "Délivré le 9 juin 2023" and fr["for"] == "Pour OIM"


def test_a_hidden_period_is_drawn_as_hidden_and_explained():
    from cohort_contracts.reports import Period, ReportPublished, ReportScope
    from cohort_reporting.dashboard import render
    from cohort_reporting.dashview import dashboard_view
    from cohort_reporting.trend import Bucket

    report = ReportPublished(
        report_id="cohort:r-test",
        kind="on_demand",
        scope=ReportScope(country="COM"),
        period=Period(start=date(2023, 1, 1), end=date(2023, 12, 31)),
        figures={
            "definition_version": "1",
            "participants": {"trained": 33, "by_sex": {"female": 30, "male": None}},
            "sessions": {"delivered": 2, "scheduled": 2, "cancelled": 0},
        },
        suppressed_cells=["participants.by_sex.male"],
    )
    buckets = [
        Bucket(date(2023, 1, 1), date(2023, 3, 31), "quarter", 30, 1, False),
        Bucket(date(2023, 4, 1), date(2023, 6, 30), "quarter", None, 1, True),
    ]
    html = render(dashboard_view(report, buckets, "fr", None, None), "country:COM", None, None)
    assert '<tr data-state="hidden"><th scope="row">T2 2023</th>' in html
    assert 'class="trend-hidden"' in html and "Par trimestre" in html
    assert "Pourquoi certains chiffres sont masqués" in html
    assert "Masqué : Hommes." in html
