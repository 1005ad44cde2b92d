"""One small function per event type: read the payload, apply the rules, store, emit.

Configuration comes with the unit (`unit.deps`, built once by `deps.build`); issuing a
certificate is `issuing.py`.
"""

from __future__ import annotations

from typing import Any

from cohort_contracts.certificates import CertificateRevocationRequested, CertificateRevoked
from cohort_contracts.courses import CoursePublished
from cohort_contracts.enrolments import EnrolmentCompleted
from cohort_contracts.participants import ParticipantRegistered
from cohort_contracts.sessions import SessionRescheduled, SessionScheduled
from cohort_kit import Invalid, Router, Unit, ownership
from cohort_kit.pending import must_know, wait

from . import store
from .deps import Deps
from .domain import kind_for
from .issuing import ISSUES, issue

intake = Router()
completions = Router()

# Facts ------------------------------------------------------------------------------


@intake.on(CoursePublished, emits=[])
async def on_course(unit: Unit[CoursePublished, Deps]) -> None:
    p = unit.payload
    data = p.model_dump(mode="json")
    await store.put_fact(unit.con, "courses", "course_id", p.course_id, unit.event.agency, data)


@intake.on(SessionScheduled, emits=[])
async def on_session(unit: Unit[SessionScheduled, Deps]) -> None:
    p = unit.payload
    data = p.model_dump(mode="json")
    await store.put_fact(unit.con, "sessions", "session_id", p.session_id, unit.event.agency, data)


@intake.on(SessionRescheduled, emits=[])
async def on_reschedule(unit: Unit[SessionRescheduled, Deps]) -> None:
    p = unit.payload
    row = await store.fact(unit.con, "sessions", "session_id", p.session_id)
    known = must_know(unit, row, "unknown_session", f"session {p.session_id}")
    changes = p.model_dump(mode="json", exclude_none=True)
    await store.put_fact(
        unit.con,
        "sessions",
        "session_id",
        p.session_id,
        known["agency"],
        {**known["data"], **changes},
    )


@intake.on(ParticipantRegistered, emits=ISSUES)
async def on_participant(unit: Unit[ParticipantRegistered, Deps]) -> None:
    p = unit.payload
    data = p.model_dump(mode="json")
    before = await store.fact(unit.con, "participants", "participant_id", p.participant_id)
    await store.put_fact(
        unit.con, "participants", "participant_id", p.participant_id, unit.event.agency, data
    )
    if before is None or _name(before["data"]) == _name(data):
        return
    # A corrected name: reissue every live certificate, the old one revoked as superseded.
    for old in await store.live_certificates_of(unit.con, p.participant_id):
        facts = {**old["facts"], "participant": _person(data)}
        await issue(unit, dict(old), facts, old["kind"], supersedes=old)


# Issuance ---------------------------------------------------------------------------


@completions.on(EnrolmentCompleted, emits=ISSUES)
async def on_completed(unit: Unit[EnrolmentCompleted, Deps]) -> None:
    c = unit.payload
    course, session, person = await store.completion_facts(
        unit.con, c.course_id, c.session_id, c.participant_id
    )
    found = (("course", course), ("session", session), ("participant", person))
    missing = [name for name, row in found if row is None]
    if missing or course is None or session is None or person is None:
        wait(unit, "unknown_" + "_".join(missing))
        raise Invalid("unknown_facts", f"{c.enrolment_id}: unknown {', '.join(missing)}")
    kind = kind_for(c.outcome, course["data"]["certificate_kind"])
    if kind is None:
        return
    await store.lock_enrolment(unit.con, c.enrolment_id, kind)
    if await store.live_certificate(unit.con, c.enrolment_id, kind) is not None:
        return  # another completion event for the same enrolment already certified it
    facts = {
        "course": course["data"],
        "session": session["data"],
        "participant": _person(person["data"]),
    }
    ids = {
        "agency": course["agency"],
        "enrolment_id": c.enrolment_id,
        "participant_id": c.participant_id,
        "course_id": c.course_id,
        "session_id": c.session_id,
    }
    await issue(unit, ids, facts, kind)


# Revocation -------------------------------------------------------------------------


@intake.on(CertificateRevocationRequested, emits=[CertificateRevoked])
async def on_revocation(unit: Unit[CertificateRevocationRequested, Deps]) -> None:
    p = unit.payload
    row = await store.certificate(unit.con, p.certificate_id)
    cert = must_know(unit, row, "unknown_certificate", f"certificate {p.certificate_id}")
    if cert["agency"] != unit.event.agency:  # the kit checks first; kept for old rows
        raise Invalid(
            ownership.NOT_OWNER,
            f"{unit.event.agency} may not revoke {p.certificate_id} of {cert['agency']}",
        )
    if await store.revoke(unit.con, p.certificate_id, p.reason, unit.event.time):
        await unit.emit(
            CertificateRevoked(certificate_id=p.certificate_id, reason=p.reason),
            subject_id=p.certificate_id,
        )


def _name(data: dict[str, Any]) -> tuple[str, str]:
    return data["given_name"], data["family_name"]


def _person(data: dict[str, Any]) -> dict[str, Any]:
    """What a certificate keeps of a person: the name, the e-mail (hashed in the
    credential), the language and country."""
    keys = ("participant_id", "given_name", "family_name", "email", "preferred_language")
    return {k: data.get(k) for k in keys} | {
        "country_of_residence": data.get("country_of_residence"),
        "organisation": (data.get("organisation") or {}).get("name"),
    }
