"""Three people, three sessions, two courses, two certificates (one revoked).

- Fatima (`iom:p-a`, French): s-1 completed (a certificate, and an older one revoked),
  s-2 waitlisted at position 2, s-3 confirmed. Sessions in French and English.
- Amina (`iom:p-b`, Arabic): s-2 confirmed, s-3 withdrawn (cancelled), s-1 rejected
  (enrolment had closed).
- Moussa (`iom:p-c`, English): s-2 waitlisted at position 1.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests import factories
from tests.enrolment import builders as b
from tests.harness import eventually, publish_event, publish_raw, read_stream

FATIMA, AMINA, MOUSSA = "iom:p-a", "iom:p-b", "iom:p-c"
EMAILS = {FATIMA: "fatima.said@miidat.example", AMINA: "amina.haddad@mmd.example"}
LINK = "participant.link_requested.v1"
EMM_FR = "Essentiels de la gestion des migrations 2.0"
REINT_EN = "Reintegration case management"
HANDBOOK_FR = "https://emm.example.org/m/participant-fr.pdf"
HANDBOOK_EN = "https://emm.example.org/m/participant-en.pdf"
GUIDE_AR = "https://reint.example.org/m/guide-ar.pdf"
CERT_BASE = "https://certs.example.org"


def course(cid: str, title: dict[str, str], materials: list[dict[str, Any]]) -> dict[str, Any]:
    event = b.course(cid, min_attendance_ratio=0.0, pass_mark=None, evaluation_required=False)
    event["data"].update(title=title, materials=materials)
    return event


def session(sid: str, cid: str, *, start: str, end: str, **over: Any) -> dict[str, Any]:
    event = b.session(sid, course_id=cid, capacity=over.pop("capacity", 5), waitlist=2)
    event["data"].update(start_date=start, end_date=end, **over)
    return event


def person(pid: str, given: str, family: str, lang: str) -> dict[str, Any]:
    event = b.participant(pid)
    email = EMAILS.get(pid, f"{pid.replace(':', '.')}@example.org")
    event["data"].update(given_name=given, family_name=family, preferred_language=lang, email=email)
    return event


def certificate(cert: str, eid: str, pid: str, sid: str, minutes: float) -> dict[str, Any]:
    data = {
        "certificate_id": cert,
        "verification_code": f"CODE-{cert[-4:].upper()}",
        "enrolment_id": eid,
        "participant_id": pid,
        "course_id": "iom:c-emm",
        "session_id": sid,
        "kind": "completion",
        "qualification": None,
        "issued_at": b.at(minutes).isoformat(),
        "credential_url": f"{CERT_BASE}/credentials/{cert}",
        "pdf_url": f"{CERT_BASE}/credentials/{cert}.pdf",
    }
    return factories.envelope("certificate.issued.v1", data, subject=cert, time=b.at(minutes))


def intake() -> list[dict[str, Any]]:
    late = b.CLOSES + timedelta(days=1)
    return [
        course(
            "iom:c-emm",
            {"en": "Essentials of Migration Management 2.0", "fr": EMM_FR},
            [
                {
                    "title": {"fr": "Manuel du participant", "en": "Participant handbook"},
                    "url": HANDBOOK_FR,
                    "language": "fr",
                },
                {"title": {"en": "Participant handbook"}, "url": HANDBOOK_EN, "language": "en"},
            ],
        ),
        course(
            "iom:c-reint",
            {"en": REINT_EN, "ar": "إدارة حالات إعادة الإدماج"},
            [
                {
                    "title": {"ar": "دليل المشارك", "en": "Participant guide"},
                    "url": GUIDE_AR,
                    "language": "ar",
                }
            ],
        ),
        session(
            "iom:s-1",
            "iom:c-emm",
            start="2023-06-05",
            end="2023-06-09",
            venue="Retaj Hotel",
            city="Moroni",
            languages=["fr"],
        ),
        session(
            "iom:s-2",
            "iom:c-reint",
            start="2023-09-11",
            end="2023-09-15",
            capacity=1,
            venue="Migration Training Centre",
            city="Dakar",
            country="SEN",
            timezone="Africa/Dakar",
            languages=["en", "ar"],
        ),
        session(
            "iom:s-3",
            "iom:c-emm",
            start="2023-11-06",
            end="2023-11-10",
            mode="blended",
            city="Moroni",
            languages=["fr", "en"],
        ),
        person(FATIMA, "Fatima", "Said Ali", "fr"),
        person(AMINA, "Amina", "Haddad", "ar"),
        person(MOUSSA, "Moussa", "Diallo", "en"),
        b.request("iom:e-a1", FATIMA, "iom:s-1"),
        b.request("iom:e-b2", AMINA, "iom:s-2"),
        b.request("iom:e-c2", MOUSSA, "iom:s-2"),
        b.request("iom:e-a2", FATIMA, "iom:s-2"),
        b.request("iom:e-a3", FATIMA, "iom:s-3"),
        b.request("iom:e-b3", AMINA, "iom:s-3"),
        b.withdrawn("iom:e-b3"),
        b.request("iom:e-b1", AMINA, "iom:s-1", time=late),
        b.closed("iom:s-1"),
    ]


async def enrolment_events(js: Any) -> list[dict[str, Any]]:
    return [json.loads(m.data) for m in await read_stream(js, "ENROLMENT")]


async def play(js: Any) -> list[dict[str, Any]]:
    """Publish everything; return ENROLMENT once every decision and certificate is applied."""
    for event in intake():
        await publish_event(js, event)
    old = certificate("iom:cert-0001", "iom:e-a1", FATIMA, "iom:s-1", 60 * 24 * 41)
    new = certificate("iom:cert-0002", "iom:e-a1", FATIMA, "iom:s-1", 60 * 24 * 43)
    revoked = factories.envelope(
        "certificate.revoked.v1",
        {"certificate_id": "iom:cert-0001", "reason": "Reissued with the corrected name"},
        subject="iom:cert-0001",
        time=b.at(60 * 24 * 42),
    )
    for event, subject in ((old, "issued"), (revoked, "revoked"), (new, "issued")):
        body = json.dumps(event).encode()
        await publish_raw(js, f"certification.{subject}", body, event["id"])

    async def settled() -> list[dict[str, Any]] | None:
        events = await enrolment_events(js)
        types = [e["type"] for e in events]
        done = types.count("enrolment.completed.v1") == 1 and types.count(LINK) == 6
        return events if done else None

    return await eventually(settled, timeout=20)  # type: ignore[no-any-return]
