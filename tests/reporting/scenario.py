"""A scenario with known numbers, after the Moroni national training (seed 01) and a small
Niger session: every event the reporting service consumes, and the figures it must give.

Moroni (COM, EMM2.0, no donor): 31 confirmed, of whom one refused statistics, so 30 people
are counted: 24 completed, 6 attended -> 30 trained; 2 waitlisted, 1 rejected.
Niger (NER, EMM2.0, donor Netherlands): 6 confirmed, 6 completed.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests import factories

COM = "iom:com-2023-06-policy"
NER = "iom:ner-2023-emm2"
TOT = "iom:sen-2022-05-tot"
TRAINER = "iom:p-wca-0003"
T0 = datetime(2023, 6, 1, 8, 0, tzinfo=UTC)


def _id(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "cohort-test:" + "|".join(map(str, parts))))


class Scenario:
    def __init__(self) -> None:
        self.intake: list[dict[str, Any]] = []
        self.network: list[tuple[str, dict[str, Any]]] = []  # (subject, event)
        self.people: list[dict[str, Any]] = []  # participant payloads (ids, names, e-mails)
        self._t = 0

    def _time(self) -> datetime:
        self._t += 1
        return T0 + timedelta(minutes=self._t)

    def add_intake(self, type_: str, data: dict[str, Any], subject: str) -> None:
        self.intake.append(
            factories.envelope(
                type_,
                data,
                subject=subject,
                event_id=_id(type_, subject, len(self.intake)),
                time=self._time(),
            )
        )

    def add_network(self, subject: str, type_: str, data: dict[str, Any], sid: str) -> None:
        event = factories.envelope(
            type_, data, subject=sid, event_id=_id(type_, sid), time=self._time()
        )
        event["source"] = "cohort/" + subject.split(".")[0]
        self.network.append((subject, event))

    @property
    def handled(self) -> int:
        return len(self.intake) + len(self.network)

    def bodies(self) -> list[tuple[str, bytes, str]]:
        out = []
        for e in self.intake:
            name = e["type"].rsplit(".", 1)[0]
            out.append((f"intake.{e['agency']}.{name}", json.dumps(e).encode(), e["id"]))
        for subject, e in self.network:
            out.append((subject, json.dumps(e).encode(), e["id"]))
        return out


def session(sid: str, country: str, city: str, donors: list[str], start: str, end: str) -> dict:
    return {
        "session_id": sid,
        "course_id": "iom:emm2-national",
        "office": f"IOM {city}",
        "country": country,
        "city": city,
        "start_date": start,
        "end_date": end,
        "timezone": "Indian/Comoro",
        "mode": "in_person",
        "languages": ["fr"],
        "capacity": 31,
        "waitlist_capacity": 2,
        "audience": ["government", "civil_society"],
        "partners": [],
        "funding": [{"donor": d} for d in donors],
        "facilitators": [TRAINER, "iom:p-wca-0007"],
        "enrolment_closes_at": "2023-05-29T17:00:00+03:00",
        "organiser_email": "formation@iom-training.example",
    }


def person(pid: str, i: int, *, sex: str, org: str, nat: str, res: str, stats: bool = True):
    return {
        "participant_id": pid,
        "given_name": f"Given{i:03d}x",
        "family_name": f"Family{i:03d}y",
        "email": f"person{i:03d}@mail.example.org",
        "phone": f"+26932{i:05d}",
        "sex": sex,
        "nationality": nat,
        "country_of_residence": res,
        "organisation": {"name": f"Org {org}", "kind": org},
        "preferred_language": "fr",
        "consent": {"contact": True, "statistics": stats},
    }


def build() -> Scenario:
    s = Scenario()
    s.add_intake(
        "course.published.v1",
        factories.course_data(
            "iom:emm2-national",
            title={"en": "EMM2.0 national"},
            modules=[{"code": "M1", "title": {"en": "Context"}}],
        ),
        "iom:emm2-national",
    )
    s.add_intake(
        "session.scheduled.v1", session(COM, "COM", "Moroni", [], "2023-06-05", "2023-06-09"), COM
    )
    s.add_intake(
        "session.scheduled.v1",
        session(NER, "NER", "Niamey", ["Netherlands"], "2023-09-11", "2023-09-15"),
        NER,
    )

    # Moroni: 30 counted people: 17 female, 12 male, 1 undisclosed; 22 government,
    # 6 civil society, 2 academia; all Comorian; 28 live in COM, 2 in FRA.
    moroni = []
    for i in range(1, 31):
        sex = "undisclosed" if i == 30 else ("female" if i <= 17 else "male")
        org = "government" if i <= 22 else ("civil_society" if i <= 28 else "academia")
        res = "FRA" if i in (3, 4) else "COM"
        moroni.append(person(f"iom:p-com-{i:04d}", i, sex=sex, org=org, nat="COM", res=res))
    refuser = person(
        "iom:p-com-0031", 31, sex="male", org="government", nat="COM", res="COM", stats=False
    )
    waiting = [
        person(f"iom:p-com-{i:04d}", i, sex="female", org="government", nat="COM", res="COM")
        for i in (32, 33)
    ]
    rejected = person("iom:p-com-0034", 34, sex="male", org="government", nat="COM", res="COM")
    niger = [
        person(
            f"iom:p-ner-{i:04d}",
            100 + i,
            sex="female" if i % 2 else "male",
            org="government",
            nat="NER",
            res="NER",
        )
        for i in range(1, 7)
    ]
    for p in [*moroni, refuser, *waiting, rejected, *niger]:
        s.people.append(p)
        s.add_intake("participant.registered.v1", p, p["participant_id"])

    def enrol(sid: str, p: dict, verb: str, i: int, **extra: Any) -> str:
        eid = f"iom:e-{p['participant_id'].split(':')[1]}"
        data = {"enrolment_id": eid, "session_id": sid, "participant_id": p["participant_id"]}
        data.update(extra)
        s.add_network(f"enrolment.{verb}", f"enrolment.{verb}.v1", data, eid)
        return eid

    confirmed_com = [*moroni, refuser]
    for i, p in enumerate(confirmed_com, 1):
        enrol(COM, p, "confirmed", i, seat=i, promoted_from_waitlist=False)
    for i, p in enumerate(waiting, 1):
        enrol(COM, p, "waitlisted", i, position=i)
    enrol(COM, rejected, "rejected", 0, reason="session_full")
    for i, p in enumerate(niger, 1):
        enrol(NER, p, "confirmed", i, seat=i, promoted_from_waitlist=False)

    # Knowledge: gains -5 (2 people), 5 (8), 15 (10), 25 (10) over a pre-test of 50.
    gains = [-5] * 2 + [5] * 8 + [15] * 10 + [25] * 10
    for p, gain in zip(moroni, gains, strict=True):
        for kind, score in (("pre", 50), ("post", 50 + gain)):
            s.add_intake(
                "assessment.recorded.v1",
                {
                    "session_id": COM,
                    "participant_id": p["participant_id"],
                    "kind": kind,
                    "score": score,
                },
                COM,
            )
    # Evaluations from 27 people: relevance 27 agree, will_improve 25, methodology 3,
    # content_quality 20.
    for i, p in enumerate(moroni[:27]):
        ratings = {
            "relevance": 5,
            "will_improve_performance": 5 if i < 25 else 2,
            "methodology": 4 if i < 3 else 3,
            "content_quality": 4 if i < 20 else 1,
        }
        s.add_intake(
            "evaluation.submitted.v1",
            {
                "session_id": COM,
                "participant_id": p["participant_id"],
                "ratings": ratings,
                "comment": f"Merci, {p['given_name']}",
            },
            COM,
        )
    s.add_intake("session.closed.v1", {"session_id": COM}, COM)
    s.add_intake("session.closed.v1", {"session_id": NER}, NER)

    # Completions: Moroni 24 completed + 6 attended (and the refuser completed); Niger 6.
    for i, p in enumerate(confirmed_com, 1):
        outcome = "attended" if 25 <= i <= 30 else "completed"
        complete(s, COM, p, outcome)
    for p in niger:
        complete(s, NER, p, "completed")

    # Certificates for the 24 Moroni completers (2 later revoked) and the 6 in Niger.
    for i, p in enumerate([*moroni[:24], *niger], 1):
        cid = f"iom:cert-2023-{i:06d}"
        sid = COM if i <= 24 else NER
        s.add_network(
            "certification.issued",
            "certificate.issued.v1",
            {
                "certificate_id": cid,
                "verification_code": f"VC{i:06d}",
                "enrolment_id": f"iom:e-{p['participant_id'].split(':')[1]}",
                "participant_id": p["participant_id"],
                "course_id": "iom:emm2-national",
                "session_id": sid,
                "kind": "completion",
                "qualification": None,
                "issued_at": "2023-06-10T09:00:00+03:00",
                "credential_url": f"https://cert.example.org/{cid}",
                "pdf_url": f"https://cert.example.org/{cid}.pdf",
            },
            cid,
        )
    for i in (1, 2):
        cid = f"iom:cert-2023-{i:06d}"
        s.add_network(
            "certification.revoked",
            "certificate.revoked.v1",
            {"certificate_id": cid, "reason": "Issued in error"},
            cid + "-r",
        )
    # The facilitator was certified as a trainer through a ToT elsewhere (not in COM).
    s.add_network(
        "certification.trainer",
        "trainer.certified.v1",
        {"trainer_id": TRAINER, "programme": "EMM2.0", "certificate_id": "iom:cert-2022-0113"},
        "iom:cert-2022-0113",
    )

    # Notifications: 30 sent, 3 failed, to Moroni participants.
    for i, p in enumerate(moroni):
        s.add_network(
            "notification.sent",
            "notification.sent.v1",
            {
                "notification_id": f"cohort:n-{i}",
                "recipient": p["participant_id"],
                "channel": "email",
                "template": "enrolment_confirmed",
                "language": "fr",
                "cause": _id("cause", i),
            },
            f"cohort:n-{i}",
        )
    for i, p in enumerate(moroni[:3]):
        s.add_network(
            "notification.failed",
            "notification.failed.v1",
            {
                "notification_id": f"cohort:nf-{i}",
                "recipient": p["participant_id"],
                "channel": "sms",
                "template": "reminder",
                "language": "fr",
                "cause": _id("cause-f", i),
                "error": "unreachable",
                "attempts": 5,
            },
            f"cohort:nf-{i}",
        )
    return s


def complete(s: Scenario, sid: str, p: dict, outcome: str) -> None:
    eid = f"iom:e-{p['participant_id'].split(':')[1]}"
    s.add_network(
        "enrolment.completed",
        "enrolment.completed.v1",
        {
            "enrolment_id": eid,
            "session_id": sid,
            "participant_id": p["participant_id"],
            "course_id": "iom:emm2-national",
            "outcome": outcome,
            "attendance_ratio": 1.0,
            "pre_score": 50,
            "post_score": 70,
        },
        eid + "-done",
    )
