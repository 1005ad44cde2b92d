"""A synthetic stream for the reporting consumers: sessions of ~25 people, each person
registered, enrolled, assessed, evaluated, completed, certified and notified.

Payloads follow the contracts (the same shapes as tests/reporting/scenario.py); ids are
deterministic so a run is reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests import factories

T0 = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
COURSE = "iom:bench-course"
PER_SESSION = 25
# Messages per person: registered, pre, post, evaluation (INTAKE); confirmed, completed
# (ENROLMENT); certificate (CERTIFICATION); notification (NOTIFICATION).
PER_PERSON = 8


class Clock:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return (T0 + timedelta(milliseconds=self.n)).isoformat()


def _event(
    clock: Clock, type_: str, data: dict[str, Any], sid: str, source: str, n: int
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"bench-{n:09d}",
        "source": source,
        "type": type_,
        "time": clock.next(),
        "subject": sid,
        "datacontenttype": "application/json",
        "agency": "iom",
        "data": data,
    }


def course() -> dict[str, Any]:
    modules = [{"code": "M1", "title": {"en": "Context"}}]
    return factories.course_data(COURSE, title={"en": "Bench course"}, modules=modules)


def session(sid: str, country: str, start: date) -> dict[str, Any]:
    return {
        "session_id": sid,
        "course_id": COURSE,
        "office": "IOM Bench",
        "country": country,
        "city": "Bench",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=4)).isoformat(),
        "timezone": "UTC",
        "mode": "in_person",
        "languages": ["fr"],
        "capacity": PER_SESSION,
        "waitlist_capacity": 2,
        "audience": ["government"],
        "partners": [],
        "funding": [{"donor": "Bench Donor"}],
        "facilitators": ["iom:p-trainer-1"],
        "enrolment_closes_at": "2023-12-29T17:00:00+00:00",
        "organiser_email": "bench@iom-training.example",
    }


def person(pid: str, i: int) -> dict[str, Any]:
    return {
        "participant_id": pid,
        "given_name": f"Given{i}",
        "family_name": f"Family{i}",
        "email": f"p{i}@mail.example.org",
        "phone": f"+26932{i % 100000:05d}",
        "sex": ("female", "male")[i % 2],
        "nationality": "COM",
        "country_of_residence": "COM",
        "organisation": {"name": "Org", "kind": "government"},
        "preferred_language": "fr",
        "consent": {"contact": True, "statistics": True},
    }


def stream(people: int) -> Iterator[tuple[str, bytes, str]]:
    """(subject, body, msg id) for `people` people in sessions of PER_SESSION: about
    PER_PERSON * people messages, intake first per session, then the network's."""
    clock = Clock()
    n = 0

    def out(subject: str, type_: str, data: dict[str, Any], sid: str, source: str):
        nonlocal n
        n += 1
        e = _event(clock, type_, data, sid, source, n)
        return subject, json.dumps(e).encode(), e["id"]

    yield out("intake.iom.course.published", "course.published.v1", course(), COURSE, "iom/b")
    for s in range((people + PER_SESSION - 1) // PER_SESSION):
        sid = f"iom:bench-s{s:06d}"
        start = date(2024, 1, 1) + timedelta(days=s % 360)
        yield out(
            "intake.iom.session.scheduled",
            "session.scheduled.v1",
            session(sid, "COM", start),
            sid,
            "iom/b",
        )
        members = range(s * PER_SESSION, min(people, (s + 1) * PER_SESSION))
        for i in members:
            pid = f"iom:p-b{i:08d}"
            eid = f"iom:e-b{i:08d}"
            yield out(
                "intake.iom.participant.registered",
                "participant.registered.v1",
                person(pid, i),
                pid,
                "iom/b",
            )
            yield out(
                "enrolment.confirmed",
                "enrolment.confirmed.v1",
                {
                    "enrolment_id": eid,
                    "session_id": sid,
                    "participant_id": pid,
                    "seat": i % PER_SESSION + 1,
                    "promoted_from_waitlist": False,
                },
                eid,
                "cohort/enrolment",
            )
            for kind, score in (("pre", 50), ("post", 50 + i % 40)):
                yield out(
                    "intake.iom.assessment.recorded",
                    "assessment.recorded.v1",
                    {"session_id": sid, "participant_id": pid, "kind": kind, "score": score},
                    sid,
                    "iom/b",
                )
            yield out(
                "intake.iom.evaluation.submitted",
                "evaluation.submitted.v1",
                {
                    "session_id": sid,
                    "participant_id": pid,
                    "ratings": {
                        "relevance": 5,
                        "will_improve_performance": 4 + i % 2,
                        "methodology": 3 + i % 3,
                        "content_quality": 2 + i % 4,
                    },
                    "comment": "Merci",
                },
                sid,
                "iom/b",
            )
            yield out(
                "enrolment.completed",
                "enrolment.completed.v1",
                {
                    "enrolment_id": eid,
                    "session_id": sid,
                    "participant_id": pid,
                    "course_id": COURSE,
                    "outcome": "completed" if i % 10 else "attended",
                    "attendance_ratio": 1.0,
                    "pre_score": 50,
                    "post_score": 70,
                },
                eid + "-done",
                "cohort/enrolment",
            )
            cid = f"iom:cert-b{i:08d}"
            yield out(
                "certification.issued",
                "certificate.issued.v1",
                {
                    "certificate_id": cid,
                    "verification_code": f"VB{i:08d}",
                    "enrolment_id": eid,
                    "participant_id": pid,
                    "course_id": COURSE,
                    "session_id": sid,
                    "kind": "completion",
                    "qualification": None,
                    "issued_at": "2024-06-10T09:00:00+00:00",
                    "credential_url": f"https://cert.example.org/{cid}",
                    "pdf_url": f"https://cert.example.org/{cid}.pdf",
                },
                cid,
                "cohort/certification",
            )
            yield out(
                "notification.sent",
                "notification.sent.v1",
                {
                    "notification_id": f"cohort:n-b{i:08d}",
                    "recipient": pid,
                    "channel": "email",
                    "template": "enrolment_confirmed",
                    "language": "fr",
                    "cause": f"bench-cause-{i}",
                },
                f"cohort:n-b{i:08d}",
                "cohort/notification",
            )
