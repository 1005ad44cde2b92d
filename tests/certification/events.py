"""Builders of the events the certification service consumes."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cohort_certification.credentials.canon import CREDENTIAL_CONTEXT

from tests import factories


def course(cid: str = "icmpd:reint-pm", *, agency: str = "icmpd", **over: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "programme": "Reintegration",
        "title": {"en": "Reintegration for Policy Makers", "ar": "إعادة الإدماج لصانعي السياسات"},
        "qualification": {"framework": "MQF", "level": 5, "credits": 4.0},
        "hours": 30.0,
        "certifying_body": "MCP-Med-TI",
    }
    return factories.course(cid, agency=agency, **{**fields, **over})


def session(
    sid: str = "icmpd:irq-2022-11",
    cid: str = "icmpd:reint-pm",
    *,
    agency: str = "icmpd",
    **over: Any,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "office": "ICMPD Iraq",
        "country": "IRQ",
        "city": "Baghdad",
        "venue": "Migration Training Centre",
        "start_date": "2022-11-24",
        "end_date": "2022-11-28",
        "timezone": "Asia/Baghdad",
        "languages": ["ar", "en"],
        "capacity": 40,
        "waitlist_capacity": 0,
        "partners": [{"name": "Ministry of Migration and Displaced", "kind": "government"}],
        "facilitators": ["icmpd:trainer-1"],
        "enrolment_closes_at": "2022-11-17T15:00:00+03:00",
        "organiser_email": "cair.iraq@example.org",
    }
    return factories.session(sid, cid, agency=agency, **{**fields, **over})


def person(pid: str, *, agency: str = "icmpd", **over: Any) -> dict[str, Any]:
    return factories.participant(pid, agency=agency, nationality="IRQ", **over)


def completed(
    eid: str,
    pid: str,
    *,
    sid: str = "icmpd:irq-2022-11",
    cid: str = "icmpd:reint-pm",
    agency: str = "icmpd",
    outcome: str = "completed",
    event_id: str | None = None,
) -> dict[str, Any]:
    data = {
        "enrolment_id": eid,
        "session_id": sid,
        "participant_id": pid,
        "course_id": cid,
        "outcome": outcome,
        "attendance_ratio": 1.0,
        "pre_score": 40,
        "post_score": 80,
    }
    event = factories.envelope(
        "enrolment.completed.v1", data, agency=agency, subject=eid, event_id=event_id
    )
    event["source"] = "cohort/enrolment"
    return event


def revocation(cert_id: str, *, agency: str = "icmpd", reason: str = "wrong person") -> dict:
    return factories.envelope(
        "certificate.revocation_requested.v1",
        {"certificate_id": cert_id, "reason": reason},
        agency=agency,
        subject=cert_id,
    )


async def publish_completion(js: Any, event: dict[str, Any], msg_id: str | None = None) -> None:
    await js.publish(
        "enrolment.completed",
        json.dumps(event).encode(),
        headers={"Nats-Msg-Id": msg_id or event["id"]},
    )


def new_id() -> str:
    return str(uuid.uuid4())


def credential_facts(
    given: str = "Media",
    family: str = "Al-Jubouri",
    title: str = "إعادة الإدماج لصانعي سياسات الهجرة",
) -> dict[str, Any]:
    """What a credential document states about the course, session and person."""
    return {
        "course": {
            "course_id": "icmpd:reint-pm",
            "programme": "Reintegration",
            "title": {"en": "Reintegration", "ar": title},
            "hours": 30.0,
            "completion_rule": factories.completion_rule(pass_mark=60.0),
            "qualification": {"framework": "MQF", "level": 5, "credits": 4.0},
        },
        "session": {
            "languages": ["ar", "en"],
            "start_date": "2022-11-24",
            "end_date": "2022-11-28",
        },
        "participant": {"given_name": given, "family_name": family, "email": "m@example.org"},
    }


# Fields of a signed credential and a new value for each: any one changed breaks the proof.
TAMPERINGS = [
    (("name",), "Other course"),
    (("validFrom",), "2021-01-01T00:00:00Z"),
    (("issuer", "name"), "Someone else"),
    (("credentialSubject", "identifier", 1, "identityHash"), "Mallory"),
    (("credentialSubject", "achievement", "alignment", 0, "targetCode"), "7"),
    (("credentialSubject", "creditsEarned"), 40.0),
    (("credentialStatus", "statusListIndex"), "8"),
    (("proof", "created"), "2022-11-29T13:00:00Z"),
]


def blank_node_clique(issuer: str, key_id: str, nodes: int) -> dict[str, Any]:
    """Blank nodes that all point at each other: RDFC-1.0 hashes every permutation."""
    ids = [f"_:n{i}" for i in range(nodes)]
    return {
        "@context": CREDENTIAL_CONTEXT,
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "evidence": [
            {
                "id": me,
                "type": ["VerifiableCredential"],
                "credentialSchema": [{"id": other} for other in ids if other != me],
            }
            for me in ids
        ],
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": key_id,
            "proofValue": "z1111",
        },
    }
