"""Every handler of every service can be reached, and the reaction table says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cohort_cli.services import SERVICES, definition
from cohort_contracts import UnknownEventType
from cohort_contracts.courses import CoursePublished
from cohort_contracts.enrolments import EnrolmentConfirmed, EnrolmentRequested
from cohort_contracts.export import REACTIONS_FILE
from cohort_contracts.reports import ReportPublished
from cohort_kit import Router, ServiceDefinition
from cohort_kit.reactions import MARKDOWN_FILE, markdown, overlaps, problems, reactions

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
DEFINITIONS = [definition(s) for s in SERVICES]


async def _noop(unit: object) -> None:
    return None


def _one(durable: str, router: Router) -> ServiceDefinition:
    return ServiceDefinition(name="x", routers={durable: router}, migrations=Path("."))


def test_every_handler_of_every_service_is_reachable_by_its_consumer() -> None:
    assert problems(DEFINITIONS) == []
    assert len(reactions(DEFINITIONS)) > 40


def test_a_handler_outside_its_consumers_filter_is_reported() -> None:
    router = Router()
    router.on(CoursePublished)(_noop)  # certification-completions reads enrolment.completed
    router.on(EnrolmentConfirmed)(_noop)  # on ENROLMENT, but not in the filter
    found = problems([_one("certification-completions", router)])
    assert len(found) == 2
    assert "travels on INTAKE, the consumer reads ENROLMENT" in found[0]
    assert "outside the filter ['enrolment.completed']" in found[1]


def test_a_type_unknown_to_the_catalogue_cannot_be_registered() -> None:
    with pytest.raises(UnknownEventType):
        Router().on("enrolment.requestd.v1")


def test_subject_patterns_overlap_like_nats_filters() -> None:
    assert overlaps("intake.>", "intake.*.course.published")
    assert overlaps("intake.*.course.published", "intake.*.course.published")
    assert not overlaps("intake.*.session.scheduled", "intake.*.course.published")
    assert overlaps("reports.>", "reports.>")
    assert not overlaps("notification.sent", "notification.reminder.due")
    assert not overlaps("reports.>", "reports")


def test_a_handler_may_only_emit_what_its_registration_declares() -> None:
    router = Router()
    router.on(EnrolmentRequested, emits=[ReportPublished])(_noop)
    [row] = reactions([_one("enrolment-intake", router)])
    assert row["emits"] == ["report.published.v1"]


def test_the_committed_reaction_table_is_the_routers_one() -> None:
    rows = reactions(DEFINITIONS)
    committed = json.loads((SCHEMAS / REACTIONS_FILE).read_text(encoding="utf-8"))
    assert committed == rows, "run: uv run cohort contracts export contracts/schemas"
    assert (SCHEMAS / MARKDOWN_FILE).read_text(encoding="utf-8") == markdown(rows)


def test_the_asyncapi_document_has_a_receive_operation_per_reaction() -> None:
    document = json.loads((SCHEMAS / "asyncapi.json").read_text(encoding="utf-8"))
    receives = {k for k, op in document["operations"].items() if op["action"] == "receive"}
    assert receives == {f"receive-{r['consumer']}-{r['type']}" for r in reactions(DEFINITIONS)}
    op = document["operations"]["receive-notification-reminders-reminder.due.v1"]
    assert op["channel"] == {"$ref": "#/channels/notification-reminder-due"}


def test_cohort_contracts_export_writes_the_table_and_the_receive_operations(tmp_path) -> None:
    from cohort_cli.main import parser

    args = parser().parse_args(["contracts", "export", str(tmp_path)])
    assert args.func(args) == 0
    for name in (REACTIONS_FILE, MARKDOWN_FILE, "asyncapi.json"):
        assert (tmp_path / name).read_bytes() == (SCHEMAS / name).read_bytes(), name
