"""The report contract as an outsider reads it: the exported schema, subjects and kinds."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
from cohort_contracts import REGISTRY
from cohort_contracts.errors import SchemaViolation
from cohort_contracts.reports import REPORT_KINDS, report_subject, subject_token
from cohort_contracts.values import OrganisationKind

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
PEOPLE = {"female": 12, "male": None, "other": 0, "undisclosed": None, "unknown": 0}
# Every organisation kind, some suppressed (None), the others counted.
KINDS = {
    **dict.fromkeys([*get_args(OrganisationKind), "unknown"], 0),
    "government": 9,
    "civil_society": None,
    "academia": None,
}


def report_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / "report.published.v1.schema.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def figures() -> dict[str, Any]:
    return {
        "definition_version": "2",
        "sessions": {
            "scheduled": 1,
            "cancelled": 0,
            "delivered": 1,
            "by_mode": {"in_person": 1},
            "by_country": {"NER": 1},
            "by_programme": {"EMM2.0": 1},
            "by_audience": {"government": 1},
        },
        "participants": {
            "trained": 15,
            "by_sex": PEOPLE,
            "by_organisation_kind": KINDS,
            "by_nationality": {"NER": 15, "unknown": 0},
            "by_residence": {"NER": 15, "unknown": 0},
        },
        "enrolments": {"confirmed": 15, "waitlisted": 0, "rejected": None, "cancelled": 0},
        "completion": {
            "decided": 15,
            "completed": 15,
            "attended": 0,
            "not_completed": 0,
            "rate_percent": 100.0,
        },
        "certificates": {"issued": 15, "revoked": 0, "valid": 15},
        "trainers": {"certified": 0, "cascade_sessions": 0, "cascade_participants_trained": 0},
        "satisfaction": {
            "respondents": 0,
            "agree": dict.fromkeys(
                ("relevance", "will_improve_performance", "methodology", "content_quality"), 0
            ),
            "agree_percent": dict.fromkeys(
                ("relevance", "will_improve_performance", "methodology", "content_quality")
            ),
        },
        "knowledge_gain": {
            "participants": 0,
            "mean_pre": None,
            "mean_post": None,
            "mean_gain": None,
            "distribution": {
                "below_0": 0,
                "0_to_9": 0,
                "10_to_19": 0,
                "20_to_29": 0,
                "30_and_more": 0,
            },
        },
        "notifications": {"sent": 30, "failed": 0},
        "provenance": {
            "definition_version": "2",
            "events_applied": {"reporting-intake": 120},
            "first_event_time": "2023-06-01T08:00:00+00:00",
            "last_event_time": "2023-06-09T17:00:00+00:00",
            "sessions_covered": 1,
        },
    }


def event(fig: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "6f1c3a52-3f0e-4d1e-9d0a-2f5c8e1b7a10",
        "source": "cohort/reporting",
        "type": "report.published.v1",
        "time": "2023-06-09T17:00:00+00:00",
        "subject": "cohort:r-1",
        "datacontenttype": "application/json",
        "agency": "iom",
        "data": {
            "report_id": "cohort:r-1",
            "kind": "session_summary",
            "scope": {"country": "NER"},
            "period": {"start": "2023-06-05", "end": "2023-06-09"},
            "figures": fig,
            "suppressed_cells": ["participants.by_sex.male"],
        },
    }


def parse(fig: dict[str, Any]) -> Any:
    return REGISTRY.parse(json.dumps(event(fig)), "reports.country.NER.session_summary")


def test_a_complete_report_fits_the_exported_schema_and_the_contract() -> None:
    report_validator().validate(event(figures()))
    assert parse(figures()).payload.figures == figures()


@pytest.mark.parametrize(
    "where",
    [(), ("participants",), ("participants", "by_sex"), ("satisfaction", "agree"), ("provenance",)],
)
def test_a_report_with_an_unknown_figure_is_rejected_by_schema_and_contract(where) -> None:
    fig = copy.deepcopy(figures())
    node = fig
    for key in where:
        node = node[key]
    node["shoe_size"] = 42
    assert not report_validator().is_valid(event(fig))
    with pytest.raises(SchemaViolation):  # at the edge; readers ignore it (a later version)
        REGISTRY.parse(json.dumps(event(fig)), "reports.country.NER.session_summary", strict=True)
    assert parse(fig).unknown_fields == (".".join(("data", "figures", *where, "shoe_size")),)


def test_a_missing_category_or_a_wrong_unit_is_rejected() -> None:
    missing = copy.deepcopy(figures())
    del missing["participants"]["by_sex"]["other"]
    negative = copy.deepcopy(figures())
    negative["completion"]["rate_percent"] = 140.0
    country = copy.deepcopy(figures())
    country["participants"]["by_nationality"]["Niger"] = 0
    for fig in (missing, negative, country):
        assert not report_validator().is_valid(event(fig))
        with pytest.raises(SchemaViolation):
            parse(fig)


def test_counts_of_people_may_be_null_but_counts_of_sessions_may_not() -> None:
    fig = copy.deepcopy(figures())
    fig["participants"]["trained"] = None
    report_validator().validate(event(fig))
    fig["sessions"]["scheduled"] = None
    assert not report_validator().is_valid(event(fig))


def test_reports_of_definition_version_1_are_still_accepted_as_an_open_object() -> None:
    old = {"definition_version": "1", "participants": {"by_sex": {"female": None}}}
    report_validator().validate(event(old))
    assert parse(old).payload.figures == old


def test_the_schema_says_how_to_build_the_subject_and_which_kinds_exist() -> None:
    schema = json.loads((SCHEMAS / "report.published.v1.schema.json").read_text())
    meta = schema["x-cohort"]
    assert meta["subject_template"] == "reports.<scope>.<token>.<kind>"
    assert meta["kinds"] == list(REPORT_KINDS)
    assert "EMM2.0" in meta["token_rule"] and "European_Union" in meta["token_rule"]
    asyncapi = json.loads((SCHEMAS / "asyncapi.json").read_text())
    channel = asyncapi["channels"]["reports-scope-value-kind"]
    assert set(channel["parameters"]["kind"]["enum"]) == {"session_summary", "monthly", "quarterly"}


@pytest.mark.parametrize(
    ("value", "token"),
    [("EMM2.0", "EMM2_0"), ("European Union", "European_Union"), ("NER", "NER"), ("a.*>b", "a_b")],
)
def test_a_scope_value_becomes_one_subject_token(value, token) -> None:
    assert subject_token(value) == token
    assert report_subject("programme", value, "quarterly") == f"reports.programme.{token}.quarterly"
