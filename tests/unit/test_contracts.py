"""The catalogue keeps ARCHITECTURE.md's value rules and tells apart why a message is unusable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cohort_contracts import (
    REGISTRY,
    AgencyMismatch,
    CloudEvent,
    ContractError,
    MalformedEnvelope,
    NotJson,
    RuleViolation,
    SchemaViolation,
    UnknownEventType,
    UnsupportedVersion,
    WrongSubject,
    encode,
    parse_event,
)
from cohort_contracts.participants import ParticipantRegistered
from cohort_contracts.reports import ReportPublished
from cohort_contracts.sessions import SessionRescheduled, SessionScheduled

from tests import factories

pytestmark = pytest.mark.unit


def session_data(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "session_id": "iom:com-2023-06-emm2",
        "course_id": "iom:emm2-national",
        "venue": None,
        "languages": ["fr", "ar"],
        "capacity": 30,
        "organiser_email": "emm.comoros@iom-training.example",
    }
    return factories.session_data(**{**fields, **changes})


def participant_data(**changes: Any) -> dict[str, Any]:
    pid = changes.pop("participant_id", "iom:p-com-0001")
    fields: dict[str, Any] = {
        "email": "f.saidali@miidat.example",
        "phone": "+2693321234",
        "position": "Conseillère technique",
    }
    return dict(factories.participant(pid, **{**fields, **changes})["data"])


def body(event_type: str, data: dict[str, Any], **attrs: Any) -> bytes:
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "iom/comoros",
        "type": event_type,
        "time": "2023-05-20T09:00:00+03:00",
        "agency": "iom",
        "datacontenttype": "application/json",
        "data": data,
    }
    envelope.update(attrs)
    return json.dumps(envelope).encode()


def intake(event_type: str, agency: str = "iom") -> str:
    return f"intake.{agency}.{event_type.rsplit('.', 1)[0]}"


def parse_session(**changes: Any) -> Any:
    return parse_event(
        body("session.scheduled.v1", session_data(**changes)), intake("session.scheduled.v1")
    )


def parse_participant(**changes: Any) -> Any:
    return parse_event(
        body("participant.registered.v1", participant_data(**changes)),
        intake("participant.registered.v1"),
    )


def test_a_valid_session_parses_into_its_typed_payload() -> None:
    event = parse_session()
    assert isinstance(event.payload, SessionScheduled)
    assert event.payload.capacity == 30
    assert event.agency == "iom"


def test_a_valid_participant_parses_and_keeps_the_phone_in_e164() -> None:
    event = parse_participant(phone="+269 332 12 34")
    assert isinstance(event.payload, ParticipantRegistered)
    assert event.payload.phone == "+2693321234"


@pytest.mark.parametrize(
    "changes",
    [
        {"country": "KM"},  # alpha-2, not alpha-3
        {"country": "XXX"},
        {"country": "com"},
        {"languages": ["not a language"]},
        {"languages": ["xx-!!"]},
        {"languages": []},
        {"timezone": "Africa/Atlantis"},
        {"timezone": "Indian/Comoros"},
        {"capacity": -1},
        {"waitlist_capacity": -3},
        {"organiser_email": "not-an-email"},
        {"enrolment_closes_at": "2023-05-29T17:00:00"},  # naive
        {"nomination_quotas": {"MIIDAT": -1}},
        {"mode": "hybrid"},
    ],
)
def test_a_session_breaking_a_value_rule_is_a_schema_violation(changes: dict[str, Any]) -> None:
    with pytest.raises(SchemaViolation):
        parse_session(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"nationality": "Comoros"},
        {"country_of_residence": "ZZZ"},
        {"preferred_language": "french language"},
        {"phone": "2693321234"},  # no +
        {"phone": "+44 20 7946 0958 12345"},
        {"email": "fatima@"},
        {"email": "fatima at miidat"},
        {"sex": "f"},
        {"organisation": {"name": "MIIDAT", "kind": "ministry"}},
        {"participant_id": "has space"},
        {"participant_id": ""},
        {"participant_id": "x" * 201},
    ],
)
def test_a_participant_breaking_a_value_rule_is_a_schema_violation(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(SchemaViolation):
        parse_participant(**changes)


@pytest.mark.parametrize("language", ["en", "fr", "ar", "pt-BR", "zh-Hant"])
def test_common_bcp47_tags_are_languages(language: str) -> None:
    assert parse_participant(preferred_language=language).payload.preferred_language == language


@pytest.mark.parametrize("score", [-0.1, 100.5, "high"])
def test_an_assessment_score_outside_0_to_100_is_a_schema_violation(score: Any) -> None:
    data = {"session_id": "s", "participant_id": "p", "kind": "post", "score": score}
    with pytest.raises(SchemaViolation):
        parse_event(body("assessment.recorded.v1", data), intake("assessment.recorded.v1"))


@pytest.mark.parametrize("score", [0, 100, 59.5])
def test_scores_are_inclusive_of_0_and_100(score: float) -> None:
    data = {"session_id": "s", "participant_id": "p", "kind": "pre", "score": score}
    assert parse_event(body("assessment.recorded.v1", data), intake("assessment.recorded.v1"))


@pytest.mark.parametrize("rating", [0, 6])
def test_an_evaluation_rating_outside_1_to_5_is_a_schema_violation(rating: int) -> None:
    ratings = {
        "relevance": rating,
        "will_improve_performance": 5,
        "methodology": 4,
        "content_quality": 5,
    }
    with pytest.raises(SchemaViolation):
        parse_event(
            body("evaluation.submitted.v1", {"session_id": "s", "ratings": ratings}),
            intake("evaluation.submitted.v1"),
        )


def test_an_anonymous_evaluation_without_comment_is_valid() -> None:
    ratings = {
        "relevance": 5,
        "will_improve_performance": 5,
        "methodology": 4,
        "content_quality": 5,
    }
    event = parse_event(
        body("evaluation.submitted.v1", {"session_id": "s", "ratings": ratings}),
        intake("evaluation.submitted.v1"),
    )
    assert event.payload.participant_id is None and event.payload.comment is None


def course_data(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "programme": "Reintegration",
        "title": {"en": "Reintegration for Migration Policy Makers"},
        "qualification": {"framework": "MQF", "level": 5, "credits": 4},
    }
    return factories.course_data("icmpd:reint-pm", **{**fields, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"qualification": {"framework": "MQF", "level": 9}},
        {"qualification": {"framework": "MQF", "level": 0}},
        {"completion_rule": {"min_attendance_ratio": 1.2}},
        {"completion_rule": {"min_attendance_ratio": 0.8, "pass_mark": 101}},
        {"title": {}},
        {"title": {"english": "Reintegration"}},
        {"title": {"en": ""}},
        {"certificate_kind": "diploma"},
    ],
)
def test_a_course_breaking_a_rule_is_a_schema_violation(changes: dict[str, Any]) -> None:
    with pytest.raises(SchemaViolation):
        parse_event(
            body("course.published.v1", course_data(**changes)), intake("course.published.v1")
        )


def test_a_course_without_pass_mark_or_qualification_is_valid() -> None:
    data = course_data(
        qualification=None, completion_rule={"min_attendance_ratio": 1, "pass_mark": None}
    )
    event = parse_event(body("course.published.v1", data), intake("course.published.v1"))
    assert event.payload.qualification is None


def test_a_reschedule_carries_only_what_changed_and_keeps_dates_in_order() -> None:
    subject = intake("session.rescheduled.v1")
    event = parse_event(
        body("session.rescheduled.v1", {"session_id": "s", "capacity": 28}), subject
    )
    assert isinstance(event.payload, SessionRescheduled)
    assert event.payload.start_date is None
    bad = {"session_id": "s", "start_date": "2023-03-16", "end_date": "2023-03-14"}
    with pytest.raises(RuleViolation):
        parse_event(body("session.rescheduled.v1", bad), subject)
    with pytest.raises(SchemaViolation):
        parse_event(body("session.rescheduled.v1", {"session_id": "s", "capacity": -1}), subject)


def report_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "report_id": "r-1",
        "kind": "quarterly",
        "scope": {"country": "NER"},
        "period": {"start": "2023-04-01", "end": "2023-06-30"},
        "figures": {"participants_trained": 27},
        "suppressed_cells": ["by_sex.other"],
    }
    data.update(changes)
    return data


def test_a_report_scope_names_exactly_one_of_country_donor_programme() -> None:
    subject = "reports.country.NER.quarterly"
    event = parse_event(body("report.published.v1", report_data()), subject)
    assert isinstance(event.payload, ReportPublished)
    for scope in ({}, {"country": "NER", "donor": "Netherlands"}):
        with pytest.raises(RuleViolation):
            parse_event(body("report.published.v1", report_data(scope=scope)), subject)
    with pytest.raises(SchemaViolation):
        parse_event(body("report.published.v1", report_data(scope={"country": "Niger"})), subject)
    with pytest.raises(RuleViolation):
        period = {"start": "2023-06-30", "end": "2023-04-01"}
        parse_event(body("report.published.v1", report_data(period=period)), subject)


def test_a_body_that_is_not_json_is_not_json() -> None:
    for raw in (b"{not json", b"\xff\xfe\x00", b""):
        with pytest.raises(NotJson) as info:
            parse_event(raw, "intake.iom.session.scheduled")
        assert info.value.reason == "not_json"


@pytest.mark.parametrize(
    "raw",
    [
        b"[1, 2]",
        b'"a string"',
        json.dumps({"type": "session.scheduled.v1"}).encode(),
        body("session.scheduled.v1", session_data(), specversion="0.3"),
        body("session.scheduled.v1", session_data(), time="yesterday"),
        body("session.scheduled.v1", session_data(), time="2023-05-20T09:00:00"),
        body("session.scheduled.v1", session_data(), agency="IOM!"),
        body("session.scheduled.v1", session_data(), type="SessionScheduled"),
    ],
)
def test_json_that_is_not_a_cloudevent_of_ours_is_a_malformed_envelope(raw: bytes) -> None:
    with pytest.raises(MalformedEnvelope) as info:
        parse_event(raw, "intake.iom.session.scheduled")
    assert info.value.reason == "malformed_envelope"


def test_a_type_outside_the_catalogue_is_unknown() -> None:
    with pytest.raises(UnknownEventType) as info:
        parse_event(body("session.teleported.v1", {}), "intake.iom.session.teleported")
    assert info.value.reason == "unknown_type"


def test_a_known_type_in_an_unknown_version_is_unsupported() -> None:
    with pytest.raises(UnsupportedVersion) as info:
        parse_event(body("session.scheduled.v9", session_data()), "intake.iom.session.scheduled")
    assert info.value.reason == "unsupported_version"


def test_an_agency_publishing_under_another_agencys_token_is_an_agency_mismatch() -> None:
    with pytest.raises(AgencyMismatch) as info:
        parse_event(body("session.scheduled.v1", session_data()), "intake.icmpd.session.scheduled")
    assert info.value.reason == "agency_mismatch"


@pytest.mark.parametrize(
    ("event_type", "subject"),
    [
        ("session.scheduled.v1", "intake.iom.session.cancelled"),
        ("session.scheduled.v1", "enrolment.confirmed"),
        ("session.scheduled.v1", "intake.iom"),
    ],
)
def test_an_event_on_a_subject_not_its_own_is_a_wrong_subject(
    event_type: str, subject: str
) -> None:
    with pytest.raises(WrongSubject) as info:
        parse_event(body(event_type, session_data()), subject)
    assert info.value.reason == "wrong_subject"


def test_a_network_event_is_accepted_only_on_its_own_subject() -> None:
    data = {
        "enrolment_id": "e",
        "session_id": "s",
        "participant_id": "p",
        "seat": 1,
        "promoted_from_waitlist": False,
    }
    raw = body("enrolment.confirmed.v1", data, source="cohort/enrolment")
    assert parse_event(raw, "enrolment.confirmed").payload.seat == 1
    with pytest.raises(WrongSubject):
        parse_event(raw, "enrolment.waitlisted")
    with pytest.raises(WrongSubject):
        parse_event(raw, "intake.iom.enrolment.confirmed")


def test_every_contract_error_is_a_contract_error_with_a_distinct_reason() -> None:
    kinds = [
        NotJson,
        MalformedEnvelope,
        UnknownEventType,
        UnsupportedVersion,
        SchemaViolation,
        RuleViolation,
        AgencyMismatch,
        WrongSubject,
    ]
    assert all(issubclass(kind, ContractError) for kind in kinds)
    assert len({kind.reason for kind in kinds}) == len(kinds)


SUBJECTS_BY_STREAM = {
    "ENROLMENT": {
        "enrolment.confirmed.v1": "enrolment.confirmed",
        "enrolment.waitlisted.v1": "enrolment.waitlisted",
        "enrolment.rejected.v1": "enrolment.rejected",
        "enrolment.cancelled.v1": "enrolment.cancelled",
        "enrolment.completed.v1": "enrolment.completed",
        "participant.link_requested.v1": "enrolment.link_requested",
    },
    "CERTIFICATION": {
        "certificate.issued.v1": "certification.issued",
        "certificate.revoked.v1": "certification.revoked",
        "trainer.certified.v1": "certification.trainer",
    },
    "NOTIFICATION": {
        "notification.sent.v1": "notification.sent",
        "notification.failed.v1": "notification.failed",
        "reminder.due.v1": "notification.reminder.due",  # internal.py
    },
    "REPORTS": {"report.published.v1": "reports.>"},
    "PRIVACY": {
        "participant.erased.v1": "privacy.erased.>",
        "erasure.completed.v1": "privacy.completed.>",
    },
}
EXPECTED_SUBJECTS = {
    event_type: (stream, subject)
    for stream, subjects in SUBJECTS_BY_STREAM.items()
    for event_type, subject in subjects.items()
}
INTAKE_TYPES = {
    "course.published.v1",
    "session.scheduled.v1",
    "session.rescheduled.v1",
    "session.cancelled.v1",
    "session.closed.v1",
    "participant.registered.v1",
    "enrolment.requested.v1",
    "enrolment.withdrawn.v1",
    "attendance.recorded.v1",
    "assessment.recorded.v1",
    "certificate.revocation_requested.v1",
    "evaluation.submitted.v1",
    "participant.erasure_requested.v1",
}


def test_the_catalogue_lists_every_type_of_the_architecture_on_its_stream_and_subject() -> None:
    assert {spec.type for spec in REGISTRY} == INTAKE_TYPES | set(EXPECTED_SUBJECTS)
    for spec in REGISTRY:
        if spec.type in INTAKE_TYPES:
            assert (spec.stream, spec.subject) == ("INTAKE", None)
        else:
            assert (spec.stream, spec.subject) == EXPECTED_SUBJECTS[spec.type]


def test_every_payload_field_has_a_description_and_examples() -> None:
    def check(model: Any, seen: set[Any]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            assert field.examples, f"{model.__name__}.{name} has no examples"
            for arg in (*getattr(field.annotation, "__args__", ()), field.annotation):
                if isinstance(arg, type) and hasattr(arg, "model_fields"):
                    check(arg, seen)
                for inner in getattr(arg, "__args__", ()):
                    if isinstance(inner, type) and hasattr(inner, "model_fields"):
                        check(inner, seen)

    seen: set[Any] = set()
    for spec in REGISTRY:
        assert spec.model.model_config.get("frozen") is True
        assert spec.model.model_config.get("extra") == "forbid"
        check(spec.model, seen)


def test_a_built_event_encodes_and_parses_back_to_the_same_payload() -> None:
    payload = SessionScheduled.model_validate(session_data())
    envelope = REGISTRY.build(
        payload, source="iom/comoros", agency="iom", subject_id=payload.session_id
    )
    assert isinstance(envelope, CloudEvent)
    spec = REGISTRY.spec_for_model(SessionScheduled)
    event = parse_event(encode(envelope), spec.subject_for("iom"))
    assert event.payload == payload
    assert event.id == envelope.id
