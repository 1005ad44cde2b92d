"""Intake events of the privacy scenarios (CloudEvent dicts, ready to publish)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests import factories

T0 = datetime(2023, 5, 1, 8, 0, tzinfo=UTC)
PAST = "iom:s-past"  # held in June 2023: attended, completed, certified
FUTURE = "iom:s-future"  # starts more than a year from today: its seat is given back
FAR = date.today() + timedelta(days=400)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(type_: str, data: dict[str, Any], minutes: float, agency: str = "iom", **kw: Any) -> dict:
    return factories.envelope(type_, data, agency=agency, time=at(minutes), **kw)


def course() -> dict[str, Any]:
    return ev(
        "course.published.v1",
        {
            "course_id": "iom:c-1",
            "programme": "EMM2.0",
            "title": {"en": "Essentials of Migration Management"},
            "modules": [],
            "hours": 35,
            "completion_rule": {
                "min_attendance_ratio": 0.5,
                "pass_mark": None,
                "evaluation_required": False,
            },
            "certificate_kind": "completion",
        },
        0,
    )


def session(sid: str, start: date, capacity: int, closes: datetime) -> dict[str, Any]:
    return ev(
        "session.scheduled.v1",
        {
            "session_id": sid,
            "course_id": "iom:c-1",
            "office": "IOM Comoros",
            "country": "COM",
            "city": "Moroni",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=1)).isoformat(),
            "timezone": "Indian/Comoro",
            "mode": "in_person",
            "languages": ["fr"],
            "capacity": capacity,
            "waitlist_capacity": 3,
            "enrolment_closes_at": closes.isoformat(),
            "organiser_email": "organiser@iom-training.example",
        },
        1,
        subject=sid,
    )


def person(pid: str, n: int, agency: str = "iom", minutes: float = 2) -> dict[str, Any]:
    event = factories.participant(
        pid,
        agency=agency,
        given_name=f"Zubeida{n}q",
        family_name=f"Mchangama{n}w",
        email=f"zubeida{n}.private@mail.example.org",
        phone=f"+26933{21230 + n}",
        birth_year=1980 + n,
        position=f"Director of Returnee Affairs {n}",
    )
    event["time"] = at(minutes).isoformat()
    return event


def request(eid: str, pid: str, sid: str, minutes: float, agency: str = "iom") -> dict[str, Any]:
    return ev(
        "enrolment.requested.v1",
        {"enrolment_id": eid, "session_id": sid, "participant_id": pid},
        minutes,
        agency=agency,
        subject=eid,
    )


def withdrawn(eid: str, minutes: float) -> dict[str, Any]:
    return ev("enrolment.withdrawn.v1", {"enrolment_id": eid}, minutes, subject=eid)


def attended(pid: str, day: str, minutes: float) -> dict[str, Any]:
    data = {"session_id": PAST, "participant_id": pid, "date": day, "present": True}
    return ev("attendance.recorded.v1", data, minutes)


def evaluation(pid: str, comment: str, minutes: float) -> dict[str, Any]:
    ratings = {
        "relevance": 5,
        "will_improve_performance": 4,
        "methodology": 4,
        "content_quality": 5,
    }
    data = {"session_id": PAST, "participant_id": pid, "ratings": ratings, "comment": comment}
    return ev("evaluation.submitted.v1", data, minutes)


def closed(sid: str, minutes: float) -> dict[str, Any]:
    return ev("session.closed.v1", {"session_id": sid}, minutes)


def erase(pid: str, minutes: float, agency: str = "iom", reason: str = "data_subject_request"):
    return ev(
        "participant.erasure_requested.v1",
        {"participant_id": pid, "reason": reason},
        minutes,
        agency=agency,
        subject=pid,
    )
