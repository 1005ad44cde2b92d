"""Readers are tolerant of fields a later minor version adds; the edge is strict; the
exported schemas state the value rules the contracts apply; dead-letters are declared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pycountry
import pytest
from cohort_contracts import REGISTRY, MalformedEnvelope, RuleViolation, SchemaViolation
from cohort_contracts.base import Part, Payload
from cohort_contracts.deadletters import DeadLetter
from cohort_contracts.export import asyncapi
from cohort_contracts.values import COUNTRY_CODES, TIME_ZONES
from cohort_kit.deadletter import deadletter_record

from tests import factories

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
SUBJECT = "intake.iom.participant.registered"


def read(event: dict[str, Any], *, strict: bool = False) -> Any:
    spec = REGISTRY.spec(event["type"])
    return REGISTRY.parse(json.dumps(event), spec.subject_for("iom"), strict=strict)


def fits_schema(event: dict[str, Any]) -> bool:
    schema = json.loads((SCHEMAS / f"{event['type']}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema).is_valid(event)


def newer_participant() -> dict[str, Any]:
    event = factories.participant("iom:p-1")
    event["data"]["pronouns"] = "she/her"
    event["data"]["organisation"]["department"] = "Returnees"
    return event


def test_a_reader_ignores_the_fields_it_does_not_know_and_names_them() -> None:
    event = read(newer_participant())
    assert event.unknown_fields == ("data.organisation.department", "data.pronouns")
    assert "pronouns" not in event.payload.model_dump()
    assert event.payload.organisation.name == newer_participant()["data"]["organisation"]["name"]


def test_an_exact_event_has_no_unknown_fields() -> None:
    assert read(factories.participant("iom:p-1")).unknown_fields == ()


def test_the_edge_refuses_a_field_the_contracts_do_not_know() -> None:
    with pytest.raises(SchemaViolation, match="pronouns"):
        read(newer_participant(), strict=True)


def test_an_unknown_field_does_not_excuse_a_broken_rule_nor_hide_it() -> None:
    event = newer_participant()
    event["data"]["nationality"] = "NIG"
    with pytest.raises(SchemaViolation) as refused:
        read(event)
    assert "nationality" in refused.value.detail and "pronouns" not in refused.value.detail


def test_an_unknown_envelope_attribute_is_ignored_by_readers_and_refused_at_the_edge() -> None:
    event = factories.participant("iom:p-1") | {"traceparent": "00-abc-def-01"}
    assert read(event).unknown_fields == ("traceparent",)
    with pytest.raises(MalformedEnvelope):
        read(event, strict=True)


def test_the_edge_takes_json_types_as_declared_while_readers_stay_lax_as_before() -> None:
    event = factories.participant("iom:p-1")
    event["data"]["consent"]["contact"] = "true"
    assert read(event).payload.consent.contact is True
    assert not fits_schema(event)
    with pytest.raises(SchemaViolation):
        read(event, strict=True)


def test_the_edge_takes_times_in_rfc_3339_only() -> None:
    event = factories.participant("iom:p-1") | {"time": "2023-06-05T08:00+03:00"}
    assert read(event).envelope.time.hour == 8
    assert not fits_schema(event)
    with pytest.raises(MalformedEnvelope):
        read(event, strict=True)


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({"email": "f@miidat.test"}, True),
        ({"email": "F.Said@MIIDAT.example"}, True),
        ({"phone": "+269123"}, True),
        ({"nationality": "NIG"}, False),
        ({"country_of_residence": "ANT"}, False),
        ({"email": "a@localhost"}, False),
    ],
)
def test_every_reader_and_the_edge_accept_exactly_what_the_schema_accepts(changes, valid) -> None:
    event = factories.participant("iom:p-1", **changes)
    assert fits_schema(event) is valid
    for strict in (False, True):
        if valid:
            read(event, strict=strict)
        else:
            with pytest.raises(SchemaViolation):
                read(event, strict=strict)


def test_readers_keep_the_forms_they_took_before_which_the_edge_refuses() -> None:
    event = factories.participant("iom:p-1", email="Fatima <f@x.org>", phone="+269 332 12 34")
    payload = read(event).payload
    assert (payload.email, payload.phone) == ("f@x.org", "+2693321234")
    assert not fits_schema(event)
    with pytest.raises(SchemaViolation):
        read(event, strict=True)


def test_a_rule_between_fields_is_a_rule_violation_not_a_schema_violation() -> None:
    raw = {"session_id": "iom:s", "start_date": "2023-03-16", "end_date": "2023-03-14"}
    event = factories.envelope("session.rescheduled.v1", raw)
    assert fits_schema(event)  # JSON Schema cannot compare two dates
    with pytest.raises(RuleViolation, match="end_date is before start_date"):
        read(event)


def test_country_codes_and_time_zones_are_the_pinned_lists_sorted() -> None:
    assert list(COUNTRY_CODES) == sorted(c.alpha_3 for c in pycountry.countries)
    assert "NER" in COUNTRY_CODES and "NIG" not in COUNTRY_CODES
    assert list(TIME_ZONES) == sorted(TIME_ZONES) and "Indian/Comoro" in TIME_ZONES
    schema = json.loads((SCHEMAS / "participant.registered.v1.schema.json").read_text())
    nationality = schema["$defs"]["ParticipantRegistered"]["properties"]["nationality"]
    assert nationality["enum"] == list(COUNTRY_CODES)


def test_every_payload_is_a_payload_and_every_nested_model_a_part() -> None:
    for spec in REGISTRY:
        assert issubclass(spec.model, Payload), spec.type
        for field in spec.model.model_fields.values():
            kind = field.annotation
            if isinstance(kind, type) and issubclass(kind, Payload | Part):
                assert issubclass(kind, Part), (spec.type, kind)


def test_the_kit_writes_dead_letters_as_the_contract_declares_them() -> None:
    record = deadletter_record(
        service="enrolment",
        consumer="enrolment-intake",
        reason="schema_violation",
        detail="participant.registered.v1: nationality: ...",
        subject=SUBJECT,
        body=b'{"id": "x"}',
        headers={"Nats-Msg-Id": "x"},
        stream="INTAKE",
        stream_seq=7,
        deliveries=1,
    )
    DeadLetter.model_validate_json(json.dumps(record), strict=True)


def test_dead_letters_are_declared_apart_from_cloudevents() -> None:
    document = asyncapi()
    channel = document["channels"]["deadletter-service"]
    assert channel["address"] == "deadletter.{service}"
    message = document["components"]["messages"]["DeadLetter"]
    assert message["contentType"] != "application/cloudevents+json"
    assert message["payload"] == {"$ref": "#/components/schemas/DeadLetter"}
    assert document["components"]["schemas"]["DeadLetter"]["additionalProperties"] is False
    events = [m for name, m in document["components"]["messages"].items() if name != "DeadLetter"]
    assert events and all(m["contentType"] == "application/cloudevents+json" for m in events)


def test_cohort_publish_and_the_ingress_refuse_what_readers_would_ignore() -> None:
    from cohort_cli.publishing import Bounds, validate
    from cohort_ingress.intake import validate as ingress_validate

    line = json.dumps(newer_participant())
    with pytest.raises(SchemaViolation, match="pronouns"):
        validate(line, Bounds(max_bytes=1_048_576, max_depth=64))
    with pytest.raises(SchemaViolation, match="pronouns"):
        ingress_validate(line.encode(), "iom")
    _, event = ingress_validate(json.dumps(factories.participant("iom:p-1")).encode(), "iom")
    assert event.unknown_fields == ()


def test_every_reader_is_tolerant_unless_it_asks_to_be_strict() -> None:
    from cohort_contracts import parse_event

    body = json.dumps(newer_participant())
    assert parse_event(body, SUBJECT).unknown_fields  # what consumers and rebuilds call
    assert REGISTRY.parse(body, SUBJECT).unknown_fields
