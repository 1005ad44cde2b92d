"""The committed schemas are the published contract: the catalogue may only extend them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cohort_contracts import REGISTRY
from cohort_contracts.compat import REGENERATE, check, compare_files, compare_schemas
from cohort_contracts.export import ASYNCAPI_FILE, dumps, export, generate, schema_file

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"


def test_the_committed_schemas_are_backward_compatible_with_the_catalogue() -> None:
    report = check(SCHEMAS)
    assert not report.incompatible, report.message()


def test_the_committed_schemas_are_up_to_date_with_the_catalogue() -> None:
    report = check(SCHEMAS)
    assert report.ok, report.message()


def test_every_catalogue_type_has_a_committed_schema_file() -> None:
    for spec in REGISTRY:
        assert (SCHEMAS / schema_file(spec.type)).is_file(), spec.type
    assert (SCHEMAS / ASYNCAPI_FILE).is_file()


def test_export_is_deterministic_and_writes_what_the_check_compares(tmp_path: Path) -> None:
    export(tmp_path)
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    export(tmp_path)
    assert first == {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert check(tmp_path).ok


def test_export_removes_schema_files_of_types_no_longer_in_the_catalogue(tmp_path: Path) -> None:
    (tmp_path / "session.teleported.v1.schema.json").write_text("{}")
    export(tmp_path)
    assert not (tmp_path / "session.teleported.v1.schema.json").exists()


def fresh_schema(event_type: str) -> dict[str, Any]:
    return json.loads(generate()[schema_file(event_type)])


def payload(schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["properties"]["data"]["$ref"].rsplit("/", 1)[1]
    return schema["$defs"][name]


def test_a_field_the_committed_schema_has_and_the_catalogue_lost_is_incompatible(
    tmp_path: Path,
) -> None:
    export(tmp_path)
    committed = fresh_schema("session.scheduled.v1")
    payload(committed)["properties"]["room_number"] = {"type": "string"}
    (tmp_path / schema_file("session.scheduled.v1")).write_text(dumps(committed))
    report = check(tmp_path)
    assert report.incompatible == ["session.scheduled.v1: data.room_number: field removed"]
    assert REGENERATE in report.message()
    assert "Backward-incompatible" in report.message()


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda d: d["properties"].pop("city"), "data.city: field removed"),
        (lambda d: d["required"].append("venue"), "data.venue: field is now required"),
        (
            lambda d: d["properties"].__setitem__("capacity", {"type": "string"}),
            "data.capacity: type changed from integer to string",
        ),
        (
            lambda d: d["properties"]["mode"].__setitem__("enum", ["in_person", "online"]),
            "data.mode: enum narrowed, no longer accepts ['\"blended\"']",
        ),
        (
            lambda d: d["properties"]["capacity"].__setitem__("minimum", 1),
            "data.capacity: minimum narrowed from 0 to 1",
        ),
        (
            lambda d: d["properties"]["city"].__setitem__("maxLength", 20),
            "data.city: maxLength narrowed from 500 to 20",
        ),
    ],
)
def test_a_catalogue_that_breaks_the_committed_schema_is_detected(
    break_it: Any, expected: str
) -> None:
    committed = fresh_schema("session.scheduled.v1")
    fresh = copy.deepcopy(committed)
    break_it(payload(fresh))
    assert expected in compare_schemas(committed, fresh)


def test_a_nested_narrowed_enum_is_detected() -> None:
    committed = fresh_schema("participant.registered.v1")
    fresh = copy.deepcopy(committed)
    fresh["$defs"]["Organisation"]["properties"]["kind"]["enum"].remove("academia")
    problems = compare_schemas(committed, fresh)
    assert problems == ["data.organisation.kind: enum narrowed, no longer accepts ['\"academia\"']"]


def test_an_optional_field_that_becomes_non_nullable_is_detected() -> None:
    committed = fresh_schema("participant.registered.v1")
    fresh = copy.deepcopy(committed)
    payload(fresh)["properties"]["phone"] = {"type": "string"}
    assert "data.phone: type changed from null to string" in compare_schemas(committed, fresh)


def test_a_removed_event_type_is_incompatible() -> None:
    files = generate()
    fresh = {k: v for k, v in files.items() if k != schema_file("enrolment.rejected.v1")}
    report = compare_files(files, fresh)
    assert report.incompatible == ["enrolment.rejected.v1: event type removed"]


def test_a_moved_subject_is_incompatible() -> None:
    committed = fresh_schema("certificate.issued.v1")
    fresh = copy.deepcopy(committed)
    fresh["x-cohort"]["subject"] = "certification.created"
    assert compare_schemas(committed, fresh) == [
        "subject changed from certification.issued to certification.created"
    ]


def test_a_new_optional_field_or_type_is_compatible_but_asks_to_regenerate() -> None:
    files = generate()
    fresh = dict(files)
    schema = fresh_schema("session.scheduled.v1")
    payload(schema)["properties"]["room_number"] = {"type": "string"}
    fresh[schema_file("session.scheduled.v1")] = dumps(schema)
    fresh[schema_file("session.postponed.v1")] = dumps(schema)
    report = compare_files(files, fresh)
    assert report.incompatible == []
    expected = [schema_file("session.postponed.v1"), schema_file("session.scheduled.v1")]
    assert report.changed == expected
    assert "out of date" in report.message() and REGENERATE in report.message()


def test_widening_a_type_or_enum_is_compatible() -> None:
    committed = fresh_schema("session.scheduled.v1")
    fresh = copy.deepcopy(committed)
    payload(fresh)["properties"]["mode"]["enum"].append("hybrid")
    payload(fresh)["properties"]["capacity"] = {"type": "number", "minimum": 0}
    assert compare_schemas(committed, fresh) == []
