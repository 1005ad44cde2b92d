"""The example histories in examples/ are valid intake, as an agency system would publish it."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cohort_contracts import REGISTRY, CloudEvent, SchemaViolation, parse_event
from cohort_contracts.export import event_schema

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCHEMAS = ROOT / "contracts" / "schemas"
FILES = sorted(EXAMPLES.glob("*.jsonl"))


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def subject_of(raw: dict[str, Any]) -> str:
    return REGISTRY.spec(raw["type"]).subject_for(raw["agency"])


def validator(event_type: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{event_type}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_there_is_one_example_file_per_seed_training() -> None:
    assert [p.name for p in FILES] == [
        "01-moroni-emm2.jsonl",
        "02-dakar-tot.jsonl",
        "03-niger-emm2.jsonl",
        "04-baghdad-reintegration.jsonl",
        "05-rabat-return.jsonl",
    ]
    assert sum(len(lines(p)) for p in FILES) < 1500


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_line_parses_on_its_intake_subject(path: Path) -> None:
    for line in lines(path):
        raw = json.loads(line)
        event = parse_event(line, subject_of(raw))
        assert event.spec.is_intake
        assert event.envelope.source.split("/")[0] == event.agency


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_line_validates_against_the_committed_json_schema(path: Path) -> None:
    validators: dict[str, jsonschema.Draft202012Validator] = {}
    for number, line in enumerate(lines(path), 1):
        raw = json.loads(line)
        if raw["type"] not in validators:
            validators[raw["type"]] = validator(raw["type"])
        check = validators[raw["type"]]
        errors = [e.message for e in check.iter_errors(raw)]
        assert not errors, f"{path.name}:{number}: {errors}"


def broken(raw: dict[str, Any], how: str) -> dict[str, Any]:
    raw = json.loads(json.dumps(raw))
    if how == "missing_field":
        raw["data"].pop("country")
    elif how == "bad_country_pattern":
        raw["data"]["country"] = "km"
    elif how == "negative_capacity":
        raw["data"]["capacity"] = -1
    elif how == "extra_field":
        raw["data"]["room"] = "B12"
    elif how == "other_type":
        raw["type"] = "session.cancelled.v1"
    elif how == "no_envelope_id":
        raw.pop("id")
    elif how == "bad_mode":
        raw["data"]["mode"] = "hybrid"
    return raw


@pytest.mark.parametrize(
    "how",
    [
        "missing_field",
        "bad_country_pattern",
        "negative_capacity",
        "extra_field",
        "other_type",
        "no_envelope_id",
        "bad_mode",
    ],
)
def test_the_json_schema_rejects_a_broken_event(how: str) -> None:
    raw = next(json.loads(line) for line in lines(FILES[0]) if '"session.scheduled.v1"' in line)
    assert not list(validator("session.scheduled.v1").iter_errors(raw))
    assert list(validator("session.scheduled.v1").iter_errors(broken(raw, how)))


def test_the_registry_agrees_with_the_json_schema_on_a_broken_example() -> None:
    raw = next(json.loads(line) for line in lines(FILES[0]) if '"session.scheduled.v1"' in line)
    with pytest.raises(SchemaViolation):
        parse_event(json.dumps(broken(raw, "negative_capacity")), subject_of(raw))


def test_every_catalogue_type_has_a_schema_file_equal_to_its_generated_schema() -> None:
    for spec in REGISTRY:
        path = SCHEMAS / f"{spec.type}.schema.json"
        assert path.is_file(), spec.type
        assert json.loads(path.read_text(encoding="utf-8")) == event_schema(spec)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_example_histories_are_ordered_and_happen_before_their_sessions(path: Path) -> None:
    events = [CloudEvent.model_validate_json(line) for line in lines(path)]
    assert len({e.id for e in events}) == len(events)
    times = [e.time for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    closes: dict[str, datetime] = {}
    days: dict[str, tuple[date, date]] = {}
    seen_participants: set[str] = set()
    for e in events:
        data = e.data
        if e.type in ("session.scheduled.v1", "session.rescheduled.v1"):
            sid = data["session_id"]
            closes[sid] = datetime.fromisoformat(data.get("enrolment_closes_at") or closes[sid])
            start, end = days.get(sid, (None, None))
            days[sid] = (
                date.fromisoformat(data.get("start_date") or str(start)),
                date.fromisoformat(data.get("end_date") or str(end)),
            )
        elif e.type == "participant.registered.v1":
            seen_participants.add(data["participant_id"])
        elif e.type == "enrolment.requested.v1":
            assert e.time < closes[data["session_id"]], e.id
            assert data["participant_id"] in seen_participants
            assert e.time.date() < days[data["session_id"]][0]
        elif e.type == "attendance.recorded.v1":
            start, end = days[data["session_id"]]
            assert start <= date.fromisoformat(data["date"]) <= end
            assert e.time.date() == date.fromisoformat(data["date"])


def test_the_examples_carry_the_seeds_facts() -> None:
    events: dict[str, list[CloudEvent]] = defaultdict(list)
    for path in FILES:
        for line in lines(path):
            events[path.name].append(CloudEvent.model_validate_json(line))

    def of(name: str, event_type: str) -> list[dict[str, Any]]:
        return [e.data for e in events[name] if e.type == event_type]

    (moroni,) = of("01-moroni-emm2.jsonl", "session.scheduled.v1")
    assert (moroni["city"], moroni["capacity"], moroni["timezone"]) == (
        "Moroni",
        30,
        "Indian/Comoro",
    )
    assert len(of("01-moroni-emm2.jsonl", "enrolment.requested.v1")) > 30

    (tot,) = of("02-dakar-tot.jsonl", "course.published.v1")
    assert tot["training_of_trainers"] and tot["certificate_kind"] == "trainer"
    assert [s["capacity"] for s in of("02-dakar-tot.jsonl", "session.scheduled.v1")] == [10, 12]

    assert of("03-niger-emm2.jsonl", "session.scheduled.v1")[0]["funding"] == [
        {"donor": "Netherlands", "project": "COMPASS"}
    ]
    assert of("03-niger-emm2.jsonl", "session.rescheduled.v1")

    (reint,) = of("04-baghdad-reintegration.jsonl", "course.published.v1")
    assert (
        reint["qualification"]["framework"] == "MQF" and reint["certificate_kind"] == "completion"
    )
    assert {e.agency for e in events["04-baghdad-reintegration.jsonl"]} == {"icmpd"}

    rabat = of("05-rabat-return.jsonl", "session.scheduled.v1")
    assert sum(s["capacity"] for s in rabat) == 63
    nationalities = {
        p["nationality"] for p in of("05-rabat-return.jsonl", "participant.registered.v1")
    }
    assert nationalities == {"MAR", "CMR", "CIV", "GIN", "NGA"}

    everyone = [p for name in events for p in of(name, "participant.registered.v1")]
    assert any(not p["consent"]["contact"] for p in everyone)
    assert any(p.get("phone") for p in everyone)
    assert {p["preferred_language"] for p in everyone} >= {"fr", "en", "ar"}


def test_the_generator_reproduces_the_committed_examples(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    try:
        spec.loader.exec_module(module)
        module.main(tmp_path)
    finally:
        del sys.modules[spec.name]
    for path in FILES:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), (
            f"{path.name} is stale: run `uv run python examples/make_examples.py`"
        )
