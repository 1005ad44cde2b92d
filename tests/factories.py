"""Builders of valid intake events for tests and benchmarks (CloudEvent dicts, ready to
publish). The one place a course or a session is spelt out: callers name only what differs."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

_clock = itertools.count()
BASE_TIME = datetime(2023, 5, 1, 8, 0, tzinfo=UTC)


def envelope(
    type_: str,
    data: dict[str, Any],
    *,
    agency: str = "iom",
    subject: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    when = time or BASE_TIME + timedelta(seconds=next(_clock))
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": f"{agency}/test",
        "type": type_,
        "time": when.isoformat(),
        "subject": subject,
        "datacontenttype": "application/json",
        "agency": agency,
        "data": data,
    }


def completion_rule(
    min_attendance_ratio: float = 0.8,
    pass_mark: float | None = 60,
    evaluation_required: bool = True,
) -> dict[str, Any]:
    return {
        "min_attendance_ratio": min_attendance_ratio,
        "pass_mark": pass_mark,
        "evaluation_required": evaluation_required,
    }


def course_data(course_id: str = "iom:emm2", **over: Any) -> dict[str, Any]:
    """The payload of a `course.published.v1`; `over` replaces whole fields."""
    data: dict[str, Any] = {
        "course_id": course_id,
        "programme": "EMM2.0",
        "title": {"en": "Essentials of Migration Management"},
        "modules": [],
        "qualification": None,
        "hours": 35,
        "completion_rule": completion_rule(),
        "certificate_kind": "completion",
        "training_of_trainers": False,
        "certifying_body": None,
        "materials": [],
    }
    data.update(over)
    return data


def course(
    course_id: str = "iom:emm2",
    *,
    agency: str = "iom",
    time: datetime | None = None,
    **over: Any,
) -> dict[str, Any]:
    data = course_data(course_id, **over)
    return envelope("course.published.v1", data, agency=agency, subject=course_id, time=time)


def session_data(
    session_id: str = "iom:s-1", course_id: str = "iom:emm2", **over: Any
) -> dict[str, Any]:
    """The payload of a `session.scheduled.v1`; `over` replaces whole fields."""
    data: dict[str, Any] = {
        "session_id": session_id,
        "course_id": course_id,
        "office": "IOM Comoros",
        "country": "COM",
        "city": "Moroni",
        "venue": "Hotel Le Moroni",
        "start_date": "2023-06-05",
        "end_date": "2023-06-09",
        "timezone": "Indian/Comoro",
        "mode": "in_person",
        "languages": ["fr"],
        "capacity": 2,
        "waitlist_capacity": 2,
        "enrolment_closes_at": "2023-05-29T17:00:00+03:00",
        "organiser_email": "organiser@example.org",
    }
    data.update(over)
    return data


def session(
    session_id: str = "iom:s-1",
    course_id: str = "iom:emm2",
    *,
    agency: str = "iom",
    time: datetime | None = None,
    **over: Any,
) -> dict[str, Any]:
    data = session_data(session_id, course_id, **over)
    return envelope("session.scheduled.v1", data, agency=agency, subject=session_id, time=time)


def participant(pid: str = "iom:p-1", *, agency: str = "iom", **over: Any) -> dict[str, Any]:
    data = {
        "participant_id": pid,
        "given_name": "Fatima",
        "family_name": "Said Ali",
        "email": f"{pid.replace(':', '.')}@example.org",
        "sex": "female",
        "nationality": "COM",
        "country_of_residence": "COM",
        "organisation": {"name": "MIIDAT", "kind": "government"},
        "preferred_language": "fr",
        "consent": {"contact": True, "statistics": True},
    }
    data.update(over)
    return envelope("participant.registered.v1", data, agency=agency, subject=pid)
