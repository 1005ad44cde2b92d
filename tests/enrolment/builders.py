"""Intake events of an enrolment scenario (CloudEvent dicts) and a running service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cohort_enrolment.app import definition
from cohort_enrolment.settings import EnrolmentSettings
from cohort_kit import Runtime

from tests import factories
from tests.harness import quick_settings

T0 = datetime(2023, 5, 1, 8, 0, tzinfo=UTC)
CLOSES = datetime(2023, 5, 29, 17, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def course(cid: str = "iom:c-1", *, agency: str = "iom", **rule: Any) -> dict[str, Any]:
    rules = factories.completion_rule(**rule)
    return factories.course(cid, agency=agency, time=at(0), completion_rule=rules)


def session(
    sid: str = "iom:s-1",
    *,
    course_id: str = "iom:c-1",
    agency: str = "iom",
    capacity: int = 2,
    waitlist: int = 1,
    days: int = 5,
    quotas: dict[str, int] | None = None,
) -> dict[str, Any]:
    return factories.session(
        sid,
        course_id,
        agency=agency,
        time=at(1),
        venue=None,
        end_date=f"2023-06-{4 + days:02d}",
        capacity=capacity,
        waitlist_capacity=waitlist,
        nomination_quotas=quotas,
        enrolment_closes_at=CLOSES.isoformat(),
        organiser_email="emm@iom-training.example",
    )


def participant(pid: str, *, agency: str = "iom", org: str = "MIIDAT") -> dict[str, Any]:
    event = factories.participant(
        pid, agency=agency, organisation={"name": org, "kind": "government"}
    )
    event["time"] = at(2).isoformat()
    return event


def request(
    eid: str,
    pid: str,
    sid: str = "iom:s-1",
    *,
    agency: str = "iom",
    nominated_by: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    data = {"enrolment_id": eid, "session_id": sid, "participant_id": pid}
    if nominated_by:
        data["nominated_by"] = nominated_by
    return factories.envelope(
        "enrolment.requested.v1", data, agency=agency, subject=eid, time=time or at(10)
    )


def withdrawn(eid: str, *, agency: str = "iom") -> dict[str, Any]:
    return factories.envelope(
        "enrolment.withdrawn.v1", {"enrolment_id": eid}, agency=agency, subject=eid, time=at(20)
    )


def simple(type_: str, data: dict[str, Any], minutes: float, agency: str = "iom") -> dict[str, Any]:
    return factories.envelope(
        type_, data, agency=agency, subject=data.get("session_id"), time=at(minutes)
    )


def rescheduled(sid: str, minutes: float = 30, **changes: Any) -> dict[str, Any]:
    return simple("session.rescheduled.v1", {"session_id": sid, **changes}, minutes)


def cancelled(sid: str) -> dict[str, Any]:
    return simple("session.cancelled.v1", {"session_id": sid, "reason": "Security"}, 40)


def closed(sid: str = "iom:s-1", minutes: float = 60 * 24 * 40) -> dict[str, Any]:
    return simple("session.closed.v1", {"session_id": sid}, minutes)


def attendance(
    pid: str,
    day: int,
    present: bool = True,
    sid: str = "iom:s-1",
    module: str | None = None,
    minutes: float | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "session_id": sid,
        "participant_id": pid,
        "date": f"2023-06-{4 + day:02d}",
        "present": present,
    }
    if module:
        data["module"] = module
    return simple("attendance.recorded.v1", data, minutes or 60 * 24 * 35 + day)


def assessment(
    pid: str, kind: str, score: float, sid: str = "iom:s-1", minutes: float = 0
) -> dict[str, Any]:
    data = {"session_id": sid, "participant_id": pid, "kind": kind, "score": score}
    return simple("assessment.recorded.v1", data, minutes or 60 * 24 * 39)


def evaluation(pid: str, sid: str = "iom:s-1") -> dict[str, Any]:
    ratings = {
        "relevance": 5,
        "will_improve_performance": 4,
        "methodology": 4,
        "content_quality": 5,
    }
    data = {"session_id": sid, "participant_id": pid, "ratings": ratings}
    return simple("evaluation.submitted.v1", data, 60 * 24 * 39 + 1)


def settings(nats_url: str, database_url: str, **extra: Any) -> EnrolmentSettings:
    values = {
        "retry_window_seconds": 3.0,
        "log_level": "warning",
        "link_secret": "test-enrolment-link-secret",
    }
    return quick_settings(EnrolmentSettings, nats_url, database_url, **{**values, **extra})


def runtime(nats_url: str, database_url: str, **extra: Any) -> Runtime:
    return Runtime(definition, settings(nats_url, database_url, **extra))
