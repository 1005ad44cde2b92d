"""A large, deterministic intake history for load and fault runs (bench/, tests/faults/).

`generate(sessions)` returns CloudEvent dicts in the order an agency would publish them:
for each session its course (once per course), the session, its participants and their
requests, then attendance, assessments, evaluations and the close. About 190 events a
session: `generate(53)` gives ~10,000.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests import factories

NS = uuid.UUID("1d6b0d52-57f5-4b8e-8f0e-5a2f0f3c2b11")
COUNTRIES = ["COM", "NER", "SEN", "IRQ", "MAR"]
LANGS = {"COM": "fr", "NER": "fr", "SEN": "fr", "IRQ": "ar", "MAR": "fr"}
ZONES = {
    "COM": "Indian/Comoro",
    "NER": "Africa/Niamey",
    "SEN": "Africa/Dakar",
    "IRQ": "Asia/Baghdad",
    "MAR": "Africa/Casablanca",
}


class History:
    def __init__(self, seed: int) -> None:
        self.events: list[dict[str, Any]] = []
        self.rng = random.Random(seed)
        self.clock = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)

    def add(self, type_: str, agency: str, subject: str, data: dict[str, Any]) -> None:
        self.clock += timedelta(seconds=37)
        eid = str(uuid.uuid5(NS, f"{len(self.events)}:{type_}:{subject}"))
        self.events.append(
            {
                "specversion": "1.0",
                "id": eid,
                "source": f"{agency}/scenario",
                "type": type_,
                "time": self.clock.isoformat(),
                "subject": subject,
                "datacontenttype": "application/json",
                "agency": agency,
                "data": data,
            }
        )


def _course(h: History, agency: str, n: int) -> str:
    course_id = f"{agency}:course-{n}"
    h.add(
        "course.published.v1",
        agency,
        course_id,
        factories.course_data(
            course_id,
            programme="EMM2.0" if agency == "iom" else "Reintegration",
            title={"en": f"Course {n}", "fr": f"Cours {n}"},
            hours=20,
            completion_rule=factories.completion_rule(0.5, evaluation_required=False),
        ),
    )
    return course_id


def generate(
    sessions: int, *, seed: int = 11, capacity: int = 25, requests: int = 40, days: int = 2
) -> list[dict[str, Any]]:
    h = History(seed)
    courses = {a: [_course(h, a, i) for i in range(2)] for a in ("iom", "icmpd")}
    for s in range(sessions):
        agency = "iom" if s % 2 == 0 else "icmpd"
        country = COUNTRIES[s % len(COUNTRIES)]
        session_id = f"{agency}:session-{s}"
        start = date(2023, 3, 1) + timedelta(days=7 * s)
        h.add(
            "session.scheduled.v1",
            agency,
            session_id,
            {
                "session_id": session_id,
                "course_id": courses[agency][s % 2],
                "office": f"{agency.upper()} {country}",
                "country": country,
                "city": "Capital",
                "venue": "Hall",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=days - 1)).isoformat(),
                "timezone": ZONES[country],
                "mode": "in_person",
                "languages": [LANGS[country], "en"],
                "capacity": capacity,
                "waitlist_capacity": 10,
                "audience": ["government"],
                "partners": [],
                "funding": [{"donor": "European Union", "project": "P1"}],
                "facilitators": [],
                "enrolment_closes_at": f"{start.isoformat()}T00:00:00+00:00",
                "organiser_email": f"organiser-{s}@{agency}.example",
            },
        )
        people = []
        for p in range(requests):
            pid = f"{agency}:s{s}-p{p}"
            people.append(pid)
            h.add(
                "participant.registered.v1",
                agency,
                pid,
                {
                    "participant_id": pid,
                    "given_name": "Given",
                    "family_name": f"Family {p}",
                    "email": f"s{s}.p{p}@{agency}.example",
                    "sex": h.rng.choice(["female", "male"]),
                    "nationality": country,
                    "country_of_residence": country,
                    "organisation": {"name": f"Ministry {p % 4}", "kind": "government"},
                    "preferred_language": h.rng.choice([LANGS[country], "en"]),
                    "consent": {"contact": True, "statistics": True},
                },
            )
            h.add(
                "enrolment.requested.v1",
                agency,
                f"{agency}:s{s}-e{p}",
                {
                    "enrolment_id": f"{agency}:s{s}-e{p}",
                    "session_id": session_id,
                    "participant_id": pid,
                },
            )
        for pid in people[:capacity]:
            for d in range(days):
                h.add(
                    "attendance.recorded.v1",
                    agency,
                    session_id,
                    {
                        "session_id": session_id,
                        "participant_id": pid,
                        "date": (start + timedelta(days=d)).isoformat(),
                        "present": h.rng.random() < 0.9,
                    },
                )
            for kind in ("pre", "post"):
                h.add(
                    "assessment.recorded.v1",
                    agency,
                    session_id,
                    {
                        "session_id": session_id,
                        "participant_id": pid,
                        "kind": kind,
                        "score": h.rng.randrange(30, 100),
                    },
                )
        for pid in people[: capacity // 2]:
            h.add(
                "evaluation.submitted.v1",
                agency,
                session_id,
                {
                    "session_id": session_id,
                    "participant_id": pid,
                    "ratings": {
                        k: h.rng.randrange(3, 6)
                        for k in (
                            "relevance",
                            "will_improve_performance",
                            "methodology",
                            "content_quality",
                        )
                    },
                },
            )
        h.add("session.closed.v1", agency, session_id, {"session_id": session_id})
    return h.events
