"""The `notification-enrolment` and `notification-certificates` consumers: decisions and
certificates, told to the participant (and noted for the organiser's digest).

A session or participant not known yet is waited for inside the retry window, then the
message is not sent (`cohort_kit.pending.known`).
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from cohort_contracts.certificates import CertificateIssued
from cohort_contracts.enrolments import (
    EnrolmentCancelled,
    EnrolmentCompleted,
    EnrolmentConfirmed,
    EnrolmentRejected,
    EnrolmentWaitlisted,
    ParticipantLinkRequested,
)
from cohort_contracts.internal import ReminderDue
from cohort_contracts.privacy import ERASED_TEXT
from cohort_kit import Router, Unit
from cohort_kit.pending import known, wait

from . import store
from .deps import Deps

log = structlog.get_logger(__name__)
enrolment, certificates = Router(), Router()
_EVALUATION = uuid.UUID("4c1f6b1e-0d7a-4b8e-9a3c-5e2d1f0a9b77")


def evaluation_cause(enrolment_id: str) -> str:
    """The cause id of an enrolment's one evaluation request, whatever completion asked."""
    return str(uuid.uuid5(_EVALUATION, enrolment_id))


def _who(participant: object) -> str | None:
    if participant is None:
        return None
    if participant["erased_at"] is not None:  # type: ignore[index]
        return ERASED_TEXT  # shown as a neutral label in the organiser's digest
    return f"{participant['given_name']} {participant['family_name']}"  # type: ignore[index]


# Enrolment decisions ------------------------------------------------------------------


@enrolment.on(EnrolmentCompleted, emits=[])
async def completed(unit: Unit[EnrolmentCompleted, Deps]) -> None:
    p, con = unit.payload, unit.con
    known_both = await _session_and_person(unit, p.session_id, p.participant_id)
    if known_both is None:
        return
    session, person = known_both
    # Once per enrolment: a corrected completion (late attendance) asks nobody again.
    once = unit.event.envelope.model_copy(update={"id": evaluation_cause(p.enrolment_id)})
    await unit.deps.notifier.notify(con, once, "evaluation_request", person, session)


@enrolment.on(EnrolmentConfirmed, emits=[ReminderDue])
async def confirmed(unit: Unit[EnrolmentConfirmed, Deps]) -> None:
    p, n = unit.payload, unit.deps.notifier
    known_both = await _decision(unit, "confirmed")
    if known_both is None:
        return
    session, person = known_both
    template = "enrolment_promoted" if p.promoted_from_waitlist else "enrolment_confirmed"
    cause = unit.event.envelope
    # The link enrolment made for this confirmation came just before it on ENROLMENT,
    # with the same causationid; otherwise the participant's latest valid one, if any.
    link = await n.page_link(unit.con, cause.causationid, p.participant_id)
    extra = {"seat": p.seat, "page_link": link}
    await n.notify(unit.con, cause, template, person, session, extra, calendar=True)
    await n.schedule_reminders(unit, session, p.participant_id)
    kind = "promoted" if p.promoted_from_waitlist else "confirmed"
    await n.digest(unit.con, cause, session, kind, _who(person))


@enrolment.on(ParticipantLinkRequested, emits=[])
async def link_requested(unit: Unit[ParticipantLinkRequested, Deps]) -> None:
    """Keep every link; e-mail the ones the participant asked for (no causationid)."""
    p, con, event, n = unit.payload, unit.con, unit.event.envelope, unit.deps.notifier
    await store.add_page_link(
        con, event.id, p.participant_id, str(p.link), p.expires_at, event.causationid
    )
    if event.causationid is not None:
        return  # made for a confirmation or a certificate notice: goes with it
    person = await store.participant(con, p.participant_id)
    if not known(unit, person, "unknown_participant"):
        return  # kept, not e-mailed: nobody to send it to (see README)
    if p.expires_at <= n.clock():
        log.warning("page link already expired; not sent", event_id=event.id)
        return
    extra = {"page_link": str(p.link), "expires_at": p.expires_at}
    # Sent even when consent.contact is false: the person asked for it (domain.ALWAYS_SENT).
    await n.notify(con, event, "page_link", person, None, extra, email_only=True)


@enrolment.on(EnrolmentWaitlisted, emits=[])
async def waitlisted(unit: Unit[EnrolmentWaitlisted, Deps]) -> None:
    await _decided(unit, "waitlisted", "enrolment_waitlisted", {"position": unit.payload.position})


@enrolment.on(EnrolmentRejected, emits=[])
async def rejected(unit: Unit[EnrolmentRejected, Deps]) -> None:
    await _decided(unit, "rejected", "enrolment_rejected", {"reason": unit.payload.reason})


@enrolment.on(EnrolmentCancelled, emits=[])
async def cancelled(unit: Unit[EnrolmentCancelled, Deps]) -> None:
    p, con, n = unit.payload, unit.con, unit.deps.notifier
    row = await store.enrolment(con, p.enrolment_id)
    session_id = p.session_id or (row["session_id"] if row else None)
    participant_id = p.participant_id or (row["participant_id"] if row else None)
    await store.upsert_enrolment(
        con, p.enrolment_id, session_id, participant_id, "cancelled", p.reason
    )
    session = await store.session(con, session_id)
    if not known(unit, session, "unknown_session"):
        return
    person = await store.participant(con, participant_id)
    if participant_id and session_id:
        await store.void_reminders(con, session_id, participant_id)
    if p.reason == "session_cancelled":
        return  # the session_cancelled message says it
    cause = unit.event.envelope
    await n.notify(con, cause, "enrolment_cancelled", person, session)
    await n.digest(con, cause, session, "cancelled", _who(person))


# Certificates -------------------------------------------------------------------------


@certificates.on(CertificateIssued, emits=[])
async def certificate_issued(unit: Unit[CertificateIssued, Deps]) -> None:
    p = unit.payload
    known_both = await _session_and_person(unit, p.session_id, p.participant_id)
    if known_both is None:
        return
    session, person = known_both
    cert = {
        "verification_code": p.verification_code,
        "credential_url": p.credential_url,
        "pdf_url": p.pdf_url,
        "kind": p.kind,
    }
    link = await _certificate_link(unit, p.participant_id)
    pdf = {"filename": "certificate.pdf", "content_type": "application/pdf", "url": p.pdf_url}
    await unit.deps.notifier.notify(
        unit.con,
        unit.event.envelope,
        "certificate_issued",
        person,
        session,
        {"cert": cert, "page_link": link},
        attachments=[pdf],
    )


# The steps the handlers share ---------------------------------------------------------


async def _session_and_person(
    unit: Unit[Any, Deps], session_id: str, participant_id: str
) -> tuple[Any, Any] | None:
    """Both rows, or None when one stays unknown after the retry window."""
    session = await store.session(unit.con, session_id)
    person = await store.participant(unit.con, participant_id)
    if not known(unit, session, "unknown_session"):
        return None
    if not known(unit, person, "unknown_participant"):
        return None
    return session, person


async def _decision(unit: Unit[Any, Deps], status: str) -> tuple[Any, Any] | None:
    """Keep the decision about the enrolment; the session and person to tell, if known."""
    p = unit.payload
    reason = getattr(p, "reason", None)
    await store.upsert_enrolment(
        unit.con, p.enrolment_id, p.session_id, p.participant_id, status, reason
    )
    return await _session_and_person(unit, p.session_id, p.participant_id)


async def _decided(
    unit: Unit[Any, Deps], status: str, template: str, extra: dict[str, Any]
) -> None:
    """A waitlisting or a rejection: tell the participant, note it for the digest."""
    known_both = await _decision(unit, status)
    if known_both is None:
        return
    session, person = known_both
    cause, n = unit.event.envelope, unit.deps.notifier
    await n.notify(unit.con, cause, template, person, session, extra)
    await n.digest(unit.con, cause, session, status, _who(person))


async def _certificate_link(unit: Unit[Any, Deps], participant_id: str) -> str | None:
    """The link enrolment makes for this certificate (causationid = its id).

    It comes on ENROLMENT, after enrolment has read the certificate from CERTIFICATION,
    so it may not be here yet: wait for it (retry window) only when this participant has
    had links before; without COHORT_PUBLIC_BASE_URL no link ever comes, and waiting would
    delay every certificate notice by a whole window. Then the latest valid link, or none.
    """
    con, cause = unit.con, unit.event.envelope.id
    row = await store.page_link_for(con, cause, participant_id)
    if row is not None:
        return str(row["link"])
    if await store.has_page_links(con, participant_id):
        wait(unit, "page_link_not_yet")
    return await unit.deps.notifier.page_link(con, None, participant_id)
